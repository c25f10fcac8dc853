// Package storetest opens throwaway stores for the tests of other packages:
// a SQLite file in the test's temporary directory, or a schema of its own
// in the PostgreSQL database named by SAK_TEST_POSTGRES.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"sak/mailstore"
)

// Opener opens a fresh, migrated store for a test.
type Opener func(t testing.TB, opts ...mailstore.Option) *mailstore.Store

// Each runs fn once per database: SQLite always, PostgreSQL when
// SAK_TEST_POSTGRES is set (and under CI=true, where a skip would hide a
// failure, it must be).
func Each(t *testing.T, fn func(t *testing.T, open Opener)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres) })
}

// SQLite opens a migrated store in a new file.
func SQLite(t testing.TB, opts ...mailstore.Option) *mailstore.Store {
	t.Helper()
	return Open(t, filepath.Join(t.TempDir(), "sak.db"), opts...)
}

// Postgres opens a migrated store in a schema of its own.
func Postgres(t testing.TB, opts ...mailstore.Option) *mailstore.Store {
	t.Helper()
	return Open(t, PostgresDSN(t), opts...)
}

// PostgresDSN creates a schema for the test and returns a DSN using it; the
// schema is dropped at cleanup. It skips without SAK_TEST_POSTGRES.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn, _ := PostgresDSNNamed(t)
	return dsn
}

// PostgresDSNNamed is PostgresDSN and the name its connections go by
// (application_name: the schema's, unique to the test), with which a test
// finds them in pg_stat_activity and cuts them, as a restart or failover
// of PostgreSQL would (CutConnections).
func PostgresDSNNamed(t testing.TB) (dsn, app string) {
	t.Helper()
	base := os.Getenv("SAK_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SAK_TEST_POSTGRES is not set under CI: the PostgreSQL tests must run")
		}
		t.Skip("SAK_TEST_POSTGRES not set")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "sak_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema
}

// CutConnections terminates the backend of every connection named app
// and returns how many there were; admin is a connection of another name.
func CutConnections(admin *sql.DB, app string) (int, error) {
	var n int
	err := admin.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n)
	return n, err
}

// Open opens and migrates the store at dsn, closing it at cleanup.
func Open(t testing.TB, dsn string, opts ...mailstore.Option) *mailstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := mailstore.Open(ctx, dsn, opts...)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// Desk fills a store with a small service desk: sysadmin root; queues
// support (support@example.org) and it-help (it-help@example.org, tag IT);
// caseworkers alice and bob on support, carol on it-help; watcher walt on
// support, told of new tickets (notify new). Both queues write English
// (the tests read sak's mail in it).
// It returns the support queue.
func Desk(t testing.TB, s *mailstore.Store) *mailstore.Queue {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.AddUser(ctx, "", mailstore.NewUser{Login: "root", Email: "root@example.org", Name: "Root", Sysadmin: true})
	must(err)
	for _, u := range []string{"alice", "bob", "carol", "walt"} {
		_, err := s.AddUser(ctx, "root", mailstore.NewUser{Login: u, Email: u + "@example.org", Name: u})
		must(err)
	}
	_, err = s.CreateQueue(ctx, "root", mailstore.NewQueue{Name: "support", Address: "support@example.org", Lang: mailstore.LangEN})
	must(err)
	_, err = s.CreateQueue(ctx, "root", mailstore.NewQueue{Name: "it-help", Address: "it-help@example.org", Tag: "IT", Lang: mailstore.LangEN})
	must(err)
	must(s.Grant(ctx, "root", "support", "alice", mailstore.RoleCaseworker))
	must(s.Grant(ctx, "root", "support", "bob", mailstore.RoleCaseworker))
	must(s.Grant(ctx, "root", "it-help", "carol", mailstore.RoleCaseworker))
	// walt hears of new tickets, not of every answer: the tests that
	// count an answer's copies count the requestors' and Ccs'.
	must(s.GrantRole(ctx, "root", "support", mailstore.RoleGrant{User: "walt", Role: mailstore.RoleWatcher, Notify: mailstore.NotifyNew}))
	q, err := s.Queue(ctx, "support")
	must(err)
	return q
}

// loginCodeRE finds the code in the Subject of a login code mail.
var loginCodeRE = regexp.MustCompile(`(?m)^Subject: [^\r\n]*?([0-9]{8})\r?$`)

// LoginCode is the code of the newest login code mail queued for rcpt,
// read from the outbox as the person would read it from their mailbox;
// "" when there is none.
func LoginCode(t testing.TB, s *mailstore.Store, rcpt string) string {
	t.Helper()
	ctx := context.Background()
	rows, err := s.Outbox(ctx, mailstore.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	code := ""
	for _, r := range rows {
		if r.Kind != mailstore.KindLoginCode || r.Rcpt != rcpt {
			continue
		}
		raw, err := s.OutboxRaw(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		m := loginCodeRE.FindSubmatch(raw)
		if m == nil {
			t.Fatalf("outbox row %d has no login code:\n%s", r.ID, raw)
		}
		code = string(m[1])
	}
	return code
}
