package mailstore_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

func TestImportStore(t *testing.T) {
	for _, backend := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "sak.db") }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresDSN(t) }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			var mu sync.Mutex
			now := time.Date(2020, 5, 1, 12, 0, 0, 0, time.UTC)
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			s := storetest.Open(t, backend.dsn(t), mailstore.WithClock(clock))
			q := storetest.Desk(t, s)
			ctx := context.Background()
			deliver := func(msgid, from string, at time.Time) int64 {
				t.Helper()
				in := &mailstore.Incoming{
					Mail:   mailstore.Mail{Raw: []byte("Message-ID: <" + msgid + ">\n\nhi\n"), MessageID: msgid, From: from, Subject: msgid, Text: "hi"},
					Routes: []mailstore.Route{{Queue: q}},
					At:     at, Quiet: true,
				}
				d, err := s.Deliver(mailstore.WithVia(ctx, mailstore.ViaImport), in)
				if err != nil {
					t.Fatal(err)
				}
				return d.Ticket
			}
			old := time.Date(2019, 1, 2, 3, 4, 5, 0, time.UTC)
			a := deliver("a@x", "pat@example.com", old)
			b := deliver("b@x", "kim@example.com", old)
			if err := s.Comment(ctx, "alice", b, "worked on in sak"); err != nil { // live, in 2020
				t.Fatal(err)
			}
			mu.Lock()
			now = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
			mu.Unlock()
			c := deliver("c@x", "lee@example.com", now.Add(-24*time.Hour))

			n, err := s.ResolveImported(ctx, "support", now.Add(-30*24*time.Hour))
			if err != nil || n != 1 {
				t.Fatalf("ResolveImported = %d, %v; want 1", n, err)
			}
			for id, want := range map[int64]string{a: mailstore.StatusResolved, b: mailstore.StatusNew, c: mailstore.StatusNew} {
				tk, err := s.Ticket(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if tk.Status != want {
					t.Errorf("ticket %d is %s, want %s", id, tk.Status, want)
				}
				if id == a && (!tk.Updated.Equal(old) || tk.Resolved == nil || !tk.Resolved.Equal(old)) {
					t.Errorf("ticket %d: updated %v, resolved %v; want both %v", id, tk.Updated, tk.Resolved, old)
				}
			}
			h, err := s.History(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if last := h[len(h)-1]; last.Type != mailstore.TxStatus || last.New != mailstore.StatusResolved || last.Via != mailstore.ViaImport || last.Actor != "" {
				t.Errorf("last transaction = %+v", last)
			}
			if n, err := s.ResolveImported(ctx, "support", now.Add(-30*24*time.Hour)); err != nil || n != 0 {
				t.Errorf("second ResolveImported = %d, %v; want 0", n, err)
			}

			for _, step := range []struct {
				key  string
				set  int64
				want int64
			}{{"k1", 0, 0}, {"k1", 123, 123}, {"k1", 456, 456}, {"k2", 0, 0}, {"k1", 0, 0}} {
				if step.set != 0 || step.want == 0 {
					if err := s.SetImportCheckpoint(ctx, step.key, step.set); err != nil {
						t.Fatal(err)
					}
				}
				if got, err := s.ImportCheckpoint(ctx, step.key); err != nil || got != step.want {
					t.Errorf("ImportCheckpoint(%s) = %d, %v; want %d", step.key, got, err, step.want)
				}
			}
		})
	}
}
