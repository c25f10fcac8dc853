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
// look-up (firstLook) asks its Message-ID, its first parent's, its first
// subject tag, the sender, the auto-replies to count for a new ticket,
// and takes the ids its rows will have, so that no INSERT waits for one;
// the ticket's lock reads whether the sender is on it and whom its
// follow-up tells; a new ticket's staff and the notices to fold are one
// statement. What remains: the first look-up, the sender's row when the
// sender is new, the ticket's lock or its staff, and the COMMIT.
// Support's watcher walt gets a notice of each new ticket, in the same
// transaction.
var roundTripLimits = map[string]int64{
	"new ticket, acknowledged":     4,
	"new ticket, known sender":     3,
	"new ticket, automatic sender": 4,
	"follow-up by subject tag":     3,
	"follow-up by In-Reply-To":     3,
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
		deliver(fmt.Sprintf("warm%d@example.net", i), "", "Warm up again") // its notice folded
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
	firstID := fmt.Sprintf("<rt%d@rt.example>", n+1) // the Message-ID deliver gives it
	count("new ticket, acknowledged", func() {
		first = deliver("ola@example.net", "", "Printer")
	})
	if !first.Created {
		t.Fatalf("the first mail made no ticket: %+v", first)
	}
	count("new ticket, known sender", func() {
		deliver("ola@example.net", "", "Scanner")
	})
	count("new ticket, automatic sender", func() {
		deliver("monitor@example.net", "Auto-Submitted: auto-generated\r\n", "Disk full")
	})
	followUp := func(name, extra, subject string) {
		t.Helper()
		var dl *mailstore.Delivery
		count(name, func() { dl = deliver("ola@example.net", extra, subject) })
		if dl.Created || dl.Ticket != first.Ticket || dl.Kind != mailstore.TxCorrespond {
			t.Errorf("%s: %+v, want the requestor's correspondence on ticket %d", name, dl, first.Ticket)
		}
	}
	followUp("follow-up by subject tag", "", fmt.Sprintf("Re: [support #%d] Printer", first.Ticket))
	followUp("follow-up by In-Reply-To", "In-Reply-To: "+firstID+"\r\n", "Re: Printer")
}
