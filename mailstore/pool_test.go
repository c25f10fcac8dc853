package mailstore_test

import (
	"context"
	"database/sql"
	"testing"

	"sak/mailstore/storetest"
)

// TestPoolKeepsItsConnections: a connection the pool closes when it comes
// back, because more are idle than the pool keeps, must be opened again
// for the next burst; on PostgreSQL that is a new backend process, which
// reads its catalogs and prepares every statement again. The pool keeps
// every connection it may open.
func TestPoolKeepsItsConnections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		db := open(t).DB()
		ctx := context.Background()
		n := db.Stats().MaxOpenConnections
		if n == 0 {
			t.Fatal("the pool has no bound on open connections")
		}
		// Take every connection at once, as a burst of sessions and
		// committers does, and give them all back.
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
		st := db.Stats()
		if st.MaxIdleClosed != 0 || st.Idle != n {
			t.Errorf("after %d connections came back: %d idle, %d closed for the idle limit; want %d and 0", n, st.Idle, st.MaxIdleClosed, n)
		}
	})
}
