package torture

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sak/mailstore/storetest"
)

// TestPostgresOutage drops every PostgreSQL connection of the daemon's,
// again and again, in the middle of a load. Sessions must answer 451, never
// 250 for a mail not stored and never 5xx; sak recovers without a restart
// and the resent mail is stored once.
func TestPostgresOutage(t *testing.T) {
	dsn, app := storetest.PostgresDSNNamed(t)
	seed(t, dsn)
	d := startDaemon(t, dsn)

	admin, err := sql.Open("pgx", os.Getenv("SAK_TEST_POSTGRES"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	period := dropPeriod(t, admin)
	// A bound on the whole load, not a speed to reach. The outage is
	// bounded too: at most outageDrops drops or outageFor, whichever ends
	// first, so that on a slow machine (the race detector, other packages'
	// tests beside this one, connections slow to make) the test still ends
	// in time; after it the rest of the load must go through, which a daemon
	// that never recovers cannot do.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	v := &verdicts{}
	stop := make(chan struct{})
	var drops, ackedInOutage int
	var outage time.Duration
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		defer func() { outage, ackedInOutage = time.Since(start), v.count(250) }()
		for drops < outageDrops && time.Since(start) < outageFor {
			select {
			case <-stop:
				return
			case <-time.After(period):
			}
			n, err := storetest.CutConnections(admin, app)
			if err == nil && n > 0 {
				drops++
			}
		}
	}()
	ms := mails("outage", 1200)
	acked := load(ctx, t, ms, 6, func() string { return d.addr }, v)
	close(stop)
	wg.Wait()
	t.Logf("%d connection drops in %s, one every %s, %d mails acknowledged meanwhile; replies %v", drops, outage.Round(time.Millisecond), period, ackedInOutage, v.codes)
	if drops < 5 {
		t.Fatalf("connections were dropped only %d times", drops)
	}
	if v.fivexx() != 0 {
		t.Fatalf("clients saw %d permanent failures during the outage: %v", v.fivexx(), v.codes)
	}
	if len(acked) != len(ms) {
		t.Fatalf("%d of %d mails acknowledged", len(acked), len(ms))
	}
	// The same daemon, never restarted, serves normally afterwards. A
	// connection the last drop killed may still cost a 451, as it would an
	// MTA, which retries; not one for each pooled connection (the first
	// found lost closes the idle ones).
	after := &verdicts{}
	actx, acancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer acancel()
	if err := deliverUntilAcked(actx, func() string { return d.addr }, mail{id: "after-outage@torture.test", from: "late@example.net", body: "x"}, after); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	if n := after.codes[451]; n > 10 {
		t.Fatalf("after the outage the daemon answered 451 %d times before recovering", n)
	}
	acked = append(acked, mail{id: "after-outage@torture.test"})
	if !strings.Contains(d.logText(), "listening") {
		t.Fatal("no daemon log")
	}
	checkStore(t, openStore(t, dsn), acked)
}

// How long the outage of TestPostgresOutage lasts: this many drops of every
// connection, or this long, whichever ends first.
const (
	outageDrops = 150
	outageFor   = time.Minute
)

// dropPeriod is how often the outage drops the daemon's connections: every
// 60 ms, or on a machine where a new PostgreSQL connection is slow to make
// (a backend is a new process) every eight times what making one takes,
// so that between two drops the daemon can connect again and commit.
// Dropping faster than it can reconnect tests the machine, not sak.
func dropPeriod(t *testing.T, admin *sql.DB) time.Duration {
	t.Helper()
	ctx := context.Background()
	var took []time.Duration
	for range 5 {
		start := time.Now()
		c, err := admin.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Each sample is a new backend: this one ends with the connection.
		if err := c.Raw(func(any) error { return driver.ErrBadConn }); err != nil && !errors.Is(err, driver.ErrBadConn) {
			t.Fatal(err)
		}
		c.Close()
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	return max(60*time.Millisecond, 8*took[len(took)/2])
}
