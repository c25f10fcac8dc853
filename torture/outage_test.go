package torture

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
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
	dsn := storetest.PostgresDSN(t)
	app := fmt.Sprintf("sak_outage_%d", os.Getpid())
	u, _ := url.Parse(dsn)
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	dsn = u.String()
	seed(t, dsn)
	d := startDaemon(t, dsn)

	admin, err := sql.Open("pgx", os.Getenv("SAK_TEST_POSTGRES"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stop := make(chan struct{})
	var drops int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(60 * time.Millisecond):
			}
			var n int
			err := admin.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n)
			if err == nil && n > 0 {
				drops++
			}
		}
	}()
	v := &verdicts{}
	ms := mails("outage", 1200)
	acked := load(ctx, t, ms, 6, func() string { return d.addr }, v)
	close(stop)
	wg.Wait()
	if drops < 5 {
		t.Fatalf("connections were dropped only %d times", drops)
	}
	if v.fivexx() != 0 {
		t.Fatalf("clients saw %d permanent failures during the outage: %v", v.fivexx(), v.codes)
	}
	if len(acked) != len(ms) {
		t.Fatalf("%d of %d mails acknowledged", len(acked), len(ms))
	}
	// The same daemon, never restarted, serves normally afterwards. Each
	// pooled connection the last drop killed may still cost one 451 (the
	// driver pings only connections idle for a second), as it would an
	// MTA, which retries; the pool keeps at most 10 idle.
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
	t.Logf("%d connection drops; replies %v", drops, v.codes)
	if !strings.Contains(d.logText(), "listening") {
		t.Fatal("no daemon log")
	}
	checkStore(t, openStore(t, dsn), acked)
}
