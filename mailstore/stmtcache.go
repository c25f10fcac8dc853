package mailstore

import (
	"context"
	"database/sql"
	"sync"
)

// Prepared statements. Preparing a statement costs more than running it
// (BENCHMARKS.md, "What profiling found"). The store prepares each query
// text once; database/sql then keeps it prepared on
// every connection that has run it, and a transaction reuses it there.

type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (s *Store) prepared(ctx context.Context, query string) *sql.Stmt {
	if s.d.remote {
		// pgx prepares each query text once per connection by itself
		// (its statement cache), and a statement prepared through
		// database/sql would bypass the pipelined transactions
		// (pipeline.go).
		return nil
	}
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	if st, ok := s.stmts.m[query]; ok {
		return st
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // run it unprepared: the error shows there
	}
	if s.stmts.m == nil {
		s.stmts.m = map[string]*sql.Stmt{}
	}
	s.stmts.m[query] = st
	return st
}

// cachedTx runs a transaction's queries through the prepared statements.
type cachedTx struct {
	tx *sql.Tx
	s  *Store
}

func (c cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.s.prepared(ctx, query); st != nil {
		return c.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return c.tx.ExecContext(ctx, query, args...)
}

func (c cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.s.prepared(ctx, query); st != nil {
		return c.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return c.tx.QueryContext(ctx, query, args...)
}

func (c cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.s.prepared(ctx, query); st != nil {
		return c.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return c.tx.QueryRowContext(ctx, query, args...)
}

func (s *Store) closeStmts() {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	for _, st := range s.stmts.m {
		st.Close()
	}
	s.stmts.m = nil
}

// cachedDB runs queries outside a transaction through the prepared
// statements. It serves the look-ups of mail delivery before the 250, so
// its statements run under shortCtx.
type cachedDB struct{ s *Store }

// shortCtx is ctx for the short statements of mail delivery: the group
// commit's and the look-ups before the 250. On SQLite (dialect
// detachShort) it keeps ctx's values but not its deadline or
// cancellation: given a context that can end, the driver starts a
// goroutine to watch it for every statement, and database/sql another for
// every query, which under load cost the committer much of its CPU
// (BENCHMARKS.md). Such a statement cannot hang on SQLite: a read never
// waits for the writer, and a wait for the write lock ends after the busy
// timeout. On PostgreSQL ctx is kept whole: it also bounds a statement
// waiting on the network or on another transaction's lock.
func (s *Store) shortCtx(ctx context.Context) context.Context {
	if s.d.detachShort {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (c cachedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = c.s.shortCtx(ctx)
	if st := c.s.prepared(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.s.db.ExecContext(ctx, query, args...)
}

func (c cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = c.s.shortCtx(ctx)
	if st := c.s.prepared(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.s.db.QueryContext(ctx, query, args...)
}

func (c cachedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = c.s.shortCtx(ctx)
	if st := c.s.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.s.db.QueryRowContext(ctx, query, args...)
}
