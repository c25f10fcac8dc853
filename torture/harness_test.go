package torture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

var sakBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sak-torture-")
	if err != nil {
		panic(err)
	}
	sakBin = filepath.Join(dir, "sak")
	build := exec.Command("go", "build", "-o", sakBin, "sak/cmd/sak")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build sak:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// backend is where a torture test keeps its store.
type backend struct {
	name string
	dsn  func(t *testing.T) string
}

var backends = []backend{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "sak.db") }},
	{"postgres", func(t *testing.T) string { return storetest.PostgresDSN(t) }},
}

// sak runs the CLI against dsn (given in SAK_DB, never on the command line).
func sak(t *testing.T, dsn string, args ...string) string {
	t.Helper()
	cmd := exec.Command(sakBin, args...)
	cmd.Env = append(os.Environ(), "SAK_DB="+dsn, "SAK_USER=root")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sak %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// seed makes the desk every torture test uses.
func seed(t *testing.T, dsn string) {
	t.Helper()
	sak(t, dsn, "db", "migrate")
	sak(t, dsn, "user", "add", "root", "--email", "root@example.org", "--sysadmin")
	for _, u := range []string{"alice", "bob", "carol"} {
		sak(t, dsn, "user", "add", u, "--email", u+"@example.org")
	}
	sak(t, dsn, "queue", "create", "support", "--address", "support@example.org")
	for _, u := range []string{"alice", "bob", "carol"} {
		sak(t, dsn, "queue", "grant", "support", u, "--role", "caseworker")
	}
}

// daemon is one 'sak serve' child process.
type daemon struct {
	t     *testing.T
	dsn   string
	addr  string
	args  []string
	log   *bytes.Buffer
	logMu sync.Mutex
	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startDaemon(t *testing.T, dsn string, extra ...string) *daemon {
	t.Helper()
	d := &daemon{t: t, dsn: dsn, addr: freeAddr(t), log: &bytes.Buffer{}, args: extra}
	d.start()
	t.Cleanup(func() { d.stop() })
	return d
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (d *daemon) start() {
	d.t.Helper()
	// No cap on acknowledgements: the loads here are floods by design, and
	// checkStore counts one acknowledgement per ticket.
	args := append([]string{"serve", "--smtp", d.addr, "--auth=off", "--hostname", "sak.test", "--shutdown-timeout", "5s", "--autoreply-cap", "0"}, d.args...)
	cmd := exec.Command(sakBin, args...)
	cmd.Env = append(os.Environ(), "SAK_DB="+d.dsn, "SAK_USER=root")
	cmd.Stderr = lockedWriter{&d.logMu, d.log}
	if err := cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	d.mu.Lock()
	d.cmd, d.done = cmd, done
	d.mu.Unlock()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", d.addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-done:
			d.t.Fatalf("sak serve exited at start:\n%s", d.logText())
		default:
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("sak serve did not listen on %s:\n%s", d.addr, d.logText())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (d *daemon) logText() string {
	d.logMu.Lock()
	defer d.logMu.Unlock()
	return d.log.String()
}

// kill ends the daemon with SIGKILL, as a power cut would.
func (d *daemon) kill() {
	d.mu.Lock()
	cmd, done := d.cmd, d.done
	d.mu.Unlock()
	cmd.Process.Kill()
	<-done
}

// stop ends the daemon gracefully.
func (d *daemon) stop() {
	d.mu.Lock()
	cmd, done := d.cmd, d.done
	d.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	if d.t.Failed() {
		// What the daemon was doing when the test failed: SIGQUIT makes
		// a Go program print every goroutine's stack as it exits.
		cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		d.t.Logf("sak serve's log and goroutines when the test failed:\n%s", d.logText())
		return
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// mail is one message a client must get acknowledged.
type mail struct {
	id, from, body string
}

func (m mail) bytes() []byte {
	return []byte(fmt.Sprintf("From: %s\r\nTo: support@example.org\r\nSubject: torture %s\r\nMessage-ID: <%s>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\n\r\n%s\r\n", m.from, m.id, m.id, m.body))
}

// verdicts counts the SMTP replies clients saw, by class.
type verdicts struct {
	mu     sync.Mutex
	codes  map[int]int
	errors int // connection-level failures (daemon killed mid-session)
}

func (v *verdicts) add(code int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.codes == nil {
		v.codes = map[int]int{}
	}
	if code == 0 {
		v.errors++
		return
	}
	v.codes[code]++
}

// count is how many times clients saw code.
func (v *verdicts) count(code int) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.codes[code]
}

func (v *verdicts) fivexx() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for c, k := range v.codes {
		if c >= 500 {
			n += k
		}
	}
	return n
}

// deliverUntilAcked sends m to one of addrs until it gets a 250, as an MTA
// retrying a queued mail would. It returns when acknowledged or ctx ends.
func deliverUntilAcked(ctx context.Context, addrs func() string, m mail, v *verdicts) error {
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		err := sendOnce(addrs(), m)
		var se *smtp.SMTPError
		switch {
		case err == nil:
			v.add(250)
			return nil
		case errors.As(err, &se):
			v.add(se.Code)
			if se.Code >= 500 {
				return fmt.Errorf("%s: permanent %d: %s", m.id, se.Code, se.Message)
			}
		default:
			v.add(0)
		}
		time.Sleep(time.Duration(20+attempt*10%200) * time.Millisecond)
	}
}

func sendOnce(addr string, m mail) error {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	c := smtp.NewClient(conn)
	defer c.Close()
	return c.SendMail(m.from, []string{"support@example.org"}, bytes.NewReader(m.bytes()))
}

// openStore opens the store the daemons used, for the checks afterwards.
func openStore(t *testing.T, dsn string) *mailstore.Store {
	t.Helper()
	s, err := mailstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func count(t *testing.T, s *mailstore.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// checkStore asserts what must hold after any torture: every acknowledged
// mail stored exactly once, no ticket half-written, one auto-reply per
// ticket, and (SQLite) an intact file.
func checkStore(t *testing.T, s *mailstore.Store, acked []mail) {
	t.Helper()
	for _, m := range acked {
		if n := count(t, s, `SELECT COUNT(*) FROM messages WHERE msgid = $1`, m.id); n != 1 {
			t.Errorf("acknowledged mail %s stored %d times", m.id, n)
		}
	}
	tickets := count(t, s, `SELECT COUNT(*) FROM tickets`)
	if tickets != len(acked) {
		t.Errorf("%d tickets for %d acknowledged new mails", tickets, len(acked))
	}
	if n := count(t, s, `SELECT COUNT(*) FROM tickets t WHERE (SELECT COUNT(*) FROM transactions x WHERE x.ticket_id = t.id AND x.type = 'create') <> 1
		OR NOT EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id)
		OR NOT EXISTS (SELECT 1 FROM ticket_people p WHERE p.ticket_id = t.id)`); n != 0 {
		t.Errorf("%d tickets are half-written", n)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM (SELECT ticket_id FROM outbox WHERE kind = 'autoreply' GROUP BY ticket_id HAVING COUNT(*) <> 1) x`); n != 0 {
		t.Errorf("%d tickets do not have exactly one auto-reply", n)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM outbox WHERE kind = 'autoreply'`); n != tickets {
		t.Errorf("%d auto-replies for %d tickets", n, tickets)
	}
	if s.Dialect() == "sqlite" {
		var res string
		if err := s.DB().QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
			t.Errorf("integrity_check = %q, %v", res, err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM pragma_foreign_key_check`); n != 0 {
			t.Errorf("%d foreign key violations", n)
		}
	}
}

// mails makes n distinct new-ticket mails from distinct senders.
func mails(prefix string, n int) []mail {
	ms := make([]mail, n)
	for i := range ms {
		ms[i] = mail{id: fmt.Sprintf("%s-%d@torture.test", prefix, i), from: fmt.Sprintf("%s%d@example.net", prefix, i), body: strings.Repeat("Help me please. ", 20)}
	}
	return ms
}

// load delivers every mail with c clients and returns what was acknowledged.
func load(ctx context.Context, t *testing.T, ms []mail, c int, addr func() string, v *verdicts) []mail {
	t.Helper()
	next := make(chan mail)
	go func() {
		defer close(next)
		for _, m := range ms {
			select {
			case next <- m:
			case <-ctx.Done():
				return
			}
		}
	}()
	var mu sync.Mutex
	var acked []mail
	var wg sync.WaitGroup
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range next {
				if err := deliverUntilAcked(ctx, addr, m, v); err != nil {
					t.Error(err)
					continue
				}
				mu.Lock()
				acked = append(acked, m)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return acked
}
