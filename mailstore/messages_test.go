package mailstore_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestLargeMailInPieces stores mails around and well above the 1 MiB piece
// size and reads each back byte for byte.
func TestLargeMailInPieces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s)
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(1, 2))
		for _, size := range []int{1 << 20, 1<<20 + 1, 5<<20 + 12345} {
			head := fmt.Sprintf("From: pat@example.com\r\nMessage-ID: <big%d@x>\r\nSubject: %d bytes\r\n\r\n", size, size)
			raw := make([]byte, size)
			for i := range raw {
				raw[i] = 'A' + byte(rng.IntN(26))
			}
			copy(raw, head)
			in := &mailstore.Incoming{
				Mail:   mailstore.Mail{Raw: raw, MessageID: fmt.Sprintf("big%d@x", size), From: "pat@example.com", Subject: "big"},
				Routes: []mailstore.Route{{Queue: q}},
			}
			d, err := s.Deliver(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			h, err := s.History(ctx, d.Ticket)
			if err != nil {
				t.Fatal(err)
			}
			m := h[0].Message
			if m == nil || m.Size != int64(size) {
				t.Fatalf("%d bytes: stored message %+v", size, m)
			}
			got, err := s.RawMessage(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, raw) {
				t.Fatalf("%d bytes stored, %d read back, equal %v", size, len(got), bytes.Equal(got, raw))
			}
			var pieces int
			if err := s.DB().QueryRow(`SELECT COUNT(*) FROM message_chunks WHERE message_id = $1`, m.ID).Scan(&pieces); err != nil {
				t.Fatal(err)
			}
			if want := (size - 1) / (1 << 20); pieces != want {
				t.Errorf("%d bytes in %d pieces besides the first, want %d", size, pieces, want)
			}
		}
	})
}

// TestLargeQuarantinedInPieces holds mails around and above the piece size
// in the quarantine and reads each back byte for byte, with its record.
func TestLargeQuarantinedInPieces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		storetest.Desk(t, s)
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(3, 4))
		for _, size := range []int{100, 1 << 20, 1<<20 + 1, 3<<20 + 777} {
			raw := make([]byte, size)
			for i := range raw {
				raw[i] = byte(rng.IntN(256))
			}
			id, err := s.Quarantine(ctx, "spam: X-Spam-Flag: YES", "spam@example.net", []string{"support@example.org"}, "Spam@Example.net", "Cheap", raw)
			if err != nil {
				t.Fatal(err)
			}
			q, got, err := s.QuarantineGet(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, raw) {
				t.Fatalf("%d bytes held, %d read back, equal %v", size, len(got), bytes.Equal(got, raw))
			}
			if q.ID != id || q.Size != int64(size) || q.From != "spam@example.net" || q.Status != "held" || len(q.Rcpts) != 1 {
				t.Errorf("%d bytes: record %+v", size, q)
			}
			var first, pieces int
			if err := s.DB().QueryRow(`SELECT LENGTH(raw) FROM quarantine WHERE id = $1`, id).Scan(&first); err != nil {
				t.Fatal(err)
			}
			if err := s.DB().QueryRow(`SELECT COUNT(*) FROM quarantine_chunks WHERE quarantine_id = $1`, id).Scan(&pieces); err != nil {
				t.Fatal(err)
			}
			if want := (size - 1) / (1 << 20); pieces != want || first != min(size, 1<<20) {
				t.Errorf("%d bytes: first piece %d bytes and %d more, want %d and %d", size, first, pieces, min(size, 1<<20), want)
			}
		}
	})
}
