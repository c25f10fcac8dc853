// Package clitest runs sak commands in tests: against a throwaway SQLite
// file or PostgreSQL schema, with buffers for streams, a fixed clock and
// UTC times, and compares output with golden files (go test -update
// rewrites them).
package clitest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sak/cli"
	"sak/cli/cmdutil"
	"sak/httpd"
	"sak/mailstore"
	"sak/mailstore/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files with the output the tests get")

// Start is when the test clock starts.
var Start = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// Clock is a fake clock that stands still while a command runs and moves
// a minute before each command Env runs, so that output depends only on
// the commands a test runs, not on how often the store reads the clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		c.t = Start
	}
	return c.t
}

// Advance moves the clock a minute on.
func (c *Clock) Advance() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		c.t = Start
	}
	c.t = c.t.Add(time.Minute)
}

// Env is one test's database, shared by every command the test runs as a
// separate process would share it.
type Env struct {
	T     testing.TB
	DSN   string
	Clock *Clock
	As    string // the default acting user of Run
	// API runs the commands of caseworkers (cmdutil.Desk) through a sak
	// server's API over the same database, as the CLI on a caseworker's
	// machine does, each with a new token of the acting user; commands
	// of users who cannot have one (unknown, disabled, or before the
	// database exists) and the commands that work on the database run
	// locally.
	API bool

	server *httptest.Server
	store  *mailstore.Store
}

// Backend names a database a test runs on and makes an Env for it.
type Backend struct {
	Name string
	New  func(t testing.TB) *Env
}

// Backends are SQLite, always, and PostgreSQL when SAK_TEST_POSTGRES is set
// (under CI=true it must be), each on the database and through the API.
var Backends = []Backend{
	{"sqlite", SQLite},
	{"postgres", Postgres},
	{"sqlite-api", func(t testing.TB) *Env { return withAPI(SQLite(t)) }},
	{"postgres-api", func(t testing.TB) *Env { return withAPI(Postgres(t)) }},
}

// Each runs fn once per backend as a subtest: the same story gives the
// same output on the database and through the API.
func Each(t *testing.T, fn func(t *testing.T, e *Env)) {
	for _, b := range Backends {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.New(t)) })
	}
}

// EachLocal is Each on the database only: for commands that have no API,
// and stories that the API's own tokens would change (token lists).
func EachLocal(t *testing.T, fn func(t *testing.T, e *Env)) {
	for _, b := range Backends[:2] {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.New(t)) })
	}
}

func withAPI(e *Env) *Env {
	e.API = true
	return e
}

// token starts the API server over the Env's database when it is not
// running, and makes a token for login; "" when login cannot have one.
func (e *Env) token(login string) string {
	e.T.Helper()
	ctx := context.Background()
	if e.store == nil {
		if !strings.HasPrefix(e.DSN, "postgres") {
			if _, err := os.Stat(e.DSN); err != nil {
				return "" // the first command creates the database
			}
		}
		s, err := mailstore.Open(ctx, e.DSN, mailstore.WithClock(e.Clock.Now))
		if err != nil {
			e.T.Fatal(err)
		}
		if v, err := s.SchemaVersion(ctx); err != nil || v == 0 {
			s.Close()
			return ""
		}
		e.store = s
		e.server = httptest.NewServer(httpd.New(s, httpd.Config{Now: e.Clock.Now, Rate: 1e6, Burst: 1e6}))
		e.T.Cleanup(func() {
			e.server.Close()
			e.store.Close()
		})
	}
	_, secret, err := e.store.CreateToken(ctx, login, login, "clitest", time.Time{})
	if err != nil {
		return ""
	}
	return secret
}

// SQLite is an Env over a new SQLite file, not yet created: the first
// command creates and migrates it.
func SQLite(t testing.TB) *Env {
	t.Helper()
	return &Env{T: t, DSN: filepath.Join(t.TempDir(), "sak.db"), Clock: &Clock{}, As: "root"}
}

// Postgres is an Env over a new, migrated PostgreSQL schema.
func Postgres(t testing.TB) *Env {
	t.Helper()
	e := &Env{T: t, DSN: PostgresDSN(t), Clock: &Clock{}, As: "root"}
	e.MustRun("db", "migrate")
	e.Clock = &Clock{} // as on SQLite, where the first command migrates
	return e
}

// Result is what one command did.
type Result struct {
	Out  string
	Err  string
	Code int
}

// Factory makes a Factory as a fresh sak process over the Env would have:
// test streams, the Env's database and clock, times in UTC.
func (e *Env) Factory(as string) (f *cmdutil.Factory, stdout, stderr *bytes.Buffer) {
	ios, stdout, stderr := cmdutil.TestStreams()
	f = &cmdutil.Factory{
		IOStreams: ios,
		DB:        e.DSN,
		DBGiven:   true,
		As:        as,
		Output:    cmdutil.OutputTable,
		Now:       e.Clock.Now,
		Location:  time.UTC,
	}
	if e.API && as != "" {
		if tok := e.token(as); tok != "" {
			f.Server, f.Token, f.User = e.server.URL, tok, as
		}
	}
	return f, stdout, stderr
}

// Exec runs sak with args as the given user, feeding stdin.
func (e *Env) Exec(as, stdin string, args ...string) Result {
	e.Clock.Advance()
	f, stdout, stderr := e.Factory(as)
	f.IOStreams.In = strings.NewReader(stdin)
	code := cli.Run(context.Background(), f, args)
	out := stdout.String()
	if f.Server != "" {
		// What came through the API is recorded so; the one difference.
		out = strings.ReplaceAll(out, `"via": "api"`, `"via": "cli"`)
	}
	return Result{Out: out, Err: stderr.String(), Code: code}
}

// Run runs sak with args as e.As.
func (e *Env) Run(args ...string) Result { return e.Exec(e.As, "", args...) }

// RunAs runs sak with args as the given user.
func (e *Env) RunAs(as string, args ...string) Result { return e.Exec(as, "", args...) }

// MustRun runs sak with args as e.As and fails the test unless it exits 0.
func (e *Env) MustRun(args ...string) string {
	e.T.Helper()
	return e.MustRunAs(e.As, args...)
}

// MustRunAs runs sak with args as the given user and fails the test unless
// it exits 0.
func (e *Env) MustRunAs(as string, args ...string) string {
	e.T.Helper()
	r := e.Exec(as, "", args...)
	if r.Code != 0 {
		e.T.Fatalf("sak %s (as %s): exit %d, stderr %q", strings.Join(args, " "), as, r.Code, r.Err)
	}
	return r.Out
}

// Refusals runs each command, its user first, and fails the test when one
// exits 0: "(user: args) stderr" for each, as a golden file shows them.
func (e *Env) Refusals(cmds [][]string) []string {
	e.T.Helper()
	var out []string
	for _, c := range cmds {
		r := e.RunAs(c[0], c[1:]...)
		if r.Code == 0 {
			e.T.Errorf("%v as %s: exit 0, want a refusal", c[1:], c[0])
		}
		out = append(out, "("+c[0]+": "+strings.Join(c[1:], " ")+") "+r.Err)
	}
	return out
}

// JSON runs sak with args and -o json as the given user and decodes the
// output into v.
func (e *Env) JSON(as string, v any, args ...string) {
	e.T.Helper()
	out := e.MustRunAs(as, append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		e.T.Fatalf("sak %s -o json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Seed sets up a small organisation: sysadmin root; caseworkers alice and
// bob on support, carol on it-help; mona manages support and walt watches
// it; and three tickets: 1 and 2 in support, 3 in it-help.
func (e *Env) Seed() {
	e.T.Helper()
	e.MustRun("user", "add", "root", "--email", "root@example.org", "--name", "Root", "--sysadmin")
	for _, u := range [][2]string{{"alice", "Alice Liddell"}, {"bob", "Bob Dylan"}, {"carol", "Carol Danvers"}, {"mona", "Mona Lisa"}, {"walt", "Walt Whitman"}} {
		e.MustRun("user", "add", u[0], "--email", u[0]+"@example.org", "--name", u[1])
	}
	e.MustRun("queue", "create", "support", "--address", "support@example.org", "--description", "General support")
	e.MustRun("queue", "create", "it-help", "--address", "it-help@example.org", "--tag", "IT", "--description", "IT helpdesk")
	e.MustRun("queue", "grant", "support", "alice", "--role", "caseworker")
	e.MustRun("queue", "grant", "support", "bob", "--role", "caseworker")
	e.MustRun("queue", "grant", "it-help", "carol", "--role", "caseworker")
	e.MustRun("queue", "grant", "support", "mona", "--role", "manager")
	e.MustRun("queue", "grant", "support", "walt", "--role", "watcher")
	e.MustRunAs("alice", "ticket", "create", "--queue", "support", "--requestor", "Pat <pat@example.com>", "--subject", "Printer on fire", "-m", "It burns.\nPlease help.")
	e.MustRunAs("bob", "ticket", "create", "--queue", "support", "--requestor", "kim@example.com", "--requestor", "lee@example.com", "--subject", "Lab access for two new students who start on Monday next week", "-m", "Room 101.")
	e.MustRunAs("carol", "ticket", "create", "--queue", "it-help", "--requestor", "pat@example.com", "--subject", "VPN down")
}

// Golden compares got with the file at path, or rewrites the file under
// -update.
func Golden(t testing.TB, path string, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// PostgresDSN makes a schema of its own for the test in the database named
// by SAK_TEST_POSTGRES and returns a DSN that uses it (storetest's).
func PostgresDSN(t testing.TB) string {
	t.Helper()
	return storetest.PostgresDSN(t)
}

// LazyReader reads what Next gives, and a newline, at its first Read: a
// login code that exists only once the command has asked for it.
type LazyReader struct {
	Next func() string
	r    io.Reader
}

func (l *LazyReader) Read(p []byte) (int, error) {
	if l.r == nil {
		l.r = strings.NewReader(l.Next() + "\n")
	}
	return l.r.Read(p)
}
