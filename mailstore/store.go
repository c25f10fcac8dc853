package mailstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations
var migrations embed.FS

// dialect holds what differs between SQLite and PostgreSQL, so that no
// method asks which database it runs on. Queries are written once with $N
// placeholders, which both drivers accept.
type dialect struct {
	name   string // also the directory of its migrations
	driver string
	// forUpdate locks the rows a read-check-write operation reads. SQLite
	// needs none: its write transactions start with BEGIN IMMEDIATE and so
	// already exclude each other.
	forUpdate string
	// skipLocked lets several workers claim different rows of one table.
	skipLocked string
	// hasMigrations counts the schema_migrations tables (0 or 1) of the
	// current schema.
	hasMigrations string
	// migrateLock and migrateUnlock, run on one connection, keep two
	// processes from migrating at once; "" where the write lock does.
	migrateLock, migrateUnlock string
	// autoMigrate: a fresh database is migrated when a command first opens
	// it (a SQLite file on a fresh machine); otherwise only 'sak db migrate'
	// migrates.
	autoMigrate bool
	// committers is how many group committers deliver at once: SQLite has
	// one writer. PostgreSQL's deliver side by side, each on a connection
	// of its own: a delivery's statements wait on the network in turn, so
	// with the database on other machines more committers deliver more
	// (BENCHMARKS.md: 16 against 4 at a round trip of 0.83 ms, 224 -> 280
	// msg/s; the same on this machine's own PostgreSQL).
	committers int
	// remote: the database is reached over connections that can be lost
	// (a restart, a failover), so a lost one empties the pool (noteLost).
	remote bool
	// detachShort runs the short statements of mail delivery without
	// ctx's deadline (shortCtx).
	detachShort bool
	// ftsQueue: sak fills the full-text index from fts_queue before each
	// commit (indexQueued) and merges its segments (OptimizeSearch), as
	// SQLite's FTS5 needs; otherwise the database indexes each row itself.
	ftsQueue bool
	// search holds the full-text queries.
	search searchSQL
	// fixTicketSeq moves the ticket id sequence past explicitly written
	// ids; "" where the table follows them by itself.
	fixTicketSeq string
	// check adds the dialect's integrity and health findings to h;
	// schema says whether the database has sak's schema.
	check func(s *Store, ctx context.Context, h *Health, schema bool) error
	// contains is a condition format: its first string holds its second.
	contains string
	// foldInGo: a mail's insert hands its folded text (pgFold) to the
	// database, which makes the search vector of it (migration 25).
	foldInGo bool
	// nextIDs are three columns of a delivery's first look-up: the ids
	// its first transaction and first stored mail will have, and, when
	// the mail will make a new ticket ($7), the ticket's, taken from
	// their sequences so that their INSERTs need no answer and go with
	// the next statement that does (pipeline.go); NULLs where an INSERT
	// is no round trip.
	nextIDs string
	// lines is the aggregate of a column's values in the order its rows
	// come, a line each.
	lines string
}

var (
	sqliteDialect = dialect{
		name: "sqlite", driver: "sqlite", contains: "instr(%s, %s) > 0",
		hasMigrations: `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`,
		autoMigrate:   true, committers: 1, detachShort: true, ftsQueue: true, nextIDs: "NULL, NULL, CASE WHEN CAST($7 AS BOOLEAN) THEN NULL END",
		lines:  "group_concat(%[1]s, char(10))",
		search: sqliteSearch,
		check:  func(s *Store, ctx context.Context, h *Health, _ bool) error { return s.checkSQLite(ctx, h) },
	}
	postgresDialect = dialect{
		name: "postgres", driver: "pgx", forUpdate: " FOR UPDATE", skipLocked: " FOR UPDATE SKIP LOCKED", contains: "strpos(%s, %s) > 0",
		// to_regclass, not information_schema.tables, whose view costs
		// a new connection 10-20 ms of catalog reads: every command.
		hasMigrations: `SELECT CASE WHEN to_regclass(quote_ident(current_schema()) || '.schema_migrations') IS NULL THEN 0 ELSE 1 END`,
		migrateLock:   `SELECT pg_advisory_lock(7305873)`, migrateUnlock: `SELECT pg_advisory_unlock(7305873)`,
		committers: 16, remote: true, foldInGo: true, lines: "string_agg(%[1]s, E'\\n' ORDER BY %[1]s)",
		nextIDs: `nextval(pg_get_serial_sequence('transactions', 'id')), nextval(pg_get_serial_sequence('messages', 'id')),
			CASE WHEN CAST($7 AS BOOLEAN) AND NOT EXISTS (SELECT 1 FROM message_ids WHERE msgid = $1) THEN nextval(pg_get_serial_sequence('tickets', 'id')) END`,
		search:       postgresSearch,
		fixTicketSeq: `SELECT setval(pg_get_serial_sequence('tickets', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM tickets), 1))`,
		check:        (*Store).checkPostgres,
	}
)

// Store is sak's database. It is safe for concurrent use.
type Store struct {
	db  *sql.DB
	d   dialect
	log *slog.Logger
	now func() time.Time
	dsn string // for messages, password removed

	// At most autoReplyLimit auto-replies per sender in autoReplyWindow,
	// and ackCap a minute in all (0: no cap).
	autoReplyLimit  int
	autoReplyWindow time.Duration
	ackCap          int
	// The watchers get at most one new-ticket notice per sender in
	// notifyFold (0: one for every ticket).
	notifyFold time.Duration

	noSync      bool          // SQLite commits without fsync: bulk loads only
	busyTimeout time.Duration // SQLite: a shorter wait for a lock than DefaultBusyTimeout

	// loc is the time zone of the times mail shows and of digest times.
	loc              *time.Location
	templateFailures atomic.Int64
	systemAddr       string // From of mail about no ticket; see WithSystemAddress

	gc        committers // group commit of deliveries
	stmts     stmtCache
	templates templateCache // the queues' own templates (override)
	secret    atomic.Value  // []byte: the reply-address secret, once read
	queued    outboxNotify  // WithOutboxNotify
}

// Option configures Open.
type Option func(*Store)

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// DefaultBusyTimeout is how long a SQLite statement waits for another
// process's write lock before failing.
const DefaultBusyTimeout = 10 * time.Second

// WithBusyTimeout makes a SQLite statement wait at most d (when shorter
// than DefaultBusyTimeout) for another process's write lock: for a caller
// with a deadline of its own, as 'sak mailgate --timeout'. SQLite's wait
// does not see a context's deadline.
func WithBusyTimeout(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 && d < DefaultBusyTimeout {
			s.busyTimeout = d
		}
	}
}

// WithClock sets the clock used for every time the store records.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithAutoReplyLimit sets how many auto-replies one sender gets in a window
// (default 5 an hour); the tickets are created all the same.
func WithAutoReplyLimit(n int, window time.Duration) Option {
	return func(s *Store) { s.autoReplyLimit, s.autoReplyWindow = n, window }
}

// WithAutoReplyCap caps the auto-replies of the whole instance at n a
// minute (default 300; 0: no cap), against a flood of forged senders each
// under the per-sender limit (backscatter). Several front ends on one
// PostgreSQL share the cap.
func WithAutoReplyCap(n int) Option { return func(s *Store) { s.ackCap = n } }

// WithNotifyFold sets how long after a new-ticket notice to the watchers
// the next new tickets from the same sender are not announced one by one
// but listed in the next notice (default 10 minutes; 0: every one).
func WithNotifyFold(d time.Duration) Option { return func(s *Store) { s.notifyFold = d } }

// WithLocation sets the time zone of the times in the mail sak writes
// and of the caseworkers' digest times (default the local one).
func WithLocation(loc *time.Location) Option { return func(s *Store) { s.loc = loc } }

// WithoutSync makes SQLite commits return before they are on disk. It is
// for filling a store in bulk (benchmark data sets), never for serving
// mail: a crash loses the last commits.
func WithoutSync() Option { return func(s *Store) { s.noSync = true } }

// SQLitePath is the file of a SQLite DSN (a path, or sqlite:PATH); false
// for PostgreSQL's and anything else.
func SQLitePath(dsn string) (string, bool) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return "", false
	}
	p := strings.TrimPrefix(dsn, "sqlite:")
	return p, p != "" && !strings.Contains(p, "://")
}

// Open opens the store named by dsn: a file path or sqlite:PATH for SQLite,
// postgres://… or postgresql://… for PostgreSQL. It does not create or
// migrate the schema; call Migrate, or CheckSchema to verify it.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	s := &Store{log: slog.New(slog.DiscardHandler), now: time.Now, autoReplyLimit: 5, autoReplyWindow: time.Hour,
		ackCap: 300, notifyFold: 10 * time.Minute, loc: time.Local}
	for _, o := range opts {
		o(s)
	}
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s.d = postgresDialect
		s.dsn = redactDSN(dsn)
		connector, err := newPipeConnector(dsn)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", s.dsn, err)
		}
		s.db = sql.OpenDB(connector)
		s.db.SetMaxOpenConns(pgPool)
		s.db.SetMaxIdleConns(pgPool)
		s.db.SetConnMaxIdleTime(5 * time.Minute)
	default:
		p, ok := SQLitePath(dsn)
		if p == "" {
			return nil, refuse(ErrInvalid, "empty database path")
		}
		if !ok {
			return nil, refuse(ErrInvalid, "unsupported database %q: use a file path, sqlite:PATH or postgres://…", dsn)
		}
		s.d = sqliteDialect
		s.dsn = p
		if err := createPrivate(p); err != nil {
			return nil, err
		}
		busy := DefaultBusyTimeout
		if s.busyTimeout > 0 {
			busy = s.busyTimeout
		}
		s.db, err = sql.Open(s.d.driver, sqliteURL(p, !s.noSync, busy))
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", p, err)
		}
		// One writer at a time is SQLite's rule; a small pool serves the
		// concurrent readers that WAL allows. All of it stays open: a new
		// connection reads the schema and prepares its statements again,
		// which under load cost a sixth of the daemon's CPU when
		// database/sql's default kept only two idle.
		s.db.SetMaxOpenConns(8)
		s.db.SetMaxIdleConns(8)
		s.db.SetConnMaxIdleTime(time.Minute)
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("connect to %s: %w", s.dsn, err)
	}
	return s, nil
}

// sqliteURL sets what a daemon and CLI processes sharing one file need:
// WAL so readers never block the writer, a busy timeout instead of an
// immediate "database is locked", foreign keys, synchronous=FULL so that a
// commit that returned is on disk, and BEGIN IMMEDIATE so that a read-check-
// write transaction never fails half-way on a lock upgrade.
func sqliteURL(p string, durable bool, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	if durable {
		q.Add("_pragma", "synchronous(FULL)")
	} else {
		q.Add("_pragma", "synchronous(OFF)")
	}
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: p}).EscapedPath() + "?" + q.Encode()
}

// createPrivate creates the SQLite file readable by its owner only, before
// SQLite creates it with the umask's permissions.
func createPrivate(p string) error {
	if p == ":memory:" || strings.HasPrefix(p, "file:") {
		return nil
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open database %s: %w", p, err)
	}
	return f.Close()
}

// redactDSN removes a password from a PostgreSQL URL for messages and logs.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Close finishes the deliveries in flight and closes the database.
func (s *Store) Close() error {
	s.stopCommitters()
	s.closeStmts()
	return s.db.Close()
}

// Dialect names the database: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name }

// AutoMigrate reports whether a fresh database of this kind is migrated
// when a command first opens it (SQLite), rather than only by 'sak db
// migrate' (PostgreSQL).
func (s *Store) AutoMigrate() bool { return s.d.autoMigrate }

// DB gives the tests of other packages and the benchmarks raw access.
func (s *Store) DB() *sql.DB { return s.db }

// String names the database without its password.
func (s *Store) String() string { return s.d.name + ":" + s.dsn }

type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrations() ([]migration, error) {
	dir := path.Join("migrations", s.d.name)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("bad migration file name %s", e.Name())
		}
		b, err := migrations.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migrations for %s are not numbered 1..n: %s", s.d.name, m.name)
		}
	}
	return ms, nil
}

// SchemaVersionBuilt is the schema version this binary was built for
// ('sak version'); the same on both databases (a test keeps them
// numbered alike).
func SchemaVersionBuilt() int { return (&Store{d: sqliteDialect}).CodeVersion() }

// CodeVersion is the schema version this binary was built for.
func (s *Store) CodeVersion() int {
	ms, err := s.migrations()
	if err != nil {
		panic(err) // embedded at build time: a bad name is a build error
	}
	return len(ms)
}

// SchemaVersion is the version of the schema in the database; 0 for an
// empty database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var exists int
	if err := s.db.QueryRowContext(ctx, s.d.hasMigrations).Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if exists == 0 {
		return 0, nil
	}
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// CheckSchema returns an ErrSchema error naming both versions unless the
// database's schema is the one this binary was built for.
func (s *Store) CheckSchema(ctx context.Context) error {
	have, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	return s.CheckVersion(have)
}

// CheckVersion is CheckSchema for a schema version already read.
func (s *Store) CheckVersion(have int) error {
	want := s.CodeVersion()
	switch {
	case have == 0:
		return refuse(ErrSchema, "database %s has no sak schema (this sak needs version %d): run 'sak db migrate'", s, want)
	case have < want:
		return refuse(ErrSchema, "database schema version %d is older than this sak's version %d: run 'sak db migrate'", have, want)
	case have > want:
		return refuse(ErrSchema, "database schema version %d is newer than this sak's version %d: upgrade sak", have, want)
	}
	return nil
}

// Migrate brings the schema up to this binary's version, one migration per
// SQL transaction. It is idempotent, and refuses a newer schema.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	if s.d.migrateLock != "" {
		// Two processes migrating at once: the second waits for the first.
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, s.d.migrateLock); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.Background(), s.d.migrateUnlock)
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	have, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if have > len(ms) {
		return refuse(ErrSchema, "database schema version %d is newer than this sak's version %d: upgrade sak", have, len(ms))
	}
	for _, m := range ms[have:] {
		err := s.retryTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)`, m.version, micros(s.now()))
			return err
		}, false)
		if err != nil {
			return fmt.Errorf("migrate %s to version %d (%s): %w", s.d.name, m.version, m.name, err)
		}
		s.log.Info("migrated", "version", m.version, "file", m.name)
	}
	return nil
}

// inTx runs fn in a transaction and commits it, retrying a few times when
// the database reports a serialization failure, a deadlock or a busy lock,
// and on another connection when its connection was lost before COMMIT.
// What fn stored is in the search index when it commits (indexQueued).
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.retryTx(ctx, fn, true)
}

// retryTx is inTx; index false leaves out the search index, for the
// migrations that make it.
func (s *Store) retryTx(ctx context.Context, fn func(*sql.Tx) error, index bool) error {
	for attempt := 0; ; attempt++ {
		err := s.tryTx(ctx, fn, index)
		s.noteLost(err)
		switch {
		case err == nil || ctx.Err() != nil:
			return err
		case retryable(err) && attempt < 3:
			time.Sleep(time.Duration(attempt+1) * 20 * time.Millisecond)
		case lostBeforeCommit(err) && attempt < lostRetries:
			// At once, on another connection: noteLost closed
			// the idle ones, which were likely dead too.
		default:
			return err
		}
	}
}

// retryRead runs read, a look-up outside a transaction, again while it
// fails for a lost connection (at most lostRetries times), on another
// connection. The look-ups before a delivery's 250 use it, so that a
// restart or failover of PostgreSQL costs no 451 once it is back.
func (s *Store) retryRead(ctx context.Context, read func() error) error {
	err := read()
	s.noteLost(err)
	for attempt := 0; attempt < lostRetries && err != nil && lostBeforeCommit(err) && ctx.Err() == nil; attempt++ {
		err = read()
		s.noteLost(err)
	}
	return err
}

// pgPool is how many connections the PostgreSQL pool opens, and how many
// it keeps open while idle. Each connection closed and opened again costs
// PostgreSQL a new backend process, which reads its catalogs and prepares
// sak's statements again: when the pool kept 10 of 20, a daemon under load
// opened a connection every fifth of a second (BENCHMARKS.md). The 16
// committers hold one each while they deliver; the rest serve the look-ups
// before each 250, the outbox and the web.
const pgPool = 32

// lostRetries is how many times a transaction or a look-up runs again,
// each on another connection, after its connection was lost. noteLost
// empties the pool of idle connections at the first loss, so a caller
// meets few dead ones in a row; while PostgreSQL is down, a few quick
// tries end in an error (a delivery's 451) rather than a long wait.
const lostRetries = 3

// noteLost closes every idle connection of the PostgreSQL pool when err
// is the loss of a connection. After a restart or failover all of them are
// dead, and each would fail at its first use; the driver checks only those
// idle for a second or more, which under load none is. A live connection
// closed with them is opened again when needed. A statement that ran out
// of time loses its connection too (the driver closes it), but says
// nothing of the others.
func (s *Store) noteLost(err error) {
	if err == nil || !s.d.remote || !connectionLost(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return
	}
	s.db.SetMaxIdleConns(-1) // closes the idle connections
	s.db.SetMaxIdleConns(pgPool)
}

// commitError is the failure of a COMMIT that was sent.
type commitError struct{ error }

func (e commitError) Unwrap() error { return e.error }

// lostBeforeCommit reports whether err is the loss of a PostgreSQL
// connection (a restart, a failover, a terminated backend) before the
// transaction's COMMIT was sent: nothing was stored, so the transaction
// may run again on another connection. A COMMIT whose connection was lost
// may have committed; it is not run again, and its caller learns of the
// failure (a delivery answers 451, and the MTA's retry is found a
// duplicate if the commit did happen).
func lostBeforeCommit(err error) bool {
	var ce commitError
	return !errors.As(err, &ce) && connectionLost(err)
}

// connectionLost reports whether err is the loss of a PostgreSQL
// connection, whenever it happened.
func connectionLost(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08, connection exception; 57P01-57P03, the server shut
		// down or is starting.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &ne) || pgconn.SafeToRetry(err)
}

func (s *Store) tryTx(ctx context.Context, fn func(*sql.Tx) error, index bool) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	committed := false
	defer func() {
		s.queued.end(tx, committed)
		// A panic must not leave the transaction, and SQLite's write
		// lock, open on a pooled connection.
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if index {
		if err := s.indexQueued(ctx, tx); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		if errors.Is(err, errNotCommitted) {
			return fmt.Errorf("commit: %w", err) // as a failure before it
		}
		return fmt.Errorf("commit: %w", commitError{err})
	}
	committed = true
	return nil
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}
