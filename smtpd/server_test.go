package smtpd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// rig is a running sak SMTP and LMTP server on 127.0.0.1 over a store.
type rig struct {
	t     *testing.T
	store *mailstore.Store
	d     *Deliverer
	smtp  string
	lmtp  string
}

func newRig(t *testing.T, open storetest.Opener) *rig {
	t.Helper()
	s := open(t)
	storetest.Desk(t, s)
	return serve(t, s, Config{})
}

func serve(t *testing.T, s *mailstore.Store, cfg Config) *rig {
	t.Helper()
	d := &Deliverer{Store: s, Log: slog.New(slog.NewTextHandler(testWriter{t}, nil))}
	srv := NewServer(d, cfg)
	r := &rig{t: t, store: s, d: d}
	for _, lmtp := range []bool{false, true} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if lmtp {
			r.lmtp = l.Addr().String()
			go srv.ServeLMTP(l)
		} else {
			r.smtp = l.Addr().String()
			go srv.ServeSMTP(l)
		}
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return r
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// send delivers one mail over SMTP and returns the server's verdict.
func (r *rig) send(from string, to []string, msg string) error {
	r.t.Helper()
	c, err := smtp.Dial(r.smtp)
	if err != nil {
		r.t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.example.com"); err != nil {
		r.t.Fatal(err)
	}
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func (r *rig) mustSend(from string, to []string, msg string) {
	r.t.Helper()
	if err := r.send(from, to, msg); err != nil {
		r.t.Fatalf("send: %v", err)
	}
}

func (r *rig) tickets() []mailstore.Ticket {
	r.t.Helper()
	ts, err := r.store.ListTickets(context.Background(), mailstore.Filter{})
	if err != nil {
		r.t.Fatal(err)
	}
	return ts
}

func (r *rig) history(id int64) []mailstore.Transaction {
	r.t.Helper()
	h, err := r.store.History(context.Background(), id)
	if err != nil {
		r.t.Fatal(err)
	}
	return h
}

func mailText(from, to, subject, msgid, extra, body string) string {
	return fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\n%s\r\n%s\r\n",
		from, to, subject, msgid, extra, body)
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestMailIn(t *testing.T) {
	storetest.Each(t, testMailIn)
}

func testMailIn(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	pat := "pat@example.com"

	t.Run("new ticket and threading", func(t *testing.T) {
		r := newRig(t, open)
		r.mustSend(pat, []string{"Support+urgent@Example.ORG"}, mailText("Pat <pat@example.com>", "support@example.org", "Printer on fire", "m1@example.com", "", "It burns."))
		ts := r.tickets()
		if len(ts) != 1 || ts[0].Queue != "support" || ts[0].Subject != "Printer on fire" || ts[0].Requestors[0] != pat {
			t.Fatalf("tickets = %+v", ts)
		}
		id := ts[0].ID
		// An auto-reply went to the requestor, with the tag.
		out, err := r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: id, Status: "pending"})
		if err != nil {
			t.Fatal(err)
		}
		var autoreply *mailstore.OutboxRow
		for i := range out {
			if out[i].Kind == mailstore.KindAutoReply {
				autoreply = &out[i]
			}
		}
		if autoreply == nil || autoreply.Rcpt != pat || autoreply.MailFrom != "" {
			t.Fatalf("outbox = %+v, want an auto-reply to %s with a null sender", out, pat)
		}
		tag := fmt.Sprintf("[support #%d]", id)
		// By subject tag.
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "Re: "+tag+" Printer on fire", "m2@example.com", "", "Still burning."))
		// By In-Reply-To, naming sak's auto-reply.
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "Re: printer", "m3@example.com", "In-Reply-To: <"+autoreply.MessageID+">\r\n", "Hello?"))
		// By References only (a reply-all that lost the tag).
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "Re: printer", "m4@example.com", "References: <zz@elsewhere> <m1@example.com>\r\n", "Anyone?"))
		// Another tracker's tag with the same number: a new ticket.
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", fmt.Sprintf("[othertracker #%d] hello", id), "m5@example.com", "", "Unrelated."))
		ts = r.tickets()
		if len(ts) != 2 {
			t.Fatalf("%d tickets, want 2: %+v", len(ts), ts)
		}
		var corr int
		for _, x := range r.history(id) {
			if x.Type == mailstore.TxCorrespond {
				corr++
			}
		}
		if corr != 3 {
			t.Fatalf("ticket %d has %d replies, want 3", id, corr)
		}
	})

	t.Run("unknown recipient is refused at RCPT", func(t *testing.T) {
		r := newRig(t, open)
		err := r.send(pat, []string{"nobody@example.org"}, mailText(pat, "nobody@example.org", "x", "u1@x", "", "x"))
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code != 550 || se.EnhancedCode != (smtp.EnhancedCode{5, 1, 1}) {
			t.Fatalf("send to unknown = %v, want 550 5.1.1", err)
		}
		if len(r.tickets()) != 0 {
			t.Fatal("a ticket was made")
		}
	})

	t.Run("duplicate delivery is stored once", func(t *testing.T) {
		r := newRig(t, open)
		m := mailText(pat, "support@example.org", "Twice", "dup@example.com", "", "Same bytes.")
		r.mustSend(pat, []string{"support@example.org"}, m)
		r.mustSend(pat, []string{"support@example.org"}, m)
		ts := r.tickets()
		if len(ts) != 1 || len(r.history(ts[0].ID)) != 1 {
			t.Fatalf("duplicate made %d tickets / history %+v", len(ts), r.history(ts[0].ID))
		}
		// Same Message-ID, other content: a different mail, a ticket of
		// its own (msgid_test.go has more).
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "Twice", "dup@example.com", "", "Other bytes."))
		if ts := r.tickets(); len(ts) != 2 || len(r.history(ts[1].ID)) != 1 {
			t.Fatalf("changed mail with the same id: %d tickets, want 2", len(ts))
		}
		// Without a Message-ID: the same bytes are the same mail.
		bare := strings.Replace(mailText(pat, "support@example.org", "No id", "x", "", "Bare."), "Message-ID: <x>\r\n", "", 1)
		r.mustSend(pat, []string{"support@example.org"}, bare)
		r.mustSend(pat, []string{"support@example.org"}, bare)
		if ts := r.tickets(); len(ts) != 3 {
			t.Fatalf("a mail without a Message-ID sent twice made %d tickets in all, want 3", len(ts))
		}
	})

	t.Run("requestor reply reopens", func(t *testing.T) {
		r := newRig(t, open)
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "Broken", "r1@example.com", "", "Help."))
		id := r.tickets()[0].ID
		if err := r.store.SetStatus(ctx, "alice", id, "resolve"); err != nil {
			t.Fatal(err)
		}
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", fmt.Sprintf("Re: [support #%d] Broken", id), "r2@example.com", "", "Still broken."))
		tk, _ := r.store.Ticket(ctx, id)
		if tk.Status != mailstore.StatusOpen {
			t.Fatalf("status after requestor reply = %s, want open", tk.Status)
		}
	})

	t.Run("stranger and unverified caseworker become notes", func(t *testing.T) {
		r := newRig(t, open)
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "Broken", "s1@example.com", "", "Help."))
		id := r.tickets()[0].ID
		subj := fmt.Sprintf("Re: [support #%d] Broken", id)
		r.mustSend("eve@example.net", []string{"support@example.org"}, mailText("eve@example.net", "support@example.org", subj, "s2@example.net", "", "I am not on it."))
		r.mustSend("alice@example.org", []string{"support@example.org"}, mailText("alice@example.org", "support@example.org", subj+" [resolve]", "s3@example.org", "", "Forged?"))
		h := r.history(id)
		if len(h) != 3 || h[1].Type != mailstore.TxNote || h[1].Message.Flags[0] != mailstore.FlagNonParticipant ||
			h[2].Type != mailstore.TxNote || h[2].Message.Flags[0] != mailstore.FlagUnverified {
			t.Fatalf("history = %+v", h)
		}
		if tk, _ := r.store.Ticket(ctx, id); tk.Status != mailstore.StatusNew {
			t.Fatalf("unverified [resolve] acted: status %s", tk.Status)
		}
		out, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
		for _, o := range out {
			if o.Rcpt == pat && o.Kind != mailstore.KindAutoReply {
				t.Fatalf("a note reached the requestor: %+v", o)
			}
		}
		// A caseworker's answer does not reveal the notes, not even by
		// their Message-IDs in References.
		if err := r.store.Reply(ctx, "alice", id, "We are on it."); err != nil {
			t.Fatal(err)
		}
		out, _ = r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: id, Status: "pending"})
		raw, _ := r.store.OutboxRaw(ctx, out[len(out)-1].ID)
		if !strings.Contains(string(raw), "We are on it.") || strings.Contains(string(raw), "s2@example.net") || strings.Contains(string(raw), "s3@example.org") {
			t.Fatalf("the answer to the requestor names a note:\n%s", raw)
		}
	})

	t.Run("mail to two queues makes one ticket", func(t *testing.T) {
		r := newRig(t, open)
		r.mustSend(pat, []string{"it-help@example.org", "support@example.org"}, mailText(pat, "it-help@example.org, support@example.org", "VPN", "q2@example.com", "", "Both?"))
		ts := r.tickets()
		if len(ts) != 1 || ts[0].Queue != "it-help" || len(ts[0].AlsoSentTo) != 1 || ts[0].AlsoSentTo[0] != "support" {
			t.Fatalf("tickets = %+v", ts)
		}
	})

	t.Run("comment address", func(t *testing.T) {
		r := newRig(t, open)
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "Broken", "c1@example.com", "", "Help."))
		id := r.tickets()[0].ID
		// The requestor cannot comment: it is kept as a note.
		r.mustSend(pat, []string{"support-comment@example.org"}, mailText(pat, "support-comment@example.org", fmt.Sprintf("[support #%d] psst", id), "c2@example.com", "", "Internal?"))
		h := r.history(id)
		if last := h[len(h)-1]; last.Type != mailstore.TxNote {
			t.Fatalf("requestor mail to the comment address became %s", last.Type)
		}
	})

	t.Run("ccs are recorded", func(t *testing.T) {
		r := newRig(t, open)
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "Broken", "cc1@example.com", "Cc: Boss <boss@example.com>, alice@example.org, it-help@example.org\r\n", "Help."))
		tk := r.tickets()[0]
		if len(tk.Ccs) != 1 || tk.Ccs[0] != "boss@example.com" {
			t.Fatalf("ccs = %v, want only boss (not staff, not queue addresses)", tk.Ccs)
		}
		// A reply adds no one: its From is not authenticated, and a
		// forged one would have the answers sent to whom it names.
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", fmt.Sprintf("Re: [support #%d] Broken", tk.ID), "cc2@example.com",
			"Cc: pat@example.com, boss@example.com, deputy@example.com\r\n", "Still."))
		tk = r.tickets()[0]
		if strings.Join(tk.Ccs, ",") != "boss@example.com" || strings.Join(tk.Requestors, ",") != pat {
			t.Fatalf("after the reply: requestors %v, ccs %v; want [%s] and boss", tk.Requestors, tk.Ccs, pat)
		}
		for _, x := range r.history(tk.ID) {
			if x.Type == mailstore.TxAddCc {
				t.Fatalf("add-cc transaction %s after a reply", x.New)
			}
		}
	})

	t.Run("no auto-reply to robots", func(t *testing.T) {
		r := newRig(t, open)
		cases := []struct{ from, mailFrom, extra string }{
			{"robot@example.com", "robot@example.com", "Auto-Submitted: auto-generated\r\n"},
			{"list@example.com", "list@example.com", "Precedence: bulk\r\n"},
			{"list@example.com", "list@example.com", "List-Id: <l.example.com>\r\n"},
			{"x@example.com", "", ""},
			{"MAILER-DAEMON@example.com", "mailer-daemon@example.com", ""},
			{"support@example.org", "support@example.org", ""},
		}
		for i, c := range cases {
			r.mustSend(c.mailFrom, []string{"support@example.org"}, mailText(c.from, "support@example.org", fmt.Sprintf("robot %d", i), fmt.Sprintf("robot%d@example.com", i), c.extra, "beep"))
		}
		if n := len(r.tickets()); n != len(cases) {
			t.Fatalf("%d tickets, want %d", n, len(cases))
		}
		out, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{})
		for _, o := range out {
			if o.Kind == mailstore.KindAutoReply {
				t.Fatalf("auto-reply sent to a robot: %+v", o)
			}
		}
	})

	t.Run("auto-replies are rate limited per sender", func(t *testing.T) {
		r := newRig(t, open)
		for i := 0; i < 7; i++ {
			r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", fmt.Sprintf("storm %d", i), fmt.Sprintf("storm%d@example.com", i), "", "again"))
		}
		out, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{})
		n := 0
		for _, o := range out {
			if o.Kind == mailstore.KindAutoReply {
				n++
			}
		}
		if n != 5 || len(r.tickets()) != 7 {
			t.Fatalf("%d auto-replies for %d tickets, want 5 for 7", n, len(r.tickets()))
		}
	})

	t.Run("mail from one of sak's own addresses is not answered", func(t *testing.T) {
		r := newRig(t, open)
		// The envelope's sender, the From header's, both, and neither is
		// a queue's address.
		r.mustSend("it-help@example.org", []string{"support@example.org"}, mailText(pat, "support@example.org", "envelope", "own1@example.com", "", "hi"))
		r.mustSend(pat, []string{"support@example.org"}, mailText("IT-Help@example.org", "support@example.org", "header", "own2@example.com", "", "hi"))
		r.mustSend("it-help@example.org", []string{"support@example.org"}, mailText("it-help@example.org", "support@example.org", "both", "own3@example.com", "", "hi"))
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "neither", "own4@example.com", "", "hi"))
		// A +detail is the same address (the MTA delivers it to sak).
		r.mustSend("it-help+bounces@example.org", []string{"support@example.org"}, mailText("IT-Help+Bounces@example.org", "support@example.org", "detail", "own5@example.com", "", "hi"))
		out, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{})
		var acks []string
		for _, o := range out {
			if o.Kind == mailstore.KindAutoReply {
				acks = append(acks, o.Rcpt)
			}
		}
		if len(r.tickets()) != 5 || len(acks) != 1 || acks[0] != pat {
			t.Fatalf("auto-replies to %v for %d tickets, want one to %s for 5", acks, len(r.tickets()), pat)
		}
		// Nor is sak's own address a requestor.
		for _, tk := range r.tickets() {
			for _, p := range tk.Requestors {
				if strings.HasPrefix(p, "it-help") {
					t.Errorf("ticket %d %q has requestor %s", tk.ID, tk.Subject, p)
				}
			}
		}
	})

	t.Run("LMTP answers per recipient", func(t *testing.T) {
		r := newRig(t, open)
		conn, err := net.Dial("tcp", r.lmtp)
		if err != nil {
			t.Fatal(err)
		}
		c := smtp.NewClientLMTP(conn)
		defer c.Close()
		if err := c.Hello("mta.example.org"); err != nil {
			t.Fatal(err)
		}
		if err := c.Mail(pat, nil); err != nil {
			t.Fatal(err)
		}
		for _, rcpt := range []string{"support@example.org", "it-help@example.org"} {
			if err := c.Rcpt(rcpt, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Rcpt("nobody@example.org", nil); smtpCode(err) != 550 {
			t.Fatalf("LMTP RCPT unknown = %v, want 550", err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, mailText(pat, "support@example.org", "lmtp", "l1@example.com", "", "via lmtp"))
		resp, err := w.CloseWithLMTPResponse()
		if err != nil || len(resp) != 2 || resp["support@example.org"] == nil || resp["it-help@example.org"] == nil {
			t.Fatalf("LMTP responses = %v, %v; want 250 for both queue recipients", resp, err)
		}
		if n := len(r.tickets()); n != 1 {
			t.Fatalf("%d tickets, want 1", n)
		}
	})

	t.Run("closed store answers 451", func(t *testing.T) {
		r := newRig(t, open)
		r.store.Close()
		err := r.send(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "x", "x1@example.com", "", "x"))
		if smtpCode(err) != 451 {
			t.Fatalf("send to closed store = %v, want 451", err)
		}
	})
}

func TestLockedStoreAnswers451(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		storetest.Desk(t, s)
		r := serve(t, s, Config{DataTimeout: 500 * 1e6})
		// A long writer holds the store.
		tx, err := s.DB().Begin()
		if err != nil {
			t.Fatal(err)
		}
		if s.Dialect() == "postgres" {
			if _, err := tx.Exec(`LOCK TABLE messages IN EXCLUSIVE MODE`); err != nil {
				t.Fatal(err)
			}
		} else if _, err := tx.Exec(`UPDATE users SET name = name WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		m := mailText("pat@example.com", "support@example.org", "locked", "lock1@example.com", "", "wait")
		if err := r.send("pat@example.com", []string{"support@example.org"}, m); smtpCode(err) != 451 {
			t.Fatalf("send while locked = %v, want 451", err)
		}
		tx.Rollback()
		// Retried as an MTA would: on a busy machine the first retry may
		// still miss the short delivery time limit, and answers 451 again.
		for attempt := 1; ; attempt++ {
			err := r.send("pat@example.com", []string{"support@example.org"}, m)
			if err == nil {
				break
			}
			if smtpCode(err) != 451 || attempt == 10 {
				t.Fatalf("retry %d after the lock: %v", attempt, err)
			}
		}
		if n := len(r.tickets()); n != 1 {
			t.Fatalf("%d tickets after the retry, want 1", n)
		}
	})
}

// TestRefusedRecipientNoCc: an address refused at RCPT as no queue of
// sak's is not a person's mailbox: the header naming it makes it no Cc,
// while a real address beside it is one.
func TestRefusedRecipientNoCc(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		c, err := smtp.Dial(r.smtp)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Hello("client.example.com"); err != nil {
			t.Fatal(err)
		}
		if err := c.Mail("kim@example.com", nil); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("support@example.org", nil); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("Nope@example.org", nil); smtpCode(err) != 550 {
			t.Fatalf("RCPT nope@ = %v, want 550", err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "From: kim@example.com\r\nTo: support@example.org, nope@example.org\r\nCc: lee@example.com\r\n"+
			"Subject: Two of us\r\nMessage-ID: <refused-cc@example.com>\r\n\r\nHi.\r\n")
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		ts := r.tickets()
		if len(ts) != 1 || !slices.Equal(ts[0].Ccs, []string{"lee@example.com"}) {
			t.Errorf("tickets %+v: want one with Cc lee@example.com only", ts)
		}
	})
}

// TestDisplayNames: a requestor's display name is kept and shown with
// their address; a name learned later names one who had none.
func TestDisplayNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		r.mustSend("soren@example.com", []string{"support@example.org"},
			"From: =?utf-8?q?S=C3=B8ren_=C3=86r=C3=B8?= <Soren@example.com>\r\nTo: support@example.org\r\nCc: lee@example.com\r\n"+
				"Subject: Navn\r\nMessage-ID: <names1@example.com>\r\n\r\nHei.\r\n")
		ts := r.tickets()
		if len(ts) != 1 || ts[0].Names["soren@example.com"] != "Søren Ærø" || ts[0].Person("soren@example.com") != "Søren Ærø <soren@example.com>" {
			t.Fatalf("tickets %+v: want Søren Ærø's name kept", ts)
		}
		if _, ok := ts[0].Names["lee@example.com"]; ok || ts[0].Person("lee@example.com") != "lee@example.com" {
			t.Errorf("lee has a name from nowhere: %q", ts[0].Names["lee@example.com"])
		}
		r.mustSend("lee@example.com", []string{"support@example.org"},
			"From: Lee Chan <lee@example.com>\r\nTo: support@example.org\r\nSubject: Re: [support #1] Navn\r\nMessage-ID: <names2@example.com>\r\n\r\nOg jeg.\r\n")
		if tk, _ := r.store.Ticket(context.Background(), ts[0].ID); tk.Names["lee@example.com"] != "Lee Chan" {
			t.Errorf("lee's name after their mail: %q", tk.Names["lee@example.com"])
		}
	})
}
