package mailstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Pipelined transactions on PostgreSQL. In production the database is on
// machines of its own and every round trip costs a network's delay; a
// delivery is a dozen statements, most of them INSERTs whose answer
// nobody reads. A transaction begun under a pipelined ctx (the group
// commit's) sends its BEGIN with its first query, and each statement run
// with ExecContext waits, unsent, for the next query or the COMMIT, which
// carries it in the same round trip (pgx's batch: one write, one Sync).
//
// What changes for the statements' callers: an Exec's error shows at the
// next query, at the COMMIT, or when its RowsAffected is read (which
// sends it at once). Every error aborts a PostgreSQL transaction anyway,
// so the transaction fails as it would have; only which statement reports
// it moves. A delivery whose failure must be undone alone runs under a
// savepoint in a transaction that is not pipelined (groupcommit.go).

// pipelineKey marks a ctx whose transactions are pipelined.
type pipelineKey struct{}

// pipelined returns ctx marked so that a transaction begun under it is
// pipelined.
func pipelined(ctx context.Context) context.Context {
	return context.WithValue(ctx, pipelineKey{}, true)
}

// errNotCommitted marks a COMMIT that failed before it reached the
// server, or that the server skipped because a statement sent with it
// failed: nothing was committed.
var errNotCommitted = errors.New("not committed")

// pipeConnector opens pgx's database/sql connections wrapped in pipeConn.
type pipeConnector struct{ inner driver.Connector }

// Its sessions run without PostgreSQL's JIT unless the DSN says jit=on:
// sak's queries are short, and a statistics query over a large queue
// spent 190 of its 820 ms compiling (BENCHMARKS.md, issue 23).
func newPipeConnector(dsn string) (driver.Connector, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = "off"
	}
	return pipeConnector{stdlib.GetConnector(*cfg)}, nil
}

func (c pipeConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pipeConn{Conn: dc.(*stdlib.Conn)}, nil
}

func (c pipeConnector) Driver() driver.Driver { return c.inner.Driver() }

// pipeConn is pgx's connection; in a pipelined transaction its Exec waits
// and its Query carries what waits.
type pipeConn struct {
	*stdlib.Conn
	tx *pipeTx // the pipelined transaction in progress
}

type pipeTx struct {
	c       *pipeConn
	ctx     context.Context
	begin   bool // BEGIN not yet sent
	waiting []*waitingExec
}

type waitingExec struct {
	sql  string
	args []any
	tag  pgconn.CommandTag
	err  error
	sent bool
}

func (c *pipeConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.tx = nil // a transaction's end clears it; a new one never inherits it
	if ctx.Value(pipelineKey{}) == nil || opts != (driver.TxOptions{}) {
		return c.Conn.BeginTx(ctx, opts)
	}
	if c.Conn.Conn().IsClosed() {
		return nil, driver.ErrBadConn
	}
	c.tx = &pipeTx{c: c, ctx: ctx, begin: true}
	return c.tx, nil
}

func (c *pipeConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.tx == nil {
		return c.Conn.ExecContext(ctx, query, args)
	}
	w := &waitingExec{sql: query, args: plainArgs(args)}
	c.tx.waiting = append(c.tx.waiting, w)
	return lazyResult{t: c.tx, w: w, ctx: ctx}, nil
}

func (c *pipeConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	t := c.tx
	if t == nil || (!t.begin && len(t.waiting) == 0) {
		return c.Conn.QueryContext(ctx, query, args)
	}
	br, err := t.send(ctx, query, plainArgs(args))
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	// Read the first row now, as pgx's own driver does, so that an error
	// shows here rather than at the first Next.
	r := &pipeRows{br: br, rows: rows, preloaded: true}
	r.more = rows.Next()
	if err := rows.Err(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// send sends what waits (BEGIN first when it is due), and then extra when
// it is not "", in one batch, and reads the answers to what waited. With
// extra, the batch's remaining answer is extra's, for the caller to read.
func (t *pipeTx) send(ctx context.Context, extra string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	begin := t.begin
	if begin {
		b.Queue("BEGIN")
	}
	for _, w := range t.waiting {
		b.Queue(w.sql, w.args...)
	}
	if extra != "" {
		b.Queue(extra, args...)
	}
	waiting := t.waiting
	t.begin, t.waiting = false, nil
	br := t.c.Conn.Conn().SendBatch(ctx, b)
	fail := func(err error) (pgx.BatchResults, error) {
		br.Close()
		return nil, err
	}
	if begin {
		if _, err := br.Exec(); err != nil {
			return fail(fmt.Errorf("begin: %w", err))
		}
	}
	for _, w := range waiting {
		w.tag, w.err = br.Exec()
		w.sent = true
		if w.err != nil {
			return fail(w.err)
		}
	}
	return br, nil
}

// flush sends what waits, alone.
func (t *pipeTx) flush(ctx context.Context) error {
	if !t.begin && len(t.waiting) == 0 {
		return nil
	}
	br, err := t.send(ctx, "", nil)
	if err != nil {
		return err
	}
	return br.Close()
}

func (t *pipeTx) Commit() error {
	t.c.tx = nil
	if t.begin && len(t.waiting) == 0 {
		return nil // nothing was sent, nothing was done
	}
	if len(t.waiting) == 0 {
		_, err := t.c.Conn.Conn().Exec(t.ctx, "COMMIT")
		return err
	}
	br, err := t.send(t.ctx, "COMMIT", nil)
	if err != nil {
		var pe *pgconn.PgError
		switch {
		case errors.As(err, &pe):
			// The server refused a statement and skipped the COMMIT.
			t.c.Conn.Conn().Exec(t.ctx, "ROLLBACK")
			return fmt.Errorf("%w: %w", errNotCommitted, err)
		case pgconn.SafeToRetry(err):
			return fmt.Errorf("%w: %w", errNotCommitted, err) // nothing was sent
		}
		return err // the connection was lost: whether it committed is not known
	}
	_, err = br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

func (t *pipeTx) Rollback() error {
	t.c.tx = nil
	if t.begin {
		return nil // BEGIN was never sent
	}
	_, err := t.c.Conn.Conn().Exec(t.ctx, "ROLLBACK")
	return err
}

// lazyResult is the result of a statement that waits; reading it sends
// the statement (and what waits before it) at once.
type lazyResult struct {
	t   *pipeTx
	w   *waitingExec
	ctx context.Context
}

func (r lazyResult) LastInsertId() (int64, error) {
	return 0, errors.New("LastInsertId is not supported by PostgreSQL: use RETURNING")
}

func (r lazyResult) RowsAffected() (int64, error) {
	if !r.w.sent {
		if r.t.c.tx != r.t {
			return 0, errors.New("the transaction ended before the statement was sent")
		}
		if err := r.t.flush(r.ctx); err != nil && !r.w.sent {
			return 0, err
		}
	}
	if r.w.err != nil {
		return 0, r.w.err
	}
	return r.w.tag.RowsAffected(), nil
}

func plainArgs(nv []driver.NamedValue) []any {
	args := make([]any, len(nv))
	for i, v := range nv {
		args[i] = v.Value
	}
	return args
}

// pipeRows is a query's rows read from a batch, as database/sql wants
// them: database/sql's own value types.
type pipeRows struct {
	br        pgx.BatchResults
	rows      pgx.Rows
	names     []string
	preloaded bool
	more      bool
	closed    bool
}

func (r *pipeRows) Columns() []string {
	if r.names == nil {
		fields := r.rows.FieldDescriptions()
		r.names = make([]string, len(fields))
		for i, f := range fields {
			r.names[i] = f.Name
		}
	}
	return r.names
}

func (r *pipeRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.rows.Close()
	err := r.rows.Err()
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

func (r *pipeRows) Next(dest []driver.Value) error {
	more := r.more
	if r.preloaded {
		r.preloaded = false
	} else {
		more = r.rows.Next()
	}
	if !more {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	vals, err := r.rows.Values()
	if err != nil {
		return err
	}
	for i, v := range vals {
		// database/sql's own value types: int32 as int64, a numeric as
		// its Value, time.Time as it is.
		if dest[i], err = driver.DefaultParameterConverter.ConvertValue(v); err != nil {
			return fmt.Errorf("column %s: %w", r.Columns()[i], err)
		}
	}
	return nil
}
