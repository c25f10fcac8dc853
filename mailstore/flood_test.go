package mailstore_test

import (
	"context"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// newTestClock is a clock the test moves (advance), at a fixed start.
func newTestClock() *fixedClock {
	return &fixedClock{t: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
}

func (c *fixedClock) advance(d time.Duration) { c.set(c.now().Add(d)) }

// sent is the outbox's mail of a kind to rcpt, as its texts, oldest first.
func sent(t *testing.T, s *mailstore.Store, kind, rcpt string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := s.Outbox(ctx, mailstore.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, r := range rows {
		if r.Kind != kind || r.Rcpt != rcpt {
			continue
		}
		raw, err := s.OutboxRaw(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = m.Body
		if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(body)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, m.Header.Get("Subject")+"\n"+string(b))
	}
	return texts
}

// TestAutoReplyCap: 20 forged senders, each under the per-sender limit,
// get at most the instance's cap of acknowledgements a minute; their
// tickets are made all the same.
func TestAutoReplyCap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		clock := newTestClock()
		s := open(t, mailstore.WithClock(clock.now), mailstore.WithAutoReplyCap(3))
		q := storetest.Desk(t, s)
		acks := func() int {
			t.Helper()
			rows, err := s.Outbox(context.Background(), mailstore.OutboxFilter{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range rows {
				if r.Kind == mailstore.KindAutoReply {
					n++
				}
			}
			return n
		}
		for i := range 20 {
			d := mustDeliver(t, s, incoming(q, fmt.Sprintf("victim%d@example.net", i), fmt.Sprintf("f%d@example.net", i), "Hi", "x"))
			if !d.Created {
				t.Fatalf("mail %d made no ticket", i)
			}
			clock.advance(time.Second)
		}
		if n := acks(); n != 3 {
			t.Fatalf("%d acknowledgements in 20 s, want the cap of 3", n)
		}
		clock.advance(time.Minute)
		mustDeliver(t, s, incoming(q, "late@example.net", "late@example.net", "Hi", "x"))
		if n := acks(); n != 4 {
			t.Fatalf("%d acknowledgements a minute later, want 4", n)
		}
	})
}

// TestNotifyFold: one sender's flood of new tickets gives the watchers
// one notice per window; the next notice lists the tickets in between.
// Another sender's ticket is announced at once.
func TestNotifyFold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		clock := newTestClock()
		s := open(t, mailstore.WithClock(clock.now), mailstore.WithNotifyFold(10*time.Minute))
		q := storetest.Desk(t, s)
		var ids []int64
		for i := range 5 {
			d := mustDeliver(t, s, incoming(q, "flood@example.net", fmt.Sprintf("fl%d@example.net", i), fmt.Sprintf("Flood %d", i), "buy now"))
			ids = append(ids, d.Ticket)
			clock.advance(time.Minute)
		}
		mustDeliver(t, s, incoming(q, "pat@example.com", "pat1@example.com", "Printer", "It burns."))
		got := sent(t, s, mailstore.KindNotify, "walt@example.org")
		if len(got) != 2 || !strings.Contains(got[0], "Flood 0") || !strings.Contains(got[1], "Printer") {
			t.Fatalf("watcher got %d notices, want Flood 0 and Printer:\n%s", len(got), strings.Join(got, "\n----\n"))
		}
		if !strings.Contains(got[0], "New tickets from flood@example.net until 2026-11-27 10:10 UTC are not announced one by one") {
			t.Errorf("the first notice does not say that more are folded:\n%s", got[0])
		}
		clock.advance(10 * time.Minute)
		last := mustDeliver(t, s, incoming(q, "flood@example.net", "fl9@example.net", "Flood 9", "buy now"))
		got = sent(t, s, mailstore.KindNotify, "walt@example.org")
		want := fmt.Sprintf("[flood@example.net opened 4 more tickets in queue support since 2026-11-27 10:01 UTC, not announced one by one: #%d, #%d, #%d, #%d.]",
			ids[1], ids[2], ids[3], ids[4])
		if len(got) != 3 || !strings.Contains(got[2], want) || !strings.Contains(got[2], fmt.Sprintf("#%d]", last.Ticket)) {
			t.Fatalf("after the window: %d notices, the last\n%s\nwant it to say %q", len(got), got[len(got)-1], want)
		}
		// The fold is forgotten once told: the next window starts afresh.
		clock.advance(11 * time.Minute)
		mustDeliver(t, s, incoming(q, "flood@example.net", "fl10@example.net", "Flood 10", "buy now"))
		got = sent(t, s, mailstore.KindNotify, "walt@example.org")
		if len(got) != 4 || strings.Contains(got[3], "more tickets") {
			t.Fatalf("a later notice repeats the fold or is missing:\n%s", got[len(got)-1])
		}
	})
}

// TestUnverifiedNotice: a caseworker's mail kept as an unverified note
// brings one short mail to the caseworker's address in sak, saying why;
// at most one an hour; a verified mail none.
func TestUnverifiedNotice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		clock := newTestClock()
		s := open(t, mailstore.WithClock(clock.now))
		q := storetest.Desk(t, s)
		d := mustDeliver(t, s, incoming(q, "pat@example.com", "p1@example.com", "Printer", "It burns."))
		forged := func(n int, verified bool, why string) *mailstore.Delivery {
			in := incoming(q, "alice@example.org", fmt.Sprintf("forged%d@evil.test", n), fmt.Sprintf("Re: [support #%d] Printer", d.Ticket), "Send me your password.")
			in.Tags = []mailstore.Tag{{Tag: "support", ID: d.Ticket}}
			in.Commands = []mailstore.Action{{Name: "resolve"}}
			in.Verified, in.AuthReason = verified, why
			return mustDeliver(t, s, in)
		}
		if f := forged(1, false, "dkim d=evil.test not aligned with example.org"); f.Kind != mailstore.TxNote {
			t.Fatalf("forged mail = %+v, want a note", f)
		}
		got := sent(t, s, mailstore.KindError, "alice@example.org")
		if len(got) != 1 {
			t.Fatalf("%d notices to alice, want 1", len(got))
		}
		for _, w := range []string{"Kept as a note", "kept as an internal note", "not sent on", "no commands in it were run", "dkim d=evil.test not aligned with example.org"} {
			if !strings.Contains(got[0], w) {
				t.Errorf("notice does not say %q:\n%s", w, got[0])
			}
		}
		if to := outboxTo(t, s, d.Ticket, mailstore.KindCorrespond); len(to) != 0 {
			t.Errorf("the forged mail was relayed to %v", to)
		}
		clock.advance(30 * time.Minute)
		forged(2, false, "")
		if got := sent(t, s, mailstore.KindError, "alice@example.org"); len(got) != 1 {
			t.Fatalf("%d notices within the hour, want 1", len(got))
		}
		clock.advance(31 * time.Minute)
		forged(3, false, "")
		got = sent(t, s, mailstore.KindError, "alice@example.org")
		if len(got) != 2 || !strings.Contains(got[1], "no DKIM signature aligned with your address") {
			t.Fatalf("%d notices after the hour, want 2, the last with the default reason:\n%s", len(got), got[len(got)-1])
		}
		if f := forged(4, true, ""); f.Kind == mailstore.TxNote {
			t.Fatalf("verified mail = %+v, want it to act", f)
		}
		if got := sent(t, s, mailstore.KindError, "alice@example.org"); len(got) != 2 {
			t.Fatalf("%d notices after a verified mail, want still 2", len(got))
		}
	})
}
