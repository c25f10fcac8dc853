package torture

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestFailover runs sak as production does on PostgreSQL: a primary and a
// hot standby with synchronous replication, and 'sak serve' given both
// hosts with target_session_attrs=read-write. In the middle of a load of
// 3,000 mails over 16 connections the primary is stopped in immediate mode
// (a power cut) and the standby promoted. Then: every mail that got a 250
// is in the new primary exactly once, no client saw a 5xx, sak went on
// without a restart, the outbox sent nothing twice beyond the batch in
// flight, and /readyz and 'sak db check' said the truth during the outage
// and after it.
//
// It makes two throwaway clusters with the PostgreSQL server binaries
// (initdb, pg_ctl, pg_basebackup: SAK_PG_BIN, or the newest under
// /usr/lib/postgresql), run as the postgres user when the test runs as
// root. It runs under 'make failover' (SAK_TEST_FAILOVER=1).
func TestFailover(t *testing.T) {
	if os.Getenv("SAK_TEST_FAILOVER") == "" {
		t.Skip("set SAK_TEST_FAILOVER=1 (make failover) to run the failover test")
	}
	pg := newPGPair(t)
	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/sak?sslmode=disable&target_session_attrs=read-write&connect_timeout=2", pg.ports[0], pg.ports[1])
	seed(t, dsn)

	sink := &relaySink{got: map[string]int{}}
	srv := smtp.NewServer(sink)
	srv.Domain = "relay.test"
	rl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(rl)
	defer srv.Close()
	metrics := freeAddr(t)
	d := startDaemon(t, dsn, "--relay", rl.Addr().String(), "--metrics", metrics, "--outbox-lease", "20s")
	ready := func() int {
		c := http.Client{Timeout: 5 * time.Second}
		resp, err := c.Get("http://" + metrics + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	dbCheck := func() error {
		cmd := exec.Command(sakBin, "db", "check")
		cmd.Env = append(os.Environ(), "SAK_DB="+dsn, "SAK_USER=root")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	if code := ready(); code != http.StatusOK {
		t.Fatalf("/readyz before the failover = %d, want 200", code)
	}
	if err := dbCheck(); err != nil {
		t.Fatalf("sak db check before the failover: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	v := &verdicts{}
	ms := mails("failover", 3000)
	var acked []mail
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		acked = load(ctx, t, ms, 16, func() string { return d.addr }, v)
	}()
	for v.count(250) < len(ms)/3 {
		select {
		case <-loaded:
			t.Fatalf("the load ended before the failover: %v", v.codes)
		case <-time.After(10 * time.Millisecond):
		}
	}
	ackedBefore := v.count(250)
	start := time.Now()
	pg.ctl(t, 0, "stop", "-m", "immediate")
	// While no primary is up, sak must say it is not ready, and so must
	// 'sak db check' (the standby alone is read-only).
	time.Sleep(time.Second)
	readyDown := ready()
	checkDown := dbCheck()
	pg.ctl(t, 1, "promote", "-w")
	promoted := time.Since(start)
	ackedDown := v.count(250) - ackedBefore
	<-loaded
	recovered := time.Since(start)
	t.Logf("primary stopped after %d acknowledged; standby promoted %s later; %d acknowledged meanwhile; load done %s after the stop; replies %v",
		ackedBefore, promoted.Round(time.Millisecond), ackedDown, recovered.Round(time.Millisecond), v.codes)
	if readyDown == http.StatusOK {
		t.Errorf("/readyz said 200 with no primary up")
	}
	if checkDown == nil {
		t.Errorf("sak db check passed with no primary up")
	} else {
		t.Logf("sak db check with no primary: %v", checkDown)
	}
	if v.fivexx() != 0 {
		t.Fatalf("clients saw %d permanent failures: %v", v.fivexx(), v.codes)
	}
	if len(acked) != len(ms) {
		t.Fatalf("%d of %d mails acknowledged", len(acked), len(ms))
	}

	// The same daemon, never restarted, is ready on the new primary.
	deadline := time.Now().Add(30 * time.Second)
	for ready() != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz after the failover = %d, want 200\n%s", ready(), d.logText())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := dbCheck(); err != nil {
		t.Fatalf("sak db check after the failover: %v", err)
	}
	s := openStore(t, dsn)
	var inRecovery bool
	if err := s.DB().QueryRow(`SELECT pg_is_in_recovery()`).Scan(&inRecovery); err != nil || inRecovery {
		t.Fatalf("the store is not on the promoted standby: in recovery %v, %v", inRecovery, err)
	}
	checkStore(t, s, acked)

	// The outbox drains on the new primary. A row whose mail went out but
	// whose mark was lost with the primary, or whose claim committed as
	// the primary stopped, goes out again when its lease (20 s here) runs
	// out: at most the batch in flight (20).
	rows := count(t, s, `SELECT COUNT(*) FROM outbox`)
	deadline = time.Now().Add(2 * time.Minute)
	for count(t, s, `SELECT COUNT(*) FROM outbox WHERE status <> 'sent'`) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("outbox did not drain: %d of %d unsent (%d sending)\n%s", count(t, s, `SELECT COUNT(*) FROM outbox WHERE status <> 'sent'`), rows,
				count(t, s, `SELECT COUNT(*) FROM outbox WHERE status = 'sending'`), d.logText())
		}
		time.Sleep(200 * time.Millisecond)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	again := 0
	for _, n := range sink.got {
		again += n - 1
	}
	if len(sink.got) != rows {
		t.Fatalf("relay got %d distinct mails for %d outbox rows", len(sink.got), rows)
	}
	t.Logf("%d outbox rows sent; %d sent again after the failover; marks of sent mail tried again %d times", rows, again,
		strings.Count(d.logText(), "marking sent mail failed"))
	if again > 20 {
		t.Fatalf("%d mails sent twice: more than the batch in flight", again)
	}
}

// pgPair is a primary (0) and a hot standby (1) on loopback ports, in a
// temporary directory that is removed with them.
type pgPair struct {
	bin   string
	dir   string
	ports [2]int
	runAs []string // "runuser -u postgres --" when running as root
}

func newPGPair(t *testing.T) *pgPair {
	t.Helper()
	p := &pgPair{bin: os.Getenv("SAK_PG_BIN")}
	if p.bin == "" {
		dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) < pgVersion(dirs[j]) })
		if len(dirs) == 0 {
			t.Fatal("no PostgreSQL server binaries under /usr/lib/postgresql: install postgresql or set SAK_PG_BIN")
		}
		p.bin = dirs[len(dirs)-1]
	}
	dir, err := os.MkdirTemp("", "sak-failover-")
	if err != nil {
		t.Fatal(err)
	}
	p.dir = dir
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs the postgres user to run the clusters: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		p.runAs = []string{"runuser", "-u", "postgres", "--"}
	}
	for i := range p.ports {
		p.ports[i] = freePort(t)
	}
	t.Cleanup(func() {
		for i := range 2 {
			p.run(nil, "pg_ctl", "-D", p.data(i), "stop", "-m", "immediate")
		}
		os.RemoveAll(dir)
	})
	p.run(t, "initdb", "-D", p.data(0), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	conf := fmt.Sprintf("\nport = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nwal_level = replica\nmax_wal_senders = 5\n"+
		"synchronous_commit = on\nshared_buffers = 64MB\nfsync = on\nlog_min_messages = warning\n", p.ports[0], dir)
	p.appendConf(t, 0, "postgresql.conf", conf)
	p.ctl(t, 0, "start", "-w", "-l", filepath.Join(dir, "primary.log"))
	p.run(t, "pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(p.ports[0]), "-U", "postgres", "-D", p.data(1), "-X", "stream", "-c", "fast", "-R")
	p.appendConf(t, 1, "postgresql.auto.conf", fmt.Sprintf("\nport = %d\nprimary_conninfo = 'host=127.0.0.1 port=%d user=postgres application_name=standby'\n", p.ports[1], p.ports[0]))
	p.ctl(t, 1, "start", "-w", "-l", filepath.Join(dir, "standby.log"))
	// Synchronous from now on: set on the primary only, so that the
	// standby, once promoted, commits alone (the operator's choice after a
	// failover, until a new standby is built).
	admin := p.open(t, 0, "postgres")
	defer admin.Close()
	for _, q := range []string{`ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (standby)'`, `SELECT pg_reload_conf()`, `CREATE DATABASE sak`} {
		if _, err := admin.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var state string
		err := admin.QueryRow(`SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'`).Scan(&state)
		if err == nil && state == "sync" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the standby is not a synchronous standby: %q, %v", state, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return p
}

func (p *pgPair) data(i int) string { return filepath.Join(p.dir, []string{"primary", "standby"}[i]) }

func (p *pgPair) open(t *testing.T, i int, db string) *sql.DB {
	t.Helper()
	c, err := sql.Open("pgx", fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.ports[i], db))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// run runs a PostgreSQL binary, as the postgres user when root; with t
// nil a failure is ignored (cleanup).
func (p *pgPair) run(t *testing.T, name string, args ...string) {
	argv := append(append(append([]string{}, p.runAs...), filepath.Join(p.bin, name)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = p.dir
	out, err := cmd.CombinedOutput()
	if err != nil && t != nil {
		t.Helper()
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func (p *pgPair) ctl(t *testing.T, i int, args ...string) {
	t.Helper()
	p.run(t, "pg_ctl", append([]string{"-D", p.data(i)}, args...)...)
}

// appendConf adds lines to a configuration file of cluster i.
func (p *pgPair) appendConf(t *testing.T, i int, file, text string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(p.data(i), file), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

func pgVersion(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func freePort(t *testing.T) int {
	t.Helper()
	_, port, err := net.SplitHostPort(freeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(port)
	return n
}
