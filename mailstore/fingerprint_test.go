package mailstore_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

func fp(raw string) string {
	m := mailstore.Mail{Raw: []byte(raw)}
	return m.Fingerprint()
}

func TestFingerprint(t *testing.T) {
	base := "From: Pat <pat@example.com>\r\nTo: support@example.org\r\nSubject: Printer\r\n on fire\r\nMessage-ID: <a@example.com>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\n\r\nIt burns.\r\n"
	same := []struct{ name, raw string }{
		{"trace fields added", "Received: from a by b\r\n\tfor <support@example.org>; Fri, 27 Nov 2026 10:00:01 +0100\r\nReturn-Path: <pat@example.com>\r\nDelivered-To: it-help@example.org\r\nX-Original-To: it-help@example.org\r\nAuthentication-Results: mx; dkim=pass\r\nARC-Seal: i=1; cv=none\r\nX-Spam-Score: 1.2\r\n" + base},
		{"LF line ends", "From: Pat <pat@example.com>\nTo: support@example.org\nSubject: Printer\n on fire\nMessage-ID: <a@example.com>\nDate: Fri, 27 Nov 2026 10:00:00 +0100\n\nIt burns.\n"},
		{"refolded subject and trailing blanks", "From: Pat <pat@example.com>\r\nTo: support@example.org\r\nSubject: Printer on fire\r\nMessage-ID: <a@example.com>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\n\r\nIt burns.  \r\n\r\n\r\n"},
		{"field names in other case", "FROM: Pat <pat@example.com>\r\nto: support@example.org\r\nSUBJECT: Printer\r\n on fire\r\nmessage-id: <a@example.com>\r\nDATE: Fri, 27 Nov 2026 10:00:00 +0100\r\n\r\nIt burns.\r\n"},
	}
	for _, tc := range same {
		if got, want := fp(tc.raw), fp(base); got != want {
			t.Errorf("%s: fingerprint %s, want the original's %s", tc.name, got, want)
		}
	}
	other := []struct{ name, raw string }{
		{"other body", bytes.NewBufferString(base).String()[:len(base)-len("It burns.\r\n")] + "It is cold.\r\n"},
		{"other subject", "From: Pat <pat@example.com>\r\nTo: support@example.org\r\nSubject: Scanner\r\nMessage-ID: <a@example.com>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\n\r\nIt burns.\r\n"},
		{"other sender", "From: Sam <sam@example.com>\r\nTo: support@example.org\r\nSubject: Printer\r\n on fire\r\nMessage-ID: <a@example.com>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\n\r\nIt burns.\r\n"},
		{"other date", "From: Pat <pat@example.com>\r\nTo: support@example.org\r\nSubject: Printer\r\n on fire\r\nMessage-ID: <a@example.com>\r\nDate: Fri, 27 Nov 2026 10:00:01 +0100\r\n\r\nIt burns.\r\n"},
		{"a blank line inside the body", "From: Pat <pat@example.com>\r\nTo: support@example.org\r\nSubject: Printer\r\n on fire\r\nMessage-ID: <a@example.com>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\n\r\nIt\r\n\r\nburns.\r\n"},
		{"body text moved into the header", "From: Pat <pat@example.com>\r\nTo: support@example.org\r\nSubject: Printer\r\n on fire\r\nMessage-ID: <a@example.com>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\nIt burns.\r\n\r\n"},
	}
	for _, tc := range other {
		if fp(tc.raw) == fp(base) {
			t.Errorf("%s: same fingerprint as the original", tc.name)
		}
	}
}

// FuzzFingerprint: any bytes fingerprint without panicking, and trace
// fields on top or other line ends never change the result.
func FuzzFingerprint(f *testing.F) {
	f.Add([]byte("From: a@b\r\nSubject: x\r\n\r\nbody\r\n"))
	f.Add([]byte("Subject: \r\n\t\r\n\r\n\r\n"))
	f.Add([]byte("no header at all"))
	f.Add([]byte("\n\n\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		want := fp(string(raw))
		if len(raw) > 0 && raw[0] != ' ' && raw[0] != '\t' && raw[0] != '\n' && !bytes.HasPrefix(raw, []byte("\r\n")) {
			if got := fp("Received: by relay; Fri, 27 Nov 2026 10:00:01 +0100\r\n" + string(raw)); got != want {
				t.Fatalf("a Received field on top changed the fingerprint of %q", raw)
			}
		}
		if !bytes.Contains(raw, []byte("\r")) {
			if got := fp(string(bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n")))); got != want {
				t.Fatalf("CRLF line ends changed the fingerprint of %q", raw)
			}
		}
	})
}

// Copies of one mail delivered at once through two queue addresses, as
// two pipe transports would, make one ticket: the unique index on the
// Message-ID and fingerprint stops the second.
func TestFingerprintRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		storetest.Desk(t, s)
		var routes []mailstore.Route
		for _, name := range []string{"support", "it-help"} {
			q, err := s.Queue(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			routes = append(routes, mailstore.Route{Queue: q})
		}
		const copies = 8
		for round := range 5 {
			msgid := fmt.Sprintf("race%d@example.com", round)
			body := fmt.Sprintf("From: pat@example.com\r\nTo: support@example.org, it-help@example.org\r\nSubject: Race %d\r\nMessage-ID: <%s>\r\n\r\nBoth.\r\n", round, msgid)
			var wg sync.WaitGroup
			errs := make([]error, copies)
			for i := range copies {
				wg.Go(func() {
					in := &mailstore.Incoming{
						Mail:     mailstore.Mail{Raw: fmt.Appendf(nil, "Received: by mx%d\r\n%s", i, body), MessageID: msgid, From: "pat@example.com", Subject: fmt.Sprintf("Race %d", round)},
						MailFrom: "pat@example.com",
						Routes:   []mailstore.Route{routes[i%2]},
					}
					_, errs[i] = s.Deliver(ctx, in)
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("round %d copy %d: %v", round, i, err)
				}
			}
			var tickets, msgs int
			if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(DISTINCT ticket_id), COUNT(*) FROM messages WHERE msgid = $1`, msgid).Scan(&tickets, &msgs); err != nil {
				t.Fatal(err)
			}
			if tickets != 1 || msgs != 1 {
				t.Fatalf("round %d: %d copies made %d tickets and %d messages, want 1 and 1", round, copies, tickets, msgs)
			}
		}
	})
}
