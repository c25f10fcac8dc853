package mailstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestAnonymiseUser: a requestor and a caseworker who leave are
// anonymised: no name or address of theirs is left on the user, mail not
// yet sent to them stays unsent, the caseworker can no longer act and
// holds no role, and the history names anonymised-ID. Only sysadmins may;
// a refusal changes nothing.
func TestAnonymiseUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		storetest.Desk(t, s)
		ctx := context.Background()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		id, err := s.CreateTicket(ctx, "bob", mailstore.NewTicket{Queue: "support", Requestors: []string{"Pat Doe <pat@example.com>"}, Subject: "Leaving"})
		must(err)
		must(s.Take(ctx, "bob", id))
		must(s.Reply(ctx, "bob", id, "We are on it."))
		pending := func(rcpt string) int {
			var n int
			must(s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE rcpt = $1 AND status = 'pending'`, rcpt).Scan(&n))
			return n
		}
		if pending("pat@example.com") == 0 {
			t.Fatal("no mail to pat pending")
		}

		if _, err := s.AnonymiseUser(ctx, "alice", "pat@example.com"); !errors.Is(err, mailstore.ErrPermission) {
			t.Errorf("alice anonymises pat: %v, want a refusal", err)
		}
		if pending("pat@example.com") == 0 {
			t.Error("the refused anonymisation stopped pat's mail")
		}

		pat, err := s.AnonymiseUser(ctx, "root", "pat@example.com")
		must(err)
		if want := fmt.Sprintf("anonymised-%d@%s", pat.ID, mailstore.AnonymisedDomain); pat.Email != want || pat.Name != "" || pat.Login != "" {
			t.Errorf("pat anonymised as %+v, want %s without a name or login", pat, want)
		}
		if n := pending("pat@example.com"); n != 0 {
			t.Errorf("%d mails still pending to pat", n)
		}
		tk, err := s.Ticket(ctx, id)
		must(err)
		if strings.Contains(fmt.Sprint(tk.Requestors, tk.Names), "pat") || strings.Contains(fmt.Sprint(tk.Names), "Pat") {
			t.Errorf("the ticket still names pat: %v %v", tk.Requestors, tk.Names)
		}

		bob, err := s.AnonymiseUser(ctx, "root", "bob")
		must(err)
		anon := fmt.Sprintf("anonymised-%d", bob.ID)
		if bob.Login != anon || !bob.Disabled || bob.Name != "" {
			t.Errorf("bob anonymised as %+v", bob)
		}
		if err := s.Untake(ctx, anon, id); err == nil {
			t.Error("the anonymised caseworker still acts")
		}
		if _, err := s.User(ctx, "bob"); !errors.Is(err, mailstore.ErrUnknownUser) {
			t.Errorf("user bob after anonymising: %v, want unknown", err)
		}
		var roles int
		must(s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM queue_roles WHERE user_id = $1`, bob.ID).Scan(&roles))
		if roles != 0 {
			t.Errorf("the anonymised caseworker holds %d roles", roles)
		}
		h, err := s.History(ctx, id)
		must(err)
		if got := h[0].Actor; got != anon {
			t.Errorf("the history's first actor is %q, want %q", got, anon)
		}

		if _, err := s.AnonymiseUser(ctx, "root", anon); !errors.Is(err, mailstore.ErrConflict) {
			t.Errorf("anonymise twice: %v, want a conflict", err)
		}
		if _, err := s.AnonymiseUser(ctx, "root", "root"); !errors.Is(err, mailstore.ErrConflict) {
			t.Errorf("anonymise the last sysadmin: %v, want a conflict", err)
		}
	})
}
