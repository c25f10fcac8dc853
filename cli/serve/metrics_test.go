package serve_test

import (
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"sak/cli/clitest"
	"sak/cli/serve"
)

// TestMetrics runs sak serve with --metrics, delivers mail, and scrapes
// /metrics for the counters that moved; then takes the database away and
// expects /readyz to fail while /healthz still answers.
func TestMetrics(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		rl := &relay{}
		rsrv := gosmtp.NewServer(rl)
		rsrv.Domain = "relay.test"
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go rsrv.Serve(l)
		defer rsrv.Close()

		f, _, stderr := e.Factory("root")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ready := make(chan [2]string, 1)
		done := make(chan error, 1)
		var metricsAddr string
		cmd := serve.NewCmdServe(f, func(o *serve.ServeOptions) error {
			o.MetricsReady = func(a net.Addr) { metricsAddr = a.String() }
			o.Ready = func(smtpAddr, _ net.Addr) { ready <- [2]string{smtpAddr.String(), metricsAddr} }
			return serve.Serve(ctx, o)
		})
		cmd.SetArgs([]string{"--smtp", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "--relay", l.Addr().String(), "--hostname", "sak.test"})
		go func() { done <- cmd.Execute() }()
		var addrs [2]string
		select {
		case addrs = <-ready:
		case err := <-done:
			t.Fatalf("serve ended at start: %v\n%s", err, stderr)
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not start")
		}
		base := "http://" + addrs[1]

		for _, p := range []string{"/healthz", "/readyz"} {
			if code, body := get(t, base+p); code != 200 {
				t.Fatalf("GET %s = %d %q, want 200", p, code, body)
			}
		}

		msg := "From: kim@example.com\r\nTo: support@example.org\r\nSubject: Metered\r\nMessage-ID: <metrics1@example.com>\r\n\r\nHi.\r\n"
		if err := smtp.SendMail(addrs[0], nil, "kim@example.com", []string{"support@example.org"}, []byte(msg)); err != nil {
			t.Fatalf("send: %v", err)
		}
		// The same mail again (an MTA retry), and one to no queue.
		if err := smtp.SendMail(addrs[0], nil, "kim@example.com", []string{"support@example.org"}, []byte(msg)); err != nil {
			t.Fatalf("send again: %v", err)
		}
		if err := smtp.SendMail(addrs[0], nil, "kim@example.com", []string{"nosuch@example.org"}, []byte(msg)); err == nil || !strings.Contains(err.Error(), "550") {
			t.Fatalf("send to an unknown queue: %v, want 550", err)
		}

		want := map[string]float64{
			`sak_mail_received_total{outcome="create"}`:    1,
			`sak_mail_received_total{outcome="duplicate"}`: 1,
			`sak_mail_received_total{outcome="rejected"}`:  1,
			`sak_mail_received_total{outcome="tempfail"}`:  0,
			`sak_deliveries_total{queue="support"}`:        1,
			`sak_delivery_duration_seconds_count`:          2,
			`sak_outbound_sends_total{result="sent"}`:      2, // the auto-reply, walt's notification
			`sak_outbox_pending`:                           0,
			`sak_outbox_oldest_pending_age_seconds`:        0,
			`sak_database_errors_total`:                    0,
		}
		var got map[string]float64
		deadline := time.Now().Add(15 * time.Second)
		for {
			got = scrape(t, base+"/metrics")
			ok := true
			for k, v := range want {
				if g, found := got[k]; !found || g != v {
					ok = false
				}
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				for k, v := range want {
					if g, found := got[k]; !found || g != v {
						t.Errorf("%s = %v (found %v), want %v", k, g, found, v)
					}
				}
				t.Fatalf("metrics did not move as expected\n%s", stderr)
			}
			time.Sleep(50 * time.Millisecond)
		}

		// Go's profiles for an operator's go tool pprof.
		if code, body := get(t, base+"/debug/pprof/goroutine?debug=1"); code != 200 || !strings.Contains(body, "goroutine profile:") {
			t.Errorf("GET /debug/pprof/goroutine = %d %.80q, want a goroutine profile", code, body)
		}
		if code, _ := get(t, base+"/debug/pprof/cmdline"); code != http.StatusNotFound {
			t.Errorf("GET /debug/pprof/cmdline = %d, want 404: a --db DSN may carry a password", code)
		}

		// The database goes away: the process is up, not ready.
		if e.DSN == "" || strings.HasPrefix(e.DSN, "postgres") {
			dropSchema(t, e.DSN)
		} else {
			f.Close()
		}
		if code, body := get(t, base+"/readyz"); code != http.StatusServiceUnavailable || !strings.HasPrefix(body, "not ready: ") {
			t.Errorf("GET /readyz with the database gone = %d %q, want 503", code, body)
		}
		if code, _ := get(t, base+"/healthz"); code != 200 {
			t.Errorf("GET /healthz with the database gone = %d, want 200", code)
		}
		// The counters are still served, the backlog is not. (The failed
		// backlog read counts as a database error, seen from the next
		// scrape on.)
		scrape(t, base+"/metrics")
		got = scrape(t, base+"/metrics")
		if _, ok := got[`sak_outbox_pending`]; ok || got[`sak_mail_received_total{outcome="create"}`] != 1 || got[`sak_database_errors_total`] < 1 {
			t.Errorf("metrics with the database gone: pending %v, create %v, db errors %v",
				got[`sak_outbox_pending`], got[`sak_mail_received_total{outcome="create"}`], got[`sak_database_errors_total`])
		}

		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not stop")
		}
		// The metrics listener stopped with the daemon.
		if _, err := http.Get(base + "/healthz"); err == nil {
			t.Error("the metrics listener still answers after serve returned")
		}
	})
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$`)

// scrape reads the text exposition into series → value.
func scrape(t *testing.T, u string) map[string]float64 {
	t.Helper()
	code, body := get(t, u)
	if code != 200 {
		t.Fatalf("GET %s = %d\n%s", u, code, body)
	}
	m := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		if s := sampleLine.FindStringSubmatch(line); s != nil {
			v, err := strconv.ParseFloat(s[2], 64)
			if err == nil {
				m[s[1]] = v
			}
		}
	}
	return m
}

// dropSchema drops the test's PostgreSQL schema under the running daemon.
func dropSchema(t *testing.T, dsn string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
		t.Fatalf("drop schema %s: %v", schema, err)
	}
}
