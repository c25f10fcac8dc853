package mailstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestPoolAfterFailover: the PostgreSQL pool keeps every connection it may
// open (one closed and opened again is a new backend, which prepares sak's
// statements again), and when PostgreSQL restarts or fails over, the whole
// pool of dead connections costs a delivery no error: its look-ups before
// the 250 and its transaction go through.
func TestPoolAfterFailover(t *testing.T) {
	dsn, app := storetest.PostgresDSNNamed(t)
	s := storetest.Open(t, dsn)
	desk := storetest.Desk(t, s)
	ctx := context.Background()

	// Take every connection at once, as a burst of sessions and
	// committers does, and give them all back; twice, so that each has
	// been in use within the last second, as under load, when the driver
	// does not check a connection it hands out.
	db := s.DB()
	n := db.Stats().MaxOpenConnections
	if n == 0 {
		t.Fatal("the pool has no bound on open connections")
	}
	for range 2 {
		conns := make([]*sql.Conn, n)
		for i := range conns {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.PingContext(ctx); err != nil {
				t.Fatal(err)
			}
			conns[i] = c
		}
		for _, c := range conns {
			c.Close()
		}
	}
	if st := db.Stats(); st.MaxIdleClosed != 0 || st.Idle != n {
		t.Fatalf("after %d connections came back: %d idle, %d closed for the idle limit; want %d and 0", n, st.Idle, st.MaxIdleClosed, n)
	}

	// A statement that ran out of time, or a refusal, says nothing of
	// the other connections: they stay.
	for _, err := range []error{
		fmt.Errorf("look up queue: %w", context.DeadlineExceeded),
		fmt.Errorf("deliver: %w", context.Canceled),
		&pgconn.PgError{Code: "40001"},
		mailstore.ErrConflict,
	} {
		s.NoteLost(err)
		if st := db.Stats(); st.Idle != n {
			t.Fatalf("after %v: %d connections idle, want %d", err, st.Idle, n)
		}
	}

	// PostgreSQL restarts: every pooled connection is dead.
	admin, err := sql.Open("pgx", os.Getenv("SAK_TEST_POSTGRES"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	killed, err := storetest.CutConnections(admin, app)
	if err != nil {
		t.Fatal(err)
	}
	if killed != n {
		t.Fatalf("terminated %d backends, want the pool's %d", killed, n)
	}

	// The look-ups of a delivery before its 250, then the delivery.
	if _, _, err := s.QueueByAddress(ctx, "support@example.org"); err != nil {
		t.Fatalf("queue look-up after the restart: %v", err)
	}
	if _, err := s.UserByEmail(ctx, "alice@example.org"); err != nil {
		t.Fatalf("user look-up after the restart: %v", err)
	}
	if _, err := s.Deliver(ctx, &mailstore.Incoming{
		Mail:   mailstore.Mail{Raw: []byte("Subject: Printer\r\n\r\nIt is broken.\r\n"), MessageID: "failover@example.com", From: "pat@example.com", Subject: "Printer"},
		Routes: []mailstore.Route{{Queue: desk}},
	}); err != nil {
		t.Fatalf("delivery after the restart: %v", err)
	}
}
