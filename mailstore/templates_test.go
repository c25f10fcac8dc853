package mailstore_test

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"path/filepath"
	"strings"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestQueueSettings: who may change a queue's mail, and what is refused.
func TestQueueSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		storetest.Desk(t, s)
		nb := mailstore.LangNB
		if _, err := s.SetQueue(ctx, "alice", "support", mailstore.QueueChange{Lang: &nb}); !errors.Is(err, mailstore.ErrPermission) {
			t.Errorf("SetQueue by a caseworker: err = %v, want ErrPermission", err)
		}
		mustDo(t, s.Grant(ctx, "root", "support", "carol", mailstore.RoleManager))
		sig, on, at := "Med vennlig hilsen\nIT-støtte\n", true, "07:30"
		q, err := s.SetQueue(ctx, "carol", "support", mailstore.QueueChange{Lang: &nb, Signature: &sig, NotifyResolved: &on, DigestDefault: &at})
		if err != nil || q.Lang != nb || q.Signature != "Med vennlig hilsen\nIT-støtte" || !q.NotifyResolved || q.DigestDefault != at {
			t.Fatalf("SetQueue by a manager = %+v, %v", q, err)
		}
		if _, err := s.SetQueue(ctx, "carol", "it-help", mailstore.QueueChange{Lang: &nb}); !errors.Is(err, mailstore.ErrPermission) {
			t.Errorf("SetQueue on another queue: err = %v, want ErrPermission", err)
		}
		for _, bad := range []mailstore.QueueChange{{Lang: ptr("de")}, {DigestDefault: ptr("7.30")}, {DigestDefault: ptr("25:00")}} {
			if _, err := s.SetQueue(ctx, "root", "support", bad); !errors.Is(err, mailstore.ErrInvalid) {
				t.Errorf("SetQueue(%+v): err = %v, want ErrInvalid", bad, err)
			}
		}
		q, err = s.CreateQueue(ctx, "root", mailstore.NewQueue{Name: "opptak", Address: "opptak@example.org"})
		if err != nil || q.Lang != mailstore.LangNBEN {
			t.Errorf("new queue = %+v, %v; want nb+en", q, err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// lf is texts with CRLF made LF.
// Their subjects, on the first line, are decoded.
func lf(texts []string) []string {
	for i, t := range texts {
		subject, rest, _ := strings.Cut(t, "\n")
		if d, err := new(mime.WordDecoder).DecodeHeader(subject); err == nil {
			subject = d
		}
		texts[i] = subject + "\n" + strings.ReplaceAll(rest, "\r\n", "\n")
	}
	return texts
}

// TestSetTemplate: a template that does not parse, has no Subject line
// or fails on a sample ticket is refused with its line; a good one is
// in effect until reset.
func TestSetTemplate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		storetest.Desk(t, s)
		for _, tc := range []struct{ name, text, want string }{
			{"parse", "Subject: Mottatt\n\nHei,\n{{.Ticket.ID}\n", "line 4: bad character"},
			{"unknown function", "Subject: x\n\n{{upper .Ticket.Subject}}\n", `line 3: function "upper" not defined`},
			{"unknown field", "Subject: x\n\nHei\n\n{{.Ticket.Nummer}}\n", "line 5: can't evaluate field Nummer"},
			{"nil field", "Subject: x\n\n{{.Folded.Count}}\n", "fails on a sample ticket: line 3: nil pointer evaluating"},
			{"no subject", "Hei {{.Requestor}}\n", "the first line must be 'Subject: …'"},
		} {
			err := s.SetTemplate(ctx, "root", "support", mailstore.TmplAutoReply, tc.text)
			if !errors.Is(err, mailstore.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: SetTemplate err = %v, want ErrInvalid with %q", tc.name, err, tc.want)
			}
		}
		if err := s.SetTemplate(ctx, "alice", "support", mailstore.TmplAutoReply, "Subject: x\n\ny\n"); !errors.Is(err, mailstore.ErrPermission) {
			t.Errorf("SetTemplate by a caseworker: err = %v, want ErrPermission", err)
		}
		if err := s.SetTemplate(ctx, "root", "support", "ack", "Subject: x\n\ny\n"); !errors.Is(err, mailstore.ErrInvalid) {
			t.Errorf("SetTemplate of an unknown kind: err = %v, want ErrInvalid", err)
		}
		tm, err := s.QueueTemplate(ctx, "support", mailstore.TmplAutoReply)
		if err != nil || !tm.Builtin || tm.Lang != "en" || !strings.HasPrefix(tm.Text, "Subject: Received:") {
			t.Fatalf("QueueTemplate before set = %+v, %v; want the English built-in", tm, err)
		}
		own := "Subject: Takk: {{.Ticket.Subject}}\n\nSak {{.Ticket.ID}} er registrert. Åpent 8–15.\n{{.Signature}}\n"
		mustDo(t, s.SetTemplate(ctx, "root", "support", mailstore.TmplAutoReply, own))
		if tm, err := s.QueueTemplate(ctx, "support", mailstore.TmplAutoReply); err != nil || tm.Builtin || tm.Text != own {
			t.Fatalf("QueueTemplate after set = %+v, %v", tm, err)
		}
		q, _ := s.Queue(ctx, "support")
		d := mustDeliver(t, s, incoming(q, "kari@example.com", "t1@example.com", "Glemt passord", "Hjelp"))
		got := lf(sent(t, s, mailstore.KindAutoReply, "kari@example.com"))
		if len(got) != 1 || !strings.Contains(got[0], "Sak 1 er registrert. Åpent 8–15.\nsupport\n") || !strings.Contains(got[0], "Takk: Glemt passord") {
			t.Errorf("acknowledgement from the queue's template = %q (ticket %d)", got, d.Ticket)
		}
		p, err := s.PreviewTemplate(ctx, "support", mailstore.TmplAutoReply, d.Ticket)
		if err != nil || p.Subject != "[support #1] Takk: Glemt passord" || !strings.HasPrefix(p.Text, "Sak 1 er registrert") {
			t.Errorf("PreviewTemplate = %+v, %v", p, err)
		}
		mustDo(t, s.ResetTemplate(ctx, "root", "support", mailstore.TmplAutoReply))
		if err := s.ResetTemplate(ctx, "root", "support", mailstore.TmplAutoReply); !errors.Is(err, mailstore.ErrConflict) {
			t.Errorf("ResetTemplate twice: err = %v, want ErrConflict", err)
		}
		if tm, err := s.QueueTemplate(ctx, "support", mailstore.TmplAutoReply); err != nil || !tm.Builtin {
			t.Errorf("QueueTemplate after reset = %+v, %v", tm, err)
		}
	})
}

// TestTemplateFallback: a queue's template that fails when a mail is
// written (here one stored before a field was renamed) does not stop
// the mail: the built-in writes it, and the failure is counted.
func TestTemplateFallback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		q := storetest.Desk(t, s)
		mustDo(t, s.SetTemplate(ctx, "root", "support", mailstore.TmplAutoReply, "Subject: x\n\n{{.Ticket.Subject}}\n"))
		if _, err := s.DB().ExecContext(ctx, `UPDATE queue_templates SET body = $1`, "Subject: x\n\n{{.Ticket.Emne}}\n"); err != nil {
			t.Fatal(err)
		}
		mustDeliver(t, s, incoming(q, "kari@example.com", "t1@example.com", "Glemt passord", "Hjelp"))
		got := sent(t, s, mailstore.KindAutoReply, "kari@example.com")
		if len(got) != 1 || !strings.Contains(got[0], "We have received it") {
			t.Errorf("acknowledgement = %q, want the built-in's", got)
		}
		if n := s.TemplateFailures(); n != 1 {
			t.Errorf("TemplateFailures = %d, want 1", n)
		}
	})
}

// TestBilingual: a queue of nb+en acknowledges in Norwegian, then
// English, in one mail; its notices to caseworkers are in Norwegian.
func TestBilingual(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		q := storetest.Desk(t, s)
		q, err := s.SetQueue(ctx, "root", "support", mailstore.QueueChange{Lang: ptr(mailstore.LangNBEN)})
		mustDo(t, err)
		mustDeliver(t, s, incoming(q, "kari@example.com", "t1@example.com", "Glemt passord", "Hjelp"))
		got := lf(sent(t, s, mailstore.KindAutoReply, "kari@example.com"))
		if len(got) != 1 {
			t.Fatalf("acknowledgements: %q", got)
		}
		nb, en := strings.Index(got[0], "Vi har mottatt henvendelsen din"), strings.Index(got[0], "We have received it")
		if !strings.HasPrefix(got[0], "[support #1] Mottatt / Received: Glemt passord\n") || nb < 0 || en < nb {
			t.Errorf("acknowledgement of nb+en = %q, want Norwegian, then English", got[0])
		}
		notes := sent(t, s, mailstore.KindNotify, "walt@example.org")
		if len(notes) != 1 || !strings.Contains(notes[0], "Ny sak fra kari@example.com i køen support") || strings.Contains(notes[0], "New ticket") {
			t.Errorf("notice to the watcher = %q, want it in Norwegian only", notes)
		}
	})
}

// TestResolvedNotice: requestors hear that their ticket is resolved only
// from a queue that asks for it.
func TestResolvedNotice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		storetest.Desk(t, s)
		quiet := newTicket(t, s, "alice", "support", "Printer on fire", "It burns.")
		mustDo(t, s.SetStatus(ctx, "alice", quiet, "resolve"))
		if got := sent(t, s, mailstore.KindResolved, "pat@example.com"); len(got) != 0 {
			t.Errorf("resolve notice from a queue that did not ask: %q", got)
		}
		_, err := s.SetQueue(ctx, "root", "support", mailstore.QueueChange{NotifyResolved: ptr(true), Lang: ptr(mailstore.LangNB)})
		mustDo(t, err)
		id := newTicket(t, s, "alice", "support", "Skriveren brenner", "Hjelp")
		mustDo(t, s.SetStatus(ctx, "alice", id, "resolve"))
		got := lf(sent(t, s, mailstore.KindResolved, "pat@example.com"))
		if len(got) != 1 || !strings.HasPrefix(got[0], "[support #2] Løst: Skriveren brenner\n") || !strings.Contains(got[0], "er nå løst") {
			t.Errorf("resolve notice = %q", got)
		}
	})
}

// TestTemplateOnTwoFrontEnds: a front end keeps the queues' own templates
// in memory, and a template set or reset through another front end (or
// the CLI) is in effect for its next mail all the same.
func TestTemplateOnTwoFrontEnds(t *testing.T) {
	for _, db := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "sak.db") }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresDSN(t) }},
	} {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := db.dsn(t)
			a := storetest.Open(t, dsn)
			storetest.Desk(t, a)
			b := storetest.Open(t, dsn)
			n := 0
			ack := func(want string) {
				t.Helper()
				n++
				// As smtpd routes each mail: the queue read afresh.
				q, err := a.Queue(ctx, "support")
				if err != nil {
					t.Fatal(err)
				}
				from := fmt.Sprintf("kari%d@example.com", n)
				mustDeliver(t, a, incoming(q, from, fmt.Sprintf("two%d@example.com", n), "Glemt passord", "Hjelp"))
				got := lf(sent(t, a, mailstore.KindAutoReply, from))
				if len(got) != 1 || !strings.Contains(got[0], want) {
					t.Errorf("acknowledgement %d = %q, want %q in it", n, got, want)
				}
			}
			ack("Received: Glemt passord")
			mustDo(t, b.SetTemplate(ctx, "root", "support", mailstore.TmplAutoReply, "Subject: Takk\n\nSak {{.Ticket.ID}} er registrert.\n"))
			ack("Sak 2 er registrert.")
			mustDo(t, b.SetTemplate(ctx, "root", "support", mailstore.TmplAutoReply, "Subject: Takk\n\nSaken din har nummer {{.Ticket.ID}}.\n"))
			ack("Saken din har nummer 3.")
			mustDo(t, b.ResetTemplate(ctx, "root", "support", mailstore.TmplAutoReply))
			ack("Received: Glemt passord")
		})
	}
}
