package smtpd

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// A Message-ID names a mail, but senders reuse them: a web form that
// sends every request with one fixed id must not bury requests as notes
// on the first one's ticket, while the same mail delivered again stays one.
func TestReusedMessageID(t *testing.T) {
	storetest.Each(t, testReusedMessageID)
}

func testReusedMessageID(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	autoReplies := func(r *rig, id int64) int {
		t.Helper()
		out, err := r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, o := range out {
			if o.Kind == mailstore.KindAutoReply {
				n++
			}
		}
		return n
	}
	reusedOn := func(r *rig, id int64) []mailstore.Transaction {
		t.Helper()
		var got []mailstore.Transaction
		for _, x := range r.history(id) {
			if x.Type == mailstore.TxMsgidReused {
				got = append(got, x)
			}
		}
		return got
	}

	t.Run("a web form's fixed Message-ID makes a ticket per request", func(t *testing.T) {
		r := newRig(t, open)
		for i := range 5 {
			from := fmt.Sprintf("applicant%d@example.net", i)
			r.mustSend("www@example.org", []string{"support@example.org"},
				mailText(from, "support@example.org", fmt.Sprintf("Question %d", i), "form@www.example.org", "", fmt.Sprintf("Request number %d.", i)))
		}
		ts := r.tickets()
		if len(ts) != 5 {
			t.Fatalf("5 requests with one Message-ID made %d tickets, want 5", len(ts))
		}
		first := ts[len(ts)-1].ID
		for _, tk := range ts {
			if n := autoReplies(r, tk.ID); n != 1 {
				t.Errorf("ticket %d (%s) has %d acknowledgements, want 1", tk.ID, tk.Subject, n)
			}
			if len(tk.Requestors) != 1 || !strings.HasPrefix(tk.Requestors[0], "applicant") {
				t.Errorf("ticket %d requestors = %v", tk.ID, tk.Requestors)
			}
			notes := reusedOn(r, tk.ID)
			switch {
			case tk.ID == first && len(notes) != 0:
				t.Errorf("the first ticket %d records a reuse: %+v", tk.ID, notes)
			case tk.ID != first && (len(notes) != 1 || notes[0].New != fmt.Sprint(first) || notes[0].Note != "form@www.example.org"):
				t.Errorf("ticket %d reuse notes = %+v, want one naming ticket %d", tk.ID, notes, first)
			}
		}
		// A reply naming the shared id goes to the first ticket, as the
		// notes say.
		r.mustSend("applicant3@example.net", []string{"support@example.org"},
			mailText("applicant0@example.net", "support@example.org", "Re: Question", "re1@example.net", "In-Reply-To: <form@www.example.org>\r\n", "More."))
		if ts := r.tickets(); len(ts) != 5 {
			t.Fatalf("the reply made a ticket: %d tickets", len(ts))
		}
		if h := r.history(first); h[len(h)-1].Type != mailstore.TxCorrespond {
			t.Fatalf("the reply is not on the first ticket %d: %+v", first, h[len(h)-1])
		}
	})

	t.Run("an MTA's retry is stored once", func(t *testing.T) {
		r := newRig(t, open)
		m := mailText("pat@example.com", "support@example.org", "Printer", "retry@example.com", "", "It jams.")
		r.mustSend("pat@example.com", []string{"support@example.org"}, m)
		r.mustSend("pat@example.com", []string{"support@example.org"}, m)
		ts := r.tickets()
		if len(ts) != 1 || len(r.history(ts[0].ID)) != 1 || autoReplies(r, ts[0].ID) != 1 {
			t.Fatalf("a retry made %d tickets, history %+v", len(ts), r.history(ts[0].ID))
		}
	})

	t.Run("one mail through two paths is one ticket", func(t *testing.T) {
		r := newRig(t, open)
		m := mailText("pat@example.com", "support@example.org, it-help@example.org", "Both of you", "two@example.com", "", "Who answers?")
		trace := func(by, rcpt string) string {
			return "Return-Path: <pat@example.com>\r\nDelivered-To: " + rcpt + "\r\nReceived: from mx.example.com by " + by +
				"; Fri, 27 Nov 2026 10:00:01 +0100\r\nAuthentication-Results: " + by + "; spf=pass\r\n"
		}
		r.mustSend("pat@example.com", []string{"support@example.org"}, trace("mx1.example.org", "support@example.org")+m)
		// The other copy, as a pipe transport hands it over: other trace
		// fields, LF line ends.
		env := &Envelope{MailFrom: "pat@example.com"}
		rt, err := r.d.Route(ctx, "it-help@example.org")
		if err != nil {
			t.Fatal(err)
		}
		env.Routes = []mailstore.Route{rt}
		lf := strings.ReplaceAll(trace("mx2.example.org", "it-help@example.org")+m, "\r\n", "\n")
		res, err := r.d.Deliver(ctx, env, []byte(lf))
		if err != nil {
			t.Fatal(err)
		}
		ts := r.tickets()
		if !res.Duplicate || len(ts) != 1 {
			t.Fatalf("the second copy: %+v, %d tickets; want a duplicate of one ticket", res, len(ts))
		}
		h := r.history(ts[0].ID)
		if len(h) != 2 || h[1].Type != mailstore.TxAlsoSentTo || h[1].New != "it-help" {
			t.Fatalf("history = %+v, want create and also-sent-to it-help", h)
		}
		// A third copy through it-help again records nothing more.
		if res, err := r.d.Deliver(ctx, env, []byte(lf)); err != nil || !res.Duplicate {
			t.Fatalf("third copy: %+v, %v", res, err)
		}
		if h := r.history(ts[0].ID); len(h) != 2 {
			t.Fatalf("a third copy added history: %+v", h)
		}
	})

	t.Run("a known Message-ID on a reply by tag is noted where it lands", func(t *testing.T) {
		r := newRig(t, open)
		r.mustSend("pat@example.com", []string{"support@example.org"}, mailText("pat@example.com", "support@example.org", "First", "same@example.com", "", "One."))
		r.mustSend("sam@example.com", []string{"support@example.org"}, mailText("sam@example.com", "support@example.org", "Second", "sam1@example.com", "", "Two."))
		ts := r.tickets()
		first, second := ts[1].ID, ts[0].ID
		r.mustSend("sam@example.com", []string{"support@example.org"},
			mailText("sam@example.com", "support@example.org", fmt.Sprintf("Re: [support #%d] Second", second), "same@example.com", "", "Three."))
		if n := len(r.tickets()); n != 2 {
			t.Fatalf("%d tickets, want 2", n)
		}
		h := r.history(second)
		if len(h) != 3 || h[1].Type != mailstore.TxCorrespond || h[2].Type != mailstore.TxMsgidReused || h[2].New != fmt.Sprint(first) {
			t.Fatalf("history of %d = %+v, want the reply and a reuse note naming %d", second, h, first)
		}
	})

	t.Run("rows stored before fingerprints are compared by content", func(t *testing.T) {
		r := newRig(t, open)
		m := mailText("pat@example.com", "support@example.org", "Old", "old@example.com", "", "Stored long ago.")
		r.mustSend("pat@example.com", []string{"support@example.org"}, "Received: by a\r\n"+m)
		if _, err := r.store.DB().ExecContext(ctx, `UPDATE messages SET fingerprint = ''`); err != nil {
			t.Fatal(err)
		}
		r.mustSend("pat@example.com", []string{"support@example.org"}, "Received: by b\r\n"+m)
		r.mustSend("pat@example.com", []string{"support@example.org"},
			mailText("pat@example.com", "support@example.org", "Old", "old@example.com", "", "Other text."))
		ts := r.tickets()
		if len(ts) != 2 || len(r.history(ts[1].ID)) != 1 {
			t.Fatalf("%d tickets (want 2: the copy stored once, the other text new); history %+v", len(ts), r.history(ts[len(ts)-1].ID))
		}
	})
}

// One mail's two queue copies, delivered by the MTA in two SMTP
// transactions with their own trace fields, make one ticket that records
// the other queue, as one transaction to both does.
func TestCopiesInTwoTransactions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		m := mailText("pat@example.com", "support@example.org, it-help@example.org", "Both of you", "two-tx@example.com", "", "Who answers?")
		for i, rcpt := range []string{"it-help@example.org", "support@example.org"} {
			trace := fmt.Sprintf("Delivered-To: %s\r\nReceived: from mx.example.com by mx%d.example.org; Fri, 27 Nov 2026 10:00:0%d +0100\r\n", rcpt, i, i)
			r.mustSend("pat@example.com", []string{rcpt}, trace+m)
		}
		ts := r.tickets()
		if len(ts) != 1 || ts[0].Queue != "it-help" || len(ts[0].AlsoSentTo) != 1 || ts[0].AlsoSentTo[0] != "support" {
			t.Fatalf("tickets = %+v, want one in it-help, also sent to support", ts)
		}
		h := r.history(ts[0].ID)
		if len(h) != 2 || h[1].Type != mailstore.TxAlsoSentTo || h[1].New != "support" {
			t.Fatalf("history = %+v, want create and also-sent-to support", h)
		}
	})
}
