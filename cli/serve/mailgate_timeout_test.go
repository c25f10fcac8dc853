package serve_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"sak/cli/clitest"
)

// TestMailgateTimeout: with another process holding SQLite's write lock,
// 'sak mailgate --timeout' gives up within its time with a temporary
// failure (75), instead of waiting out SQLite's own busy timeout.
func TestMailgateTimeout(t *testing.T) {
	e := clitest.SQLite(t)
	e.Seed()
	db, err := sql.Open("sqlite", "file:"+e.DSN+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK")

	msg := "From: kim@example.com\r\nTo: support@example.org\r\nSubject: Locked out\r\nMessage-ID: <locked@example.com>\r\n\r\nHi.\r\n"
	start := time.Now()
	r := e.Exec("root", msg, "mailgate", "--recipient", "support@example.org", "--timeout", "5s")
	took := time.Since(start)
	if r.Code != 75 {
		t.Errorf("mailgate under a held lock: exit %d, want 75 (%s)", r.Code, strings.TrimSpace(r.Err))
	}
	// SQLite's own wait is 10 s a statement, and a delivery's statements
	// each wait (a busy transaction is tried four times): --timeout 5s
	// once took 19 s, and 10 s while each statement waited half of it.
	if took > 6*time.Second {
		t.Errorf("mailgate --timeout 5s took %s under a held lock", took)
	}
}
