package smtpd

import (
	"context"
	"fmt"
	"testing"

	"sak/internal/tcpproxy"
	"sak/mailstore"
	"sak/mailstore/storetest"
)

// Round trips to PostgreSQL per delivery, counted by a proxy between sak
// and the database. In production the database is on machines of its
// own, and each round trip costs a network's delay: these counts must not
// grow. The limits are the counts of today; lower them as deliveries
// learn to send less often. The group commit's transactions are
// pipelined (mailstore/pipeline.go): BEGIN goes with the first query, and
// a statement whose answer nobody reads goes with the next query or the
// COMMIT; what remains is one round trip per query. A delivery's first
// questions (its Message-ID, its first parent's, its first subject tag,
// the sender) are one statement (firstLook). Support's watcher
// walt gets a notice of each new ticket, in the same transaction.
var roundTripLimits = map[string]int64{
	"new ticket, acknowledged":     9,
	"new ticket, automatic sender": 8,
	"follow-up by subject tag":     7,
	"follow-up by In-Reply-To":     7,
}

func TestRoundTripsPerDelivery(t *testing.T) {
	proxy, dsn, err := tcpproxy.StartURL(storetest.PostgresDSN(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	s := storetest.Open(t, dsn)
	storetest.Desk(t, s)
	d := &Deliverer{Store: s}
	ctx := context.Background()
	route := mustRoute(t, d, "support@example.org")

	n := 0
	deliver := func(from, extra, subject string) *mailstore.Delivery {
		t.Helper()
		n++
		raw := fmt.Sprintf("From: %s\r\nTo: support@example.org\r\nSubject: %s\r\nMessage-ID: <rt%d@rt.example>\r\n%s\r\nThe printer on the third floor prints nothing.\r\n", from, subject, n, extra)
		dl, err := d.Deliver(ctx, &Envelope{MailFrom: from, Routes: []mailstore.Route{route}}, []byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		return dl
	}
	// Warm the pool and the statement caches: a new connection's start-up
	// is not a delivery's cost.
	for i := 0; i < 3; i++ {
		dl := deliver(fmt.Sprintf("warm%d@example.net", i), "", "Warm up")
		deliver(fmt.Sprintf("warm%d@example.net", i), "", fmt.Sprintf("Re: [support #%d] Warm up", dl.Ticket))
	}

	count := func(name string, fn func()) {
		t.Helper()
		before := proxy.RoundTrips()
		fn()
		got := proxy.RoundTrips() - before
		t.Logf("%-30s %2d round trips", name, got)
		if got > roundTripLimits[name] {
			t.Errorf("%s: %d round trips to the database, at most %d", name, got, roundTripLimits[name])
		}
	}
	var first *mailstore.Delivery
	count("new ticket, acknowledged", func() {
		first = deliver("ola@example.net", "", "Printer")
	})
	if !first.Created {
		t.Fatalf("the first mail made no ticket: %+v", first)
	}
	count("new ticket, automatic sender", func() {
		deliver("monitor@example.net", "Auto-Submitted: auto-generated\r\n", "Disk full")
	})
	count("follow-up by subject tag", func() {
		deliver("ola@example.net", "", fmt.Sprintf("Re: [support #%d] Printer", first.Ticket))
	})
	count("follow-up by In-Reply-To", func() {
		deliver("ola@example.net", "In-Reply-To: <rt7@rt.example>\r\n", "Re: Printer")
	})
}
