package mailstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// CopyProgress is told of each table as CopyTo finishes it.
type CopyProgress func(table string, rows int64)

// CopyTo copies every row of s into dst, a PostgreSQL store of the same
// schema version with nothing in it yet: the move from the embedded
// SQLite store to a production database, and how a benchmark fills
// PostgreSQL with a generated store. Tables are copied in the order their
// foreign keys need, with PostgreSQL's COPY, in one transaction: dst has
// all of s or nothing. Columns PostgreSQL computes itself (the search
// vectors) are computed as the rows arrive; the id sequences are moved
// past the copied ids; the planner's statistics are gathered at the end.
func (s *Store) CopyTo(ctx context.Context, dst *Store, progress CopyProgress) error {
	if dst.d.name != "postgres" {
		return refuse(ErrInvalid, "a store is copied to PostgreSQL (got %s)", dst.d.name)
	}
	for _, st := range []*Store{s, dst} {
		v, err := st.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		if v != st.CodeVersion() {
			return refuse(ErrInvalid, "%s has schema version %d, this sak %d: run 'sak db migrate' on it first", st.dsn, v, st.CodeVersion())
		}
	}
	var n int
	if err := dst.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM queues) + (SELECT COUNT(*) FROM tickets)`).Scan(&n); err != nil {
		return fmt.Errorf("look into %s: %w", dst.dsn, err)
	}
	if n > 0 {
		return refuse(ErrConflict, "%s holds users, queues or tickets already: copy into an empty database", dst.dsn)
	}
	conn, err := dst.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*pipeConn).Conn.Conn()
		tables, err := copyOrder(ctx, pc)
		if err != nil {
			return err
		}
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		// The triggers that fill tables from others (Message-IDs from
		// messages) are off while the rows they made arrive as they were.
		for _, t := range tables {
			if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{t.name}.Sanitize()+` DISABLE TRIGGER USER`); err != nil {
				return fmt.Errorf("copy table %s: %w", t.name, err)
			}
		}
		// Except the one that makes a mail's search vector of the text
		// folded in Go (migration 25): the rows arrive without one.
		if _, err := tx.Exec(ctx, `DO $$ BEGIN
			IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'messages_fts' AND tgrelid = 'messages'::regclass) THEN
				ALTER TABLE messages ENABLE TRIGGER messages_fts;
			END IF; END $$`); err != nil {
			return fmt.Errorf("copy table messages: %w", err)
		}
		for _, t := range tables {
			if t.name == "schema_migrations" {
				continue
			}
			rows, err := s.copyRows(ctx, tx, t)
			if err != nil {
				return fmt.Errorf("copy table %s: %w", t.name, err)
			}
			if progress != nil {
				progress(t.name, rows)
			}
		}
		for _, t := range tables {
			if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{t.name}.Sanitize()+` ENABLE TRIGGER USER`); err != nil {
				return fmt.Errorf("copy table %s: %w", t.name, err)
			}
		}
		// Sequences past the copied ids.
		seqs, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'`)
		if err != nil {
			return err
		}
		var cols [][2]string
		for seqs.Next() {
			var c [2]string
			if err := seqs.Scan(&c[0], &c[1]); err != nil {
				return err
			}
			cols = append(cols, c)
		}
		if err := seqs.Err(); err != nil {
			return err
		}
		for _, c := range cols {
			q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'), GREATEST((SELECT COALESCE(MAX(%s), 0) FROM %s), 1), (SELECT COUNT(*) > 0 FROM %s))`, c[0], c[1], c[1], c[0], c[0])
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("move the sequence of %s.%s: %w", c[0], c[1], err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		// Rows that arrive by COPY leave the planner without statistics
		// until autovacuum gets to the tables: a search on a fresh copy
		// planned its phrase over every mail and took seconds. ANALYZE
		// reads a sample of each table, a few seconds at the seed scale.
		names := make([]string, len(tables))
		for i, t := range tables {
			names[i] = pgx.Identifier{t.name}.Sanitize()
		}
		if _, err := pc.Exec(ctx, `ANALYZE `+strings.Join(names, ", ")); err != nil {
			return fmt.Errorf("analyze the copied tables: %w", err)
		}
		return nil
	})
}

// copyTable is one table of the destination, with the columns rows are
// copied into and their types.
type copyTable struct {
	name  string
	cols  []string
	types []string // PostgreSQL's data_type of each column
}

// copyOrder lists the destination's tables, each after the tables its
// foreign keys name, with the columns it stores (not those it computes).
func copyOrder(ctx context.Context, c *pgx.Conn) ([]copyTable, error) {
	rows, err := c.Query(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_generated = 'NEVER'
		AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, err
	}
	byName := map[string]*copyTable{}
	var names []string
	for rows.Next() {
		var t, col, typ string
		if err := rows.Scan(&t, &col, &typ); err != nil {
			return nil, err
		}
		ct := byName[t]
		if ct == nil {
			ct = &copyTable{name: t}
			byName[t] = ct
			names = append(names, t)
		}
		ct.cols = append(ct.cols, col)
		ct.types = append(ct.types, typ)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	deps := map[string][]string{}
	rows, err = c.Query(ctx, `SELECT DISTINCT cl.relname, fl.relname FROM pg_constraint k
		JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class fl ON fl.oid = k.confrelid
		WHERE k.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t, on string
		if err := rows.Scan(&t, &on); err != nil {
			return nil, err
		}
		if t != on { // a row naming a row of its own table is checked at the end of the COPY
			deps[t] = append(deps[t], on)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []copyTable
	state := map[string]int{} // 1: being visited, 2: done
	var visit func(string) error
	visit = func(t string) error {
		switch state[t] {
		case 1:
			return fmt.Errorf("the foreign keys of table %s go round in a circle", t)
		case 2:
			return nil
		}
		state[t] = 1
		for _, d := range deps[t] {
			if err := visit(d); err != nil {
				return err
			}
		}
		state[t] = 2
		if ct := byName[t]; ct != nil {
			out = append(out, *ct)
		}
		return nil
	}
	for _, t := range names {
		if err := visit(t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// copyRows copies the rows of table t from s into tx with COPY, in the
// order of the table's first column. A column s does not have stays at
// its default; a table s does not have stays empty.
func (s *Store) copyRows(ctx context.Context, tx pgx.Tx, t copyTable) (int64, error) {
	have, err := s.columns(ctx, t.name)
	if err != nil {
		return 0, err
	}
	var cols, types []string
	for i, c := range t.cols {
		if have[c] {
			cols, types = append(cols, c), append(types, t.types[i])
		}
	}
	if len(cols) == 0 {
		return 0, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+t.name+` ORDER BY 1`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	scanned := len(cols)
	src := &copySource{rows: rows, types: types, fold: -1}
	// A mail's text folded in Go, of which the destination's trigger
	// makes its search vector (migration 25): one more value than read.
	if t.name == "messages" && slices.Contains(t.cols, "fold_text") && !have["fold_text"] {
		if src.fold = slices.Index(cols, "text"); src.fold >= 0 {
			cols = append(cols, "fold_text")
		}
	}
	src.vals, src.ptrs = make([]any, len(cols)), make([]any, scanned)
	for i := range src.ptrs {
		src.ptrs[i] = &src.vals[i]
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, cols, src)
	if err != nil {
		return n, err
	}
	return n, src.err
}

// columns is the set of columns of table in s, empty when s has no such
// table.
func (s *Store) columns(ctx context.Context, table string) (map[string]bool, error) {
	var q string
	if s.d.name == "sqlite" {
		q = `SELECT name FROM pragma_table_info($1)`
	} else {
		q = `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`
	}
	rows, err := s.db.QueryContext(ctx, q, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		have[c] = true
	}
	return have, rows.Err()
}

// copySource feeds COPY from rows of the source, each value converted to
// what its PostgreSQL column takes (SQLite keeps booleans as integers and
// may hand text as bytes).
type copySource struct {
	rows  *sql.Rows
	types []string
	vals  []any
	ptrs  []any // &vals[i], to scan into
	fold  int   // the text's column, folded into the last of vals; -1 for none
	err   error
}

func (c *copySource) Next() bool {
	if !c.rows.Next() {
		c.err = c.rows.Err()
		return false
	}
	if err := c.rows.Scan(c.ptrs...); err != nil {
		c.err = err
		return false
	}
	for i := range c.ptrs {
		c.vals[i] = copyValue(c.vals[i], c.types[i])
	}
	if c.fold >= 0 {
		text, _ := c.vals[c.fold].(string)
		c.vals[len(c.ptrs)] = pgFold(text)
	}
	return true
}

func (c *copySource) Values() ([]any, error) { return c.vals, nil }

func (c *copySource) Err() error { return c.err }

// copyValue converts v, as the source's driver gave it, for a PostgreSQL
// column of type typ.
func copyValue(v any, typ string) any {
	switch typ {
	case "boolean":
		switch x := v.(type) {
		case int64:
			return x != 0
		case string:
			return x == "1" || strings.EqualFold(x, "true")
		}
	case "text", "character varying":
		if b, ok := v.([]byte); ok {
			return string(b)
		}
	case "bytea":
		if s, ok := v.(string); ok {
			return []byte(s)
		}
	}
	return v
}
