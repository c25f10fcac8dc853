package mailstore_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestPruneOutbox removes sent mail from the outbox: only sent rows, only
// those sent before the time, a shared body once no copy names it, and
// only for a sysadmin; replies to removed mail still thread.
func TestPruneOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s)
		ctx := context.Background()
		count := func(query string, args ...any) int {
			t.Helper()
			var n int
			if err := s.DB().QueryRow(query, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// A new ticket by mail: its auto-reply.
		d, err := s.Deliver(ctx, &mailstore.Incoming{
			Mail:   mailstore.Mail{Raw: []byte("Subject: Printer\r\n\r\nIt is broken.\r\n"), MessageID: "p1@example.com", From: "pat@example.com", Subject: "Printer"},
			Routes: []mailstore.Route{{Queue: q}},
		})
		if err != nil {
			t.Fatal(err)
		}
		// An answer with a file to three requestors: three copies, one body.
		three, err := s.CreateTicket(ctx, "root", mailstore.NewTicket{Queue: "support", Requestors: []string{"kim@example.com", "lee@example.com", "mo@example.com"}, Subject: "Tre"})
		if err != nil {
			t.Fatal(err)
		}
		pdf := bytes.Repeat([]byte("%PDF-1.7\n"), 1000)
		if err := s.Reply(ctx, "alice", three, "Se vedlegg.", mailstore.FileAttachment("skjema.pdf", pdf)); err != nil {
			t.Fatal(err)
		}
		copies, err := s.Outbox(ctx, mailstore.OutboxFilter{Ticket: three})
		if err != nil {
			t.Fatal(err)
		}
		var shared []mailstore.OutboxRow
		for _, o := range copies {
			if o.Kind == mailstore.KindCorrespond {
				shared = append(shared, o)
			}
		}
		if len(shared) != 3 || count(`SELECT COUNT(*) FROM outbox_bodies`) != 1 {
			t.Fatalf("%d copies of the answer, %d bodies: want 3 sharing 1", len(shared), count(`SELECT COUNT(*) FROM outbox_bodies`))
		}
		first, err := s.Outbox(ctx, mailstore.OutboxFilter{Ticket: d.Ticket})
		if err != nil {
			t.Fatal(err)
		}
		var ack []mailstore.OutboxRow
		for _, o := range first {
			if o.Kind == mailstore.KindAutoReply {
				ack = append(ack, o)
			}
		}
		if len(ack) != 1 {
			t.Fatalf("%d auto-replies, want 1", len(ack))
		}
		for _, id := range []int64{ack[0].ID, shared[0].ID, shared[1].ID} {
			if err := s.MarkSent(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		all := count(`SELECT COUNT(*) FROM outbox`)

		if _, err := s.PruneOutbox(ctx, "alice", time.Now().Add(time.Hour)); !errors.Is(err, mailstore.ErrPermission) {
			t.Fatalf("a caseworker pruned the outbox: %v", err)
		}
		if n, err := s.PruneOutbox(ctx, "root", time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("pruning mail sent before an hour ago removed %d (%v), want 0", n, err)
		}
		if n := count(`SELECT COUNT(*) FROM outbox`); n != all {
			t.Fatalf("%d rows left of %d after refused and empty prunes", n, all)
		}
		n, err := s.PruneOutbox(ctx, "root", time.Now().Add(time.Hour))
		if err != nil || n != 3 {
			t.Fatalf("prune removed %d (%v), want the 3 sent rows", n, err)
		}
		if left := count(`SELECT COUNT(*) FROM outbox WHERE status = 'sent'`); left != 0 || count(`SELECT COUNT(*) FROM outbox`) != all-3 {
			t.Fatalf("%d sent rows left, %d rows in all", left, count(`SELECT COUNT(*) FROM outbox`))
		}
		// The unsent copy keeps the body it shares, and reads whole.
		raw, err := s.OutboxRaw(ctx, shared[2].ID)
		if err != nil || !bytes.Contains(raw, []byte("skjema.pdf")) || count(`SELECT COUNT(*) FROM outbox_bodies`) != 1 {
			t.Fatalf("the unsent copy after the prune: %d bytes (%v), %d bodies", len(raw), err, count(`SELECT COUNT(*) FROM outbox_bodies`))
		}
		if err := s.MarkSent(ctx, shared[2].ID); err != nil {
			t.Fatal(err)
		}
		// The newest row stays, whatever it is: an outbox number never
		// comes back (SQLite numbers one past the highest).
		if n, err := s.PruneOutbox(ctx, "root", time.Now().Add(time.Hour)); err != nil || n != 0 {
			t.Fatalf("pruning with the newest row sent: removed %d (%v), want 0", n, err)
		}
		if _, err := s.Deliver(ctx, &mailstore.Incoming{
			Mail:   mailstore.Mail{Raw: []byte("Subject: Scanner\r\n\r\nAlso broken.\r\n"), MessageID: "p3@example.com", From: "kari@example.com", Subject: "Scanner"},
			Routes: []mailstore.Route{{Queue: q}},
		}); err != nil {
			t.Fatal(err)
		}
		newest := count(`SELECT MAX(id) FROM outbox`)
		if n, err := s.PruneOutbox(ctx, "root", time.Now().Add(time.Hour)); err != nil || n != 1 || count(`SELECT COUNT(*) FROM outbox_bodies`) != 0 {
			t.Fatalf("last copy: removed %d (%v), %d bodies left", n, err, count(`SELECT COUNT(*) FROM outbox_bodies`))
		}
		if err := s.MarkSent(ctx, int64(newest)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PruneOutbox(ctx, "root", time.Now().Add(time.Hour)); err != nil || count(`SELECT MAX(id) FROM outbox`) != newest {
			t.Fatalf("the newest row %d did not stay: %v", newest, err)
		}
		// A reply to the removed auto-reply still finds its ticket.
		r, err := s.Deliver(ctx, &mailstore.Incoming{
			Mail:      mailstore.Mail{Raw: []byte("Subject: Re: Received\r\n\r\nThanks.\r\n"), MessageID: "p2@example.com", From: "pat@example.com", Subject: "Re: Received"},
			Routes:    []mailstore.Route{{Queue: q}},
			InReplyTo: []string{ack[0].MessageID},
		})
		if err != nil || r.Ticket != d.Ticket || r.Created {
			t.Fatalf("reply to the pruned auto-reply: %+v, %v; want ticket %d", r, err, d.Ticket)
		}
	})
}
