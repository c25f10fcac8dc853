package smtpd

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

func TestImportDate(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	hdr := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	from := time.Date(2020, 1, 2, 4, 0, 0, 0, time.UTC)
	future := now.Add(72 * time.Hour)
	for _, tc := range []struct {
		name         string
		header, date time.Time
		want         time.Time
	}{
		{"header", hdr, from, hdr},
		{"no header", time.Time{}, from, from},
		{"header in the future", future, from, from},
		{"nothing", time.Time{}, time.Time{}, time.Time{}},
		{"all in the future", future, future, time.Time{}},
	} {
		if got := importDate(tc.header, ImportOptions{Date: tc.date, Now: now}); !got.Equal(tc.want) {
			t.Errorf("%s: importDate = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		storetest.Desk(t, s)
		d := &Deliverer{Store: s}
		ctx := context.Background()
		route, err := d.Route(ctx, "support@example.org")
		if err != nil {
			t.Fatal(err)
		}
		env := &Envelope{MailFrom: "pat@example.com", Routes: []mailstore.Route{route}}
		spam := []byte("From: pat@example.com\nSubject: cheap\nMessage-ID: <spam@example.com>\nDate: Mon, 2 Mar 2020 10:00:00 +0000\nX-Spam-Flag: YES\n\nbuy\n")
		res, err := d.Import(ctx, env, spam, ImportOptions{})
		if err != nil || res.Kind != mailstore.TxCreate || !res.Created {
			t.Fatalf("Import(spam) = %+v, %v; want a ticket", res, err)
		}
		tk, err := s.Ticket(ctx, res.Ticket)
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2020, 3, 2, 10, 0, 0, 0, time.UTC); !tk.Created.Equal(want) {
			t.Errorf("ticket created %v, want the Date %v", tk.Created, want)
		}
		spam2 := append([]byte("X-Other: 1\n"), spam...)
		res, err = d.Import(ctx, env, spam2, ImportOptions{SpamCheck: true})
		if err != nil || res.Kind != "quarantine" {
			t.Fatalf("Import(spam, SpamCheck) = %+v, %v; want quarantine", res, err)
		}
		bad := []byte("Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n")
		res, err = d.Import(ctx, env, bad, ImportOptions{})
		if err != nil || !res.Created || !slices.Contains(res.Flags, mailstore.FlagUnparseable) {
			t.Fatalf("Import(unparseable) = %+v, %v", res, err)
		}
		if res, err := d.Import(ctx, env, bad, ImportOptions{}); err != nil || !res.Duplicate {
			t.Fatalf("Import again = %+v, %v; want a duplicate", res, err)
		}
		if _, err := d.Import(ctx, env, []byte(" \n"), ImportOptions{}); !errors.Is(err, ErrUnusable) {
			t.Fatalf("Import(blank) err = %v", err)
		}
		rows, err := s.Outbox(ctx, mailstore.OutboxFilter{})
		if err != nil || len(rows) != 0 {
			t.Fatalf("outbox after imports: %d rows, %v", len(rows), err)
		}
	})
}
