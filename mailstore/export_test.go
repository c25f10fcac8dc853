package mailstore

import (
	"context"
	"database/sql"
)

// DeliverBatchCtx is Store.DeliverBatch with a context for each delivery.
func DeliverBatchCtx(ctxs []context.Context, s *Store, ins []*Incoming) ([]*Delivery, []error) {
	return s.deliverEach(ctxs, ins)
}

// SetSearchWindow sets searchWindow for a test, and puts it back after.
func SetSearchWindow(t interface{ Cleanup(func()) }, n int) {
	old := searchWindow
	searchWindow = n
	t.Cleanup(func() { searchWindow = old })
}

// NoteLost is Store.noteLost: what the store does on seeing err.
func (s *Store) NoteLost(err error) { s.noteLost(err) }

// FormatToken is the token string of 32 random bytes.
var FormatToken = formatToken

// Fold is fold.
var Fold = fold

// IndexedWords is how the store's full-text index holds each of words,
// alone: the words it makes of it, joined by spaces.
func IndexedWords(t interface {
	Helper()
	Fatal(...any)
}, s *Store, words []string) []string {
	t.Helper()
	ctx := context.Background()
	out := make([]string, len(words))
	if s.Dialect() == "postgres" {
		for i, w := range words {
			if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(string_agg(lexeme, ' '), '') FROM unnest(to_tsvector('simple', sak_fold($1)))`, w).Scan(&out[i]); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{
		`CREATE VIRTUAL TABLE temp.foldcheck USING fts5(x, content = '', tokenize = 'unicode61 remove_diacritics 2')`,
		`CREATE VIRTUAL TABLE temp.foldvocab USING fts5vocab(temp, foldcheck, 'instance')`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for i, w := range words {
		if _, err := conn.ExecContext(ctx, `INSERT INTO temp.foldcheck (rowid, x) VALUES ($1, `+sqliteFold("$2")+`)`, i+1, w); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := conn.QueryContext(ctx, `SELECT doc, term FROM temp.foldvocab ORDER BY doc, "offset"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var doc int
		var term string
		if err := rows.Scan(&doc, &term); err != nil {
			t.Fatal(err)
		}
		if out[doc-1] != "" {
			out[doc-1] += " "
		}
		out[doc-1] += term
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// MigrateTo migrates the store up to schema version v only, as an older
// sak would have.
func MigrateTo(ctx context.Context, s *Store, v int) error {
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied BIGINT NOT NULL)`); err != nil {
		return err
	}
	have, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	for _, m := range ms[have:v] {
		err := s.retryTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied) VALUES ($1, 0)`, m.version)
			return err
		}, false)
		if err != nil {
			return err
		}
	}
	return nil
}

// PGFold is pgFold.
var PGFold = pgFold
