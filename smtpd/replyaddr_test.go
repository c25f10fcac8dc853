package smtpd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
	"sak/parse"
)

// replyToOf returns the Reply-To of the newest outbox mail to rcpt.
func replyToOf(t *testing.T, s *mailstore.Store, ticket int64, rcpt string) string {
	t.Helper()
	ctx := context.Background()
	out, err := s.Outbox(ctx, mailstore.OutboxFilter{Ticket: ticket})
	if err != nil {
		t.Fatal(err)
	}
	for i := len(out) - 1; i >= 0; i-- {
		if out[i].Rcpt == rcpt {
			raw, _ := s.OutboxRaw(ctx, out[i].ID)
			m := parse.Parse(raw)
			if len(m.ReplyTo) != 1 {
				t.Fatalf("mail to %s has Reply-To %v", rcpt, m.ReplyTo)
			}
			return m.ReplyTo[0].Addr
		}
	}
	t.Fatalf("no outbox mail to %s", rcpt)
	return ""
}

func TestSignedReplyAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		pat := "pat@example.com"
		r := newRig(t, open)
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "First", "sr1@example.com", "", "one"))
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "Second", "sr2@example.com", "", "two"))
		ts := r.tickets()
		first, second := ts[1].ID, ts[0].ID
		addr := replyToOf(t, r.store, first, pat)
		if !strings.HasPrefix(addr, fmt.Sprintf("support+t%d-", first)) || !strings.HasSuffix(addr, "@example.org") {
			t.Fatalf("Reply-To = %q, want support+t%d-TOKEN@example.org", addr, first)
		}
		local, _, _ := strings.Cut(addr, "@")
		token := local[strings.LastIndex(local, "-")+1:]
		other := []byte(token)
		other[0] = map[bool]byte{true: 'b', false: 'a'}[other[0] == 'a']
		cases := []struct {
			name, rcpt, from string
			want             int64 // the ticket it threads to; 0: a new ticket
		}{
			{"valid token", addr, pat, first},
			{"one character altered", strings.Replace(addr, token, string(other), 1), pat, 0},
			{"token of another ticket", strings.Replace(addr, fmt.Sprintf("+t%d-", first), fmt.Sprintf("+t%d-", second), 1), pat, 0},
			{"token of another recipient", addr, "eve@example.net", 0},
		}
		for i, c := range cases {
			before := len(r.tickets())
			d, err := r.d.Deliver(ctx, &Envelope{MailFrom: c.from, Routes: []mailstore.Route{mustRoute(t, r.d, c.rcpt)}},
				[]byte(mailText(c.from, c.rcpt, "no tag here", fmt.Sprintf("sr-case%d@example.com", i), "", "reply")))
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			switch {
			case c.want != 0 && (d.Ticket != c.want || d.Kind != mailstore.TxCorrespond):
				t.Errorf("%s: delivered to %d as %s, want correspondence on %d", c.name, d.Ticket, d.Kind, c.want)
			case c.want == 0 && (!d.Created || len(r.tickets()) != before+1):
				t.Errorf("%s: threaded to %d, want a new ticket", c.name, d.Ticket)
			}
		}
	})
}

func mustRoute(t *testing.T, d *Deliverer, rcpt string) mailstore.Route {
	t.Helper()
	r, err := d.Route(context.Background(), rcpt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestQuarantine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open)
		spam := []string{
			"X-Spam-Flag: YES\r\n",
			"X-Spam-Status: Yes, score=12.3 required=5.0\r\n",
			"X-Spam: Yes\r\n",
			"X-Spamd-Result: default: False [12.40 / 15.00]; R_SPF_FAIL(1.00)\r\n",
		}
		for i, h := range spam {
			r.mustSend("spammer@example.net", []string{"support@example.org"}, mailText("spammer@example.net", "support@example.org", "Cheap pills", fmt.Sprintf("spam%d@example.net", i), h, "buy"))
		}
		r.mustSend("ham@example.net", []string{"support@example.org"}, mailText("ham@example.net", "support@example.org", "Real", "ham@example.net", "X-Spamd-Result: default: False [2.10 / 15.00]\r\nX-Spam-Flag: NO\r\n", "help"))
		if n := len(r.tickets()); n != 1 {
			t.Fatalf("%d tickets, want only the ham one", n)
		}
		held, err := r.store.QuarantineList(ctx, "held", 0)
		if err != nil || len(held) != len(spam) {
			t.Fatalf("quarantine = %+v, %v", held, err)
		}
		out, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{})
		for _, o := range out {
			if o.Rcpt == "spammer@example.net" {
				t.Fatalf("spam got an auto-reply")
			}
		}
		// Release: as if it had just arrived, and recorded in the same
		// transaction; refused, nothing delivered, for a watcher of the
		// queue (its caseworkers and managers may).
		id := held[0].ID
		if _, err := r.d.ReleaseQuarantined(ctx, "walt", id); !errors.Is(err, mailstore.ErrPermission) {
			t.Fatalf("a watcher's release: err = %v, want ErrPermission", err)
		}
		if n := len(r.tickets()); n != 1 {
			t.Fatalf("%d tickets after a refused release, want 1", n)
		}
		d, err := r.d.ReleaseQuarantined(ctx, "root", id)
		if err != nil || !d.Created {
			t.Fatalf("release = %+v, %v", d, err)
		}
		q, _, err := r.store.QuarantineGet(ctx, id)
		if err != nil || q.Status != "released" || q.Ticket == nil || *q.Ticket != d.Ticket {
			t.Fatalf("after release: %+v, %v; want released onto ticket %d", q, err, d.Ticket)
		}
		if _, err := r.d.ReleaseQuarantined(ctx, "root", id); !errors.Is(err, mailstore.ErrConflict) {
			t.Fatalf("a second release: err = %v, want ErrConflict", err)
		}
		if err := r.store.QuarantineDrop(ctx, "root", id); !errors.Is(err, mailstore.ErrConflict) {
			t.Fatalf("dropping a released mail: err = %v, want ErrConflict", err)
		}
		if n := len(r.tickets()); n != 2 {
			t.Fatalf("%d tickets after release, want 2", n)
		}
	})
}

func TestPromoteNonParticipant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open)
		pat := "pat@example.com"
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "Broken", "pr1@example.com", "", "Help."))
		id := r.tickets()[0].ID
		r.mustSend("boss@example.com", []string{"support@example.org"}, mailText("boss@example.com", "support@example.org", fmt.Sprintf("Re: [support #%d] Broken", id), "pr2@example.com", "", "Please hurry."))
		h := r.history(id)
		note := h[len(h)-1]
		if note.Type != mailstore.TxNote {
			t.Fatalf("last = %s, want note", note.Type)
		}
		if err := r.store.Promote(ctx, "carol", id, note.ID); err == nil {
			t.Fatal("a caseworker of another queue promoted")
		}
		if err := r.store.Promote(ctx, "alice", id, h[0].ID); err == nil {
			t.Fatal("promoted a transaction that is no non-participant note")
		}
		if err := r.store.Promote(ctx, "alice", id, note.ID); err != nil {
			t.Fatal(err)
		}
		tk, _ := r.store.Ticket(ctx, id)
		if len(tk.Ccs) != 1 || tk.Ccs[0] != "boss@example.com" {
			t.Fatalf("ccs = %v", tk.Ccs)
		}
		// Now boss's mail is correspondence.
		r.mustSend("boss@example.com", []string{"support@example.org"}, mailText("boss@example.com", "support@example.org", fmt.Sprintf("Re: [support #%d] Broken", id), "pr3@example.com", "", "Thanks."))
		h = r.history(id)
		if last := h[len(h)-1]; last.Type != mailstore.TxCorrespond {
			t.Fatalf("after promotion boss's mail is %s", last.Type)
		}
	})
}
