package mailstore_test

import (
	"context"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestTicketNumbersFollowDeliveries: a delivery takes its ids before it
// knows what it makes of the mail (firstLook, on PostgreSQL), yet ticket
// numbers count the tickets made: follow-ups by tag and by In-Reply-To,
// a copy of a stored mail and a new mail whose parent is unknown take
// none of them, and a ticket made by hand takes the next.
func TestTicketNumbersFollowDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s)
		ctx := context.Background()
		first := mustDeliver(t, s, incoming(q, "pat@example.com", "a1@example.com", "Printer", "It burns."))
		if !first.Created {
			t.Fatalf("first mail: %+v, want a new ticket", first)
		}
		n := first.Ticket
		want := func(d *mailstore.Delivery, created bool, ticket int64) {
			t.Helper()
			if d.Created != created || d.Ticket != ticket {
				t.Errorf("delivery %+v: created %v on ticket %d, want %v on %d", d, d.Created, d.Ticket, created, ticket)
			}
		}

		in := incoming(q, "pat@example.com", "a2@example.com", "Re: Printer", "Still burning.")
		in.InReplyTo = []string{"a1@example.com"}
		want(mustDeliver(t, s, in), false, n)
		in = incoming(q, "pat@example.com", "a3@example.com", "Re: Printer", "And smoking.")
		in.Tags = []mailstore.Tag{{Tag: q.Tag, ID: n}}
		want(mustDeliver(t, s, in), false, n)
		copyOf := mustDeliver(t, s, incoming(q, "pat@example.com", "a1@example.com", "Printer", "It burns."))
		if !copyOf.Duplicate || copyOf.Ticket != n {
			t.Errorf("the first mail again: %+v, want a copy on ticket %d", copyOf, n)
		}

		want(mustDeliver(t, s, incoming(q, "kim@example.com", "b1@example.com", "Scanner", "Jammed.")), true, n+1)
		in = incoming(q, "kim@example.com", "b2@example.com", "Re: Old thread", "Answering a mail sak never saw.")
		in.InReplyTo = []string{"elsewhere@example.net"}
		want(mustDeliver(t, s, in), true, n+2)
		want(mustDeliver(t, s, incoming(q, "new@example.com", "c1@example.com", "Fax", "Beeps.")), true, n+3)

		id, err := s.CreateTicket(ctx, "alice", mailstore.NewTicket{Queue: q.Name, Requestors: []string{"pat@example.com"}, Subject: "By phone"})
		if err != nil {
			t.Fatal(err)
		}
		if id != n+4 {
			t.Errorf("a ticket made by hand after ticket %d is %d, want %d", n+3, id, n+4)
		}
		// Each mail stored once, its transaction and message in order.
		var msgs, txns int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE ticket_id = $1`, n).Scan(&msgs); err != nil {
			t.Fatal(err)
		}
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM messages m JOIN transactions x ON x.id = m.txn_id AND x.ticket_id = m.ticket_id WHERE m.ticket_id = $1`, n).Scan(&txns); err != nil {
			t.Fatal(err)
		}
		if msgs != 3 || txns != 3 {
			t.Errorf("ticket %d holds %d mails, %d of them on its own transactions; want 3 and 3", n, msgs, txns)
		}
	})
}
