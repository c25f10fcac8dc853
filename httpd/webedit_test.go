package httpd_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestTicketPageDueAndLinks: the ticket page shows the due time and the
// links, in both languages.
func TestTicketPageDueAndLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		e, other := newEnvTwo(t, open)
		ctx := context.Background()
		due := time.Date(2027, 1, 15, 12, 0, 0, 0, time.UTC)
		if err := e.s.EditTicket(ctx, "alice", e.ticket, mailstore.TicketChange{Due: &due}); err != nil {
			t.Fatal(err)
		}
		if err := e.s.LinkTicket(ctx, "bob", other, mailstore.LinkDependsOn, e.ticket); err != nil {
			t.Fatal(err)
		}
		alice := e.browser()
		alice.login("alice", "alice@example.org")
		page := fmt.Sprintf("/tickets/%d", e.ticket)
		link := fmt.Sprintf(`<a href="/tickets/%d">#%[1]d</a>`, other)
		alice.get(page)
		for _, want := range []string{"<dt>Frist</dt><dd>2027-01-15 12:00</dd>", link + " avhenger av denne"} {
			if !strings.Contains(alice.page, want) {
				t.Errorf("the Norwegian page lacks %q:\n%s", want, alice.page)
			}
		}
		// Release from the page.
		if err := e.s.Take(ctx, "alice", e.ticket); err != nil {
			t.Fatal(err)
		}
		alice.get(page)
		if !strings.Contains(alice.page, "Gi fra deg saken") {
			t.Errorf("the owner's page has no release button:\n%s", alice.page)
		}
		alice.post(page + "/untake")
		if tk, _ := e.s.Ticket(ctx, e.ticket); tk.Owner != nil {
			t.Errorf("after release from the page: owner %q", *tk.Owner)
		}
		alice.get("/lang/en?back=" + page)
		for _, want := range []string{"<dt>Due</dt><dd>2027-01-15 12:00</dd>", link + " depends on this"} {
			if !strings.Contains(alice.page, want) {
				t.Errorf("the English page lacks %q:\n%s", want, alice.page)
			}
		}
	})
}
