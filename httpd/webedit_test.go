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

// TestTicketPageEditAndLink: the ticket page's forms change the subject,
// priority and due time (only what the form changed) and add a link; a
// form with nothing changed records nothing.
func TestTicketPageEditAndLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		e, other := newEnvTwo(t, open)
		ctx := context.Background()
		alice := e.browser()
		alice.login("alice", "alice@example.org")
		page := fmt.Sprintf("/tickets/%d", e.ticket)
		alice.get(page)
		tk, err := e.s.Ticket(ctx, e.ticket)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`action="` + page + `/edit"`, `value="` + tk.Subject + `"`, `action="` + page + `/link"`, `<option value="DependsOn">avhenger av</option>`} {
			if !strings.Contains(alice.page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		h0, _ := e.s.History(ctx, e.ticket)
		alice.post(page+"/edit", "subject", tk.Subject, "priority", "0", "due", "")
		if h, _ := e.s.History(ctx, e.ticket); len(h) != len(h0) {
			t.Errorf("an unchanged form recorded %d transactions", len(h)-len(h0))
		}
		alice.post(page+"/edit", "subject", "New subject", "priority", "42", "due", "2027-03-01T16:00")
		tk, _ = e.s.Ticket(ctx, e.ticket)
		want := time.Date(2027, 3, 1, 16, 0, 0, 0, time.Local)
		if tk.Subject != "New subject" || tk.Priority != 42 || tk.Due == nil || !tk.Due.Equal(want) {
			t.Errorf("after the edit form: subject %q, priority %d, due %v", tk.Subject, tk.Priority, tk.Due)
		}
		alice.get(page)
		if !strings.Contains(alice.page, `value="2027-03-01T16:00"`) {
			t.Errorf("the form does not show the due time")
		}
		alice.post(page+"/edit", "subject", "New subject", "priority", "42", "due", "")
		if tk, _ = e.s.Ticket(ctx, e.ticket); tk.Due != nil || tk.Subject != "New subject" {
			t.Errorf("an emptied due field: due %v, subject %q", tk.Due, tk.Subject)
		}
		alice.post(page+"/link", "type", mailstore.LinkRefersTo, "other", fmt.Sprintf("#%d", other))
		if tk, _ = e.s.Ticket(ctx, e.ticket); len(tk.Links) != 1 || tk.Links[0].Ticket != other || tk.Links[0].Type != mailstore.LinkRefersTo {
			t.Errorf("links after the link form: %+v", tk.Links)
		}
	})
}
