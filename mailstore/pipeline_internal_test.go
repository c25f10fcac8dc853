package mailstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"sak/internal/tcpproxy"
)

// TestPipelinedTx: in a pipelined transaction on PostgreSQL, statements
// wait for the next query or the COMMIT and go with it in one round trip;
// a query sees what waited; a statement that fails fails the query or
// the COMMIT after it, nothing is committed, and the connection serves
// the next transaction.
func TestPipelinedTx(t *testing.T) {
	base := os.Getenv("SAK_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SAK_TEST_POSTGRES is not set under CI")
		}
		t.Skip("SAK_TEST_POSTGRES not set")
	}
	proxy, dsn, err := tcpproxy.StartURL(base, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	connector, err := newPipeConnector(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1) // every transaction on the one connection
	var b [6]byte
	rand.Read(b[:])
	table := "pipeline_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := db.Exec(`CREATE TABLE ` + table + ` (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec(`DROP TABLE ` + table) })
	count := func() int {
		t.Helper()
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	insert := `INSERT INTO ` + table + ` (id, n) VALUES ($1, $2)`
	pctx := pipelined(ctx)

	// Three statements, a query, one more and the COMMIT: two round
	// trips, once the connection has prepared the statements (the first
	// run, ids 101 to 103).
	var before int64
	for _, first := range []int{101, 1} {
		before = proxy.RoundTrips()
		tx, err := db.BeginTx(pctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for id := first; id < first+3; id++ {
			if _, err := tx.ExecContext(pctx, insert, id, 10); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := tx.QueryRowContext(pctx, `SELECT COUNT(*) FROM `+table+` WHERE id BETWEEN $1 AND $1 + 2`, first).Scan(&n); err != nil || n != 3 {
			t.Fatalf("the query after three waiting INSERTs counted %d, %v; want 3", n, err)
		}
		if _, err := tx.ExecContext(pctx, `UPDATE `+table+` SET n = n + 1 WHERE id > $1 AND id < 100`, first); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if got := proxy.RoundTrips() - before; got != 2 {
		t.Errorf("a pipelined transaction of 4 statements, a query and COMMIT took %d round trips, want 2", got)
	}
	if _, err := db.Exec(`DELETE FROM ` + table + ` WHERE id > 100`); err != nil {
		t.Fatal(err)
	}
	var sum int
	if err := db.QueryRow(`SELECT SUM(n) FROM ` + table).Scan(&sum); err != nil || sum != 32 {
		t.Errorf("after COMMIT: sum %d, %v; want 32", sum, err)
	}

	// RowsAffected sends what waits at once.
	var n int
	tx, _ := db.BeginTx(pctx, nil)
	res, _ := tx.ExecContext(pctx, `UPDATE `+table+` SET n = n + 1 WHERE id < 3`)
	if got, err := res.RowsAffected(); err != nil || got != 2 {
		t.Errorf("RowsAffected = %d, %v; want 2", got, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	// A failing statement fails the COMMIT it waited for: not committed.
	tx, _ = db.BeginTx(pctx, nil)
	tx.ExecContext(pctx, insert, 4, 1)
	tx.ExecContext(pctx, insert, 1, 1) // id 1 is taken
	err = tx.Commit()
	var pe *pgconn.PgError
	if !errors.Is(err, errNotCommitted) || !errors.As(err, &pe) || pe.Code != "23505" {
		t.Errorf("COMMIT after a duplicate key: %v; want errNotCommitted with 23505", err)
	}
	if got := count(); got != 3 {
		t.Errorf("after the failed COMMIT %d rows, want 3: row 4 must not be committed", got)
	}

	// A failing statement fails the query after it.
	tx, _ = db.BeginTx(pctx, nil)
	tx.ExecContext(pctx, insert, 2, 1)
	err = tx.QueryRowContext(pctx, `SELECT COUNT(*) FROM `+table).Scan(&n)
	if !errors.As(err, &pe) || pe.Code != "23505" {
		t.Errorf("query after a duplicate key: %v; want 23505", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Errorf("rollback after a failed statement: %v", err)
	}

	// What waits when the transaction is rolled back is never sent.
	tx, _ = db.BeginTx(pctx, nil)
	tx.ExecContext(pctx, insert, 5, 1)
	before = proxy.RoundTrips()
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := proxy.RoundTrips() - before; got != 0 {
		t.Errorf("rollback of a transaction that sent nothing took %d round trips", got)
	}
	if got := count(); got != 3 {
		t.Errorf("after rollback %d rows, want 3", got)
	}

	// A transaction not begun under a pipelined ctx sends each statement
	// at once: its errors show where they happen.
	tx, _ = db.BeginTx(ctx, nil)
	if _, err := tx.ExecContext(ctx, insert, 1, 1); !errors.As(err, &pe) || pe.Code != "23505" {
		t.Errorf("duplicate key outside a pipeline: %v; want 23505 from the INSERT", err)
	}
	tx.Rollback()
}

// postgresDSN is the test database's DSN and the separator that adds a
// parameter to it; it skips the test without one (and fails under CI).
func postgresDSN(t *testing.T) (string, string) {
	t.Helper()
	base := os.Getenv("SAK_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SAK_TEST_POSTGRES is not set under CI")
		}
		t.Skip("SAK_TEST_POSTGRES not set")
	}
	if strings.Contains(base, "?") {
		return base, "&"
	}
	return base, "?"
}

// TestPostgresJITOff: sak's sessions run without PostgreSQL's JIT, unless
// the DSN asks for it.
func TestPostgresJITOff(t *testing.T) {
	base, sep := postgresDSN(t)
	for dsn, want := range map[string]string{base: "off", base + sep + "jit=on": "on"} {
		connector, err := newPipeConnector(dsn)
		if err != nil {
			t.Fatal(err)
		}
		db := sql.OpenDB(connector)
		var got string
		err = db.QueryRow(`SHOW jit`).Scan(&got)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: jit = %s, want %s", dsn, got, want)
		}
	}
}

// TestSearchWorkMem: a search on PostgreSQL runs with work_mem raised to
// searchWorkMem, and a session's larger work_mem stays.
func TestSearchWorkMem(t *testing.T) {
	base, sep := postgresDSN(t)
	for dsn, want := range map[string]string{base + sep + "work_mem=4MB": "32MB", base + sep + "work_mem=64MB": "64MB"} {
		connector, err := newPipeConnector(dsn)
		if err != nil {
			t.Fatal(err)
		}
		s := &Store{db: sql.OpenDB(connector), d: postgresDialect}
		var got, after string
		err = s.withSearchMemory(context.Background(), func(q querier) error {
			return q.QueryRowContext(context.Background(), `SHOW work_mem`).Scan(&got)
		})
		if err == nil {
			err = s.db.QueryRow(`SHOW work_mem`).Scan(&after)
		}
		s.db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: a search ran with work_mem %s, want %s", dsn, got, want)
		}
		if after == "32MB" && want == "32MB" {
			t.Errorf("%s: work_mem stayed raised after the search", dsn)
		}
	}
}
