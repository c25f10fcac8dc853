package mailstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestGroupCommitBatch runs deliveries that fail, are refused, or repeat
// one another in the same batch as ones that succeed: each outcome must be
// what it would have been alone, and a failure must undo only its own work.
func TestGroupCommitBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s)
		ctx := context.Background()
		mail := func(id, from, subject string) *mailstore.Incoming { return batchMail(q, id, from, subject) }
		// A ticket owned by bob, for alice's refused [take].
		first, errs := s.DeliverBatch(ctx, []*mailstore.Incoming{mail("first@x", "pat@example.com", "Printer")})
		if errs[0] != nil {
			t.Fatal(errs[0])
		}
		owned := first[0].Ticket
		if err := s.Take(ctx, "bob", owned); err != nil {
			t.Fatal(err)
		}

		a := mail("a@x", "kim@example.com", "Wifi")
		take := mail("take@x", "alice@example.org", "Re: [support #"+fmt.Sprint(owned)+"] Printer")
		take.Tags = []mailstore.Tag{{Tag: "support", ID: owned}}
		take.Commands = []mailstore.Action{{Name: "take"}}
		take.Verified = true
		take.NewText = "Mine."
		broken := mail("broken@x", "lee@example.com", "Into no queue")
		broken.Routes = []mailstore.Route{{Queue: &mailstore.Queue{ID: 1 << 40, Name: "gone", Address: "gone@example.org", Tag: "gone"}}}
		b := mail("b@x", "sam@example.com", "Disk")
		againA := mail("a@x", "kim@example.com", "Wifi")
		ds, errs := s.DeliverBatch(ctx, []*mailstore.Incoming{a, take, broken, b, againA})

		if errs[0] != nil || !ds[0].Created {
			t.Fatalf("a: %+v, %v", ds[0], errs[0])
		}
		if errs[1] != nil || ds[1].Ticket != owned || ds[1].Refused == nil || !errors.Is(ds[1].Refused, mailstore.ErrConflict) {
			t.Fatalf("the refused [take]: %+v, %v; want kept on %d and refused with a conflict", ds[1], errs[1], owned)
		}
		if errs[2] == nil {
			t.Fatalf("the mail to a queue that does not exist was stored: %+v", ds[2])
		}
		if errs[3] != nil || !ds[3].Created || ds[3].Ticket == ds[0].Ticket {
			t.Fatalf("b: %+v, %v", ds[3], errs[3])
		}
		if errs[4] != nil || !ds[4].Duplicate || ds[4].Ticket != ds[0].Ticket {
			t.Fatalf("a again in the same batch: %+v, %v; want a duplicate of ticket %d", ds[4], errs[4], ds[0].Ticket)
		}
		tk, err := s.Ticket(ctx, owned)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Owner == nil || *tk.Owner != "bob" {
			t.Errorf("the refused [take] changed the owner: %v", tk.Owner)
		}
		for _, id := range []int64{ds[0].Ticket, ds[3].Ticket} {
			h, err := s.History(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(h) != 1 || h[0].Type != mailstore.TxCreate {
				t.Errorf("ticket %d history %+v, want its one create", id, h)
			}
		}
		list, err := s.ListTickets(ctx, mailstore.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 {
			t.Errorf("%d tickets after the batch, want 3 (first, a, b)", len(list))
		}
	})
}

// TestGroupCommitDeadline gives a batch a delivery whose deadline has
// passed: the batch must end by it, and so commit nothing, not even the
// deliveries that have time, since each of their callers is told to retry.
func TestGroupCommitDeadline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s)
		ctx := context.Background()
		gone, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
		defer cancel()
		_, errs := mailstore.DeliverBatchCtx([]context.Context{ctx, gone}, s, []*mailstore.Incoming{
			batchMail(q, "wifi@x", "kim@example.com", "Wifi"), batchMail(q, "late@x", "lee@example.com", "Disk"),
		})
		for i, err := range errs {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("delivery %d: %v, want the deadline's error", i, err)
			}
		}
		list, err := s.ListTickets(ctx, mailstore.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 0 {
			t.Errorf("%d tickets stored by a batch past its deadline, want none", len(list))
		}
	})
}

// batchMail is a new mail to q.
func batchMail(q *mailstore.Queue, id, from, subject string) *mailstore.Incoming {
	raw := fmt.Sprintf("From: %s\r\nMessage-ID: <%s>\r\nSubject: %s\r\n\r\nText of %s.\r\n", from, id, subject, id)
	return &mailstore.Incoming{
		Mail:   mailstore.Mail{Raw: []byte(raw), MessageID: id, From: from, Subject: subject, Text: "Text of " + id},
		Routes: []mailstore.Route{{Queue: q}},
	}
}

// TestDeliverBatchOrder delivers a mail and a reply to it in one batch:
// the batch keeps their order, so the reply threads to the ticket the
// first mail opened in the same transaction; and a mail without a queue
// fails alone.
func TestDeliverBatchOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s)
		ctx := context.Background()
		first := batchMail(q, "first@x", "pat@example.com", "Printer")
		reply := batchMail(q, "reply@x", "pat@example.com", "Re: Printer")
		reply.InReplyTo = []string{"first@x"}
		lost := batchMail(q, "lost@x", "kim@example.com", "Nowhere")
		lost.Routes = nil
		ds, errs := s.DeliverBatch(ctx, []*mailstore.Incoming{first, lost, reply})
		if errs[0] != nil || !ds[0].Created {
			t.Fatalf("first: %+v, %v", ds[0], errs[0])
		}
		if !errors.Is(errs[1], mailstore.ErrInvalid) || ds[1] != nil {
			t.Errorf("a mail without a queue: %+v, %v; want refused as invalid", ds[1], errs[1])
		}
		if errs[2] != nil || ds[2].Created || ds[2].Ticket != ds[0].Ticket {
			t.Errorf("reply: %+v, %v; want threaded to ticket %d", ds[2], errs[2], ds[0].Ticket)
		}
	})
}
