package mailstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestMarkSentMany marks rows sent in one call among many ids: every row
// named is sent, no other.
func TestMarkSentMany(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s)
		ctx := context.Background()
		for i := range 3 {
			if _, err := s.Deliver(ctx, &mailstore.Incoming{
				Mail:   mailstore.Mail{Raw: []byte("Subject: x\r\n\r\nx\r\n"), MessageID: fmt.Sprintf("m%d@example.com", i), From: fmt.Sprintf("p%d@example.com", i), Subject: "x"},
				Routes: []mailstore.Route{{Queue: q}},
			}); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := s.Outbox(ctx, mailstore.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 4 {
			t.Fatalf("%d outbox rows, want an auto-reply and a notice for each mail", len(rows))
		}
		// The first three rows among 1,201 ids, at the start, the middle
		// and the end; the others name no row.
		ids := make([]int64, 1201)
		for i := range ids {
			ids[i] = int64(1_000_000 + i)
		}
		ids[0], ids[600], ids[1200] = rows[0].ID, rows[1].ID, rows[2].ID
		if err := s.MarkSent(ctx, ids...); err != nil {
			t.Fatal(err)
		}
		after, err := s.Outbox(ctx, mailstore.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range after {
			want := "pending"
			if r.ID == rows[0].ID || r.ID == rows[1].ID || r.ID == rows[2].ID {
				want = "sent"
			}
			if r.Status != want || (want == "sent") != (r.Sent != nil) {
				t.Errorf("row %d (%d): status %s, sent %v; want %s", i, r.ID, r.Status, r.Sent, want)
			}
		}
	})
}

// TestOutboxNotify: a commit that queued mail calls the notify function
// once; one that queued nothing does not.
func TestOutboxNotify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s)
		var calls atomic.Int32
		mailstore.WithOutboxNotify(func() { calls.Add(1) })(s)
		in := &mailstore.Incoming{
			Mail:   mailstore.Mail{Raw: []byte("Subject: x\r\n\r\nx\r\n"), MessageID: "notify@example.com", From: "p@example.com", Subject: "x"},
			Routes: []mailstore.Route{{Queue: q}},
		}
		if _, err := s.Deliver(t.Context(), in); err != nil {
			t.Fatal(err)
		}
		if n := calls.Load(); n != 1 {
			t.Fatalf("after a new ticket's auto-reply: %d calls, want 1", n)
		}
		d, err := s.Deliver(t.Context(), in)
		if err != nil || !d.Duplicate {
			t.Fatalf("Deliver again = %+v, %v; want a duplicate", d, err)
		}
		if n := calls.Load(); n != 1 {
			t.Errorf("after a duplicate that queued nothing: %d calls, want 1", n)
		}
	})
}
