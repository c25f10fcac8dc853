package smtpd

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestCommandMailAnswers: a verified caseworker's command mail that does
// not do all it asks is answered by mail: a subject tag that is no command,
// a ticket number the queue does not have, a ticket of a queue the sender
// does not work.
func TestCommandMailAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		setup := func(t *testing.T) (*rig, int64) {
			s := open(t)
			storetest.Desk(t, s)
			r := serve(t, s, Config{})
			r.d.Verifier = &Auth{Off: true} // every caseworker verified
			id, err := s.CreateTicket(ctx, "root", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com"}, Subject: "Printer"})
			if err != nil {
				t.Fatal(err)
			}
			return r, id
		}
		// mailsTo are the raw mails of kind queued to rcpt, about any
		// ticket or none.
		mailsTo := func(r *rig, rcpt, kind string) []string {
			t.Helper()
			out, err := r.store.Outbox(ctx, mailstore.OutboxFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var mails []string
			for _, o := range out {
				if o.Rcpt == rcpt && o.Kind == kind {
					raw, err := r.store.OutboxRaw(ctx, o.ID)
					if err != nil {
						t.Fatal(err)
					}
					mails = append(mails, string(raw))
				}
			}
			return mails
		}
		tickets := func(r *rig) int {
			t.Helper()
			ts, err := r.store.ListTickets(ctx, mailstore.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			return len(ts)
		}

		t.Run("a mistyped command is named; the known ones run", func(t *testing.T) {
			r, id := setup(t)
			r.mustSend("alice@example.org", []string{"support@example.org"},
				caseworkerMail("alice@example.org", fmt.Sprintf("Re: [support #%d] Printer [take] [reslove]", id), "New toner is on its way."))
			tk, _ := r.store.Ticket(ctx, id)
			if tk.OwnerLogin() != "alice" || tk.Status == mailstore.StatusResolved {
				t.Fatalf("ticket = owner %q, status %s; want alice's, not resolved", tk.OwnerLogin(), tk.Status)
			}
			if n := len(mailsTo(r, "pat@example.com", mailstore.KindCorrespond)); n != 1 {
				t.Fatalf("%d mails relayed to the requestor, want 1", n)
			}
			got := mailsTo(r, "alice@example.org", mailstore.KindError)
			if len(got) != 1 {
				t.Fatalf("%d notices to alice, want 1", len(got))
			}
			for _, want := range []string{"Subject: [support #", "Unknown command", "[reslove]", "carried out: [take].", "[resolve] [reject]", "[give LOGIN]"} {
				if !strings.Contains(got[0], want) {
					t.Errorf("notice lacks %q:\n%s", want, got[0])
				}
			}
		})

		t.Run("in the queue's language", func(t *testing.T) {
			r, id := setup(t)
			nb := mailstore.LangNB
			if _, err := r.store.SetQueue(ctx, "root", "support", mailstore.QueueChange{Lang: &nb}); err != nil {
				t.Fatal(err)
			}
			r.mustSend("alice@example.org", []string{"support@example.org"},
				caseworkerMail("alice@example.org", fmt.Sprintf("Re: [support #%d] Printer [take] [tkae]", id), ""))
			r.mustSend("alice@example.org", []string{"support@example.org"},
				caseworkerMail("alice@example.org", "Re: [support #999] Printer [take]", "Jeg tar den."))
			got := mailsTo(r, "alice@example.org", mailstore.KindError)
			if len(got) != 2 || !strings.Contains(got[0], "Ukjent kommando") || !strings.Contains(got[1], "Ingen sak 999 i support") {
				t.Fatalf("notices to alice: %q", got)
			}
		})

		t.Run("markers and tags are not commands mistyped", func(t *testing.T) {
			r, id := setup(t)
			r.mustSend("alice@example.org", []string{"support@example.org"},
				caseworkerMail("alice@example.org", fmt.Sprintf("[EXTERNAL] Re: [support #%d] [Ekstern] Printer [take]", id), "On it."))
			// A lower-case word in brackets beside no command is text.
			r.mustSend("alice@example.org", []string{"support@example.org"},
				caseworkerMail("alice@example.org", fmt.Sprintf("Re: [support #%d] Printer [reslove]", id), "Still on it."))
			if got := mailsTo(r, "alice@example.org", mailstore.KindError); len(got) != 0 {
				t.Fatalf("notices to alice: %q", got)
			}
			if tk, _ := r.store.Ticket(ctx, id); tk.OwnerLogin() != "alice" {
				t.Fatalf("[take] beside markers did not run: owner %q", tk.OwnerLogin())
			}
		})

		t.Run("an unknown number of the caseworker's queue is refused and held", func(t *testing.T) {
			r, _ := setup(t)
			before := tickets(r)
			r.mustSend("alice@example.org", []string{"support@example.org"},
				caseworkerMail("alice@example.org", "Re: [support #999] Printer [take]", "On it."))
			if n := tickets(r); n != before {
				t.Fatalf("%d tickets after the mail, want %d: it made one", n, before)
			}
			if n := len(mailsTo(r, "alice@example.org", mailstore.KindAutoReply)); n != 0 {
				t.Fatalf("%d auto-replies to the caseworker", n)
			}
			got := mailsTo(r, "alice@example.org", mailstore.KindError)
			if len(got) != 1 || !strings.Contains(got[0], "Subject: No ticket 999 in support") || !strings.Contains(got[0], "sak quarantine release") {
				t.Fatalf("refusals to alice: %q", got)
			}
			if strings.Contains(got[0], "X-Sak-Ticket") {
				t.Errorf("the refusal names a ticket:\n%s", got[0])
			}
			held, err := r.store.QuarantineList(ctx, "held", 0)
			if err != nil || len(held) != 1 || !strings.Contains(held[0].Reason, "no ticket 999 in support") || held[0].From != "alice@example.org" {
				t.Fatalf("quarantine = %+v, %v; want alice's mail held for ticket 999", held, err)
			}
			// A sysadmin's release makes the ticket after all.
			d, err := r.d.ReleaseQuarantined(ctx, "root", held[0].ID)
			if err != nil || !d.Created {
				t.Fatalf("release = %+v, %v; want a new ticket", d, err)
			}
		})

		t.Run("a requestor's unknown number still makes a ticket", func(t *testing.T) {
			r, _ := setup(t)
			before := tickets(r)
			r.mustSend("pat@example.com", []string{"support@example.org"},
				caseworkerMail("pat@example.com", "Re: [support #999] Printer [take]", "Hello?"))
			if n := tickets(r); n != before+1 {
				t.Fatalf("%d tickets, want %d", n, before+1)
			}
			if n := len(mailsTo(r, "pat@example.com", mailstore.KindAutoReply)); n != 1 {
				t.Fatalf("%d auto-replies to the requestor, want 1", n)
			}
			if held, _ := r.store.QuarantineList(ctx, "", 0); len(held) != 0 {
				t.Fatalf("a requestor's mail was held: %+v", held)
			}
			// So does a caseworker's whose queue the tag is not.
			r.mustSend("carol@example.org", []string{"support@example.org"},
				caseworkerMail("carol@example.org", "Re: [support #999] Printer", "Hello?"))
			if n := tickets(r); n != before+2 {
				t.Fatalf("%d tickets after carol's mail, want %d", n, before+2)
			}
		})

		t.Run("a caseworker of another queue hears of the refusal, once an hour", func(t *testing.T) {
			r, id := setup(t)
			subject := fmt.Sprintf("Re: [support #%d] Printer [take]", id)
			r.mustSend("carol@example.org", []string{"support@example.org"}, caseworkerMail("carol@example.org", subject, "Mine."))
			if tk, _ := r.store.Ticket(ctx, id); tk.Owner != nil {
				t.Fatalf("carol's [take] ran: owner %q", tk.OwnerLogin())
			}
			h, _ := r.store.History(ctx, id)
			if last := h[len(h)-1]; last.Type != mailstore.TxNote || last.Message == nil || !strings.Contains(last.Message.Text, "Mine.") {
				t.Fatalf("carol's mail was not kept as a note: %+v", last)
			}
			got := mailsTo(r, "carol@example.org", mailstore.KindError)
			if len(got) != 1 || !strings.Contains(got[0], fmt.Sprintf("Subject: No ticket %d in support", id)) || !strings.Contains(got[0], "[take]") {
				t.Fatalf("refusals to carol: %q", got)
			}
			// She may not read the ticket: the refusal tells nothing of it.
			for _, secret := range []string{"X-Sak-Ticket", "status", "owner"} {
				if strings.Contains(got[0], secret) {
					t.Errorf("the refusal to carol says %q:\n%s", secret, got[0])
				}
			}
			r.mustSend("carol@example.org", []string{"support@example.org"}, caseworkerMail("carol@example.org", subject+" [resolve]", "Mine!"))
			if got := mailsTo(r, "carol@example.org", mailstore.KindError); len(got) != 1 {
				t.Fatalf("%d refusals to carol within the hour, want 1", len(got))
			}
			if tk, _ := r.store.Ticket(ctx, id); tk.Status != mailstore.StatusNew {
				t.Fatalf("carol's [resolve] ran: %s", tk.Status)
			}
		})

		t.Run("a watcher who may read the ticket hears why", func(t *testing.T) {
			r, id := setup(t)
			r.mustSend("walt@example.org", []string{"support@example.org"},
				caseworkerMail("walt@example.org", fmt.Sprintf("Re: [support #%d] Printer [take]", id), "Mine."))
			got := mailsTo(r, "walt@example.org", mailstore.KindError)
			if len(got) != 1 || !strings.Contains(got[0], "Command refused") || !strings.Contains(got[0], "not a caseworker of queue support") {
				t.Fatalf("refusals to walt: %q", got)
			}
		})

		t.Run("an unverified caseworker of another queue gets no refusal", func(t *testing.T) {
			r, id := setup(t)
			r.d.Verifier = &Auth{LookupTXT: newSigner().lookup} // nothing verifies
			r.mustSend("carol@example.org", []string{"support@example.org"},
				caseworkerMail("carol@example.org", fmt.Sprintf("Re: [support #%d] Printer [take]", id), "Mine."))
			// Only the notice of unverified mail, as before.
			got := mailsTo(r, "carol@example.org", mailstore.KindError)
			if len(got) != 1 || !strings.Contains(got[0], "Kept as a note") {
				t.Fatalf("mails to unverified carol: %q", got)
			}
			// Unverified, a caseworker's unknown number makes a ticket
			// flagged unverified, as before: nothing is held, no one told.
			before := tickets(r)
			r.mustSend("alice@example.org", []string{"support@example.org"},
				caseworkerMail("alice@example.org", "Re: [support #999] Printer [take]", "On it."))
			if n := tickets(r); n != before+1 {
				t.Fatalf("%d tickets, want %d", n, before+1)
			}
			if held, _ := r.store.QuarantineList(ctx, "", 0); len(held) != 0 {
				t.Fatalf("unverified mail was held: %+v", held)
			}
		})
	})
}
