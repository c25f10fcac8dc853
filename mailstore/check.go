package mailstore

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Health is what 'sak db check' reports: the schema version against this
// binary's, the database's own integrity check, and the outbox backlog.
// Problems lists, one line each, what is wrong; empty means healthy.
type Health struct {
	Database      string       `json:"database"`
	Dialect       string       `json:"dialect"`
	SchemaVersion int          `json:"schema_version"`
	CodeVersion   int          `json:"code_version"`
	Integrity     []string     `json:"integrity"` // "ok", or what the check found
	Outbox        *OutboxStats `json:"outbox"`    // nil when it could not be read
	Problems      []string     `json:"problems"`
}

// OK reports whether nothing is wrong.
func (h *Health) OK() bool { return len(h.Problems) == 0 }

// maxIntegrityLines bounds what a damaged database makes Check report.
const maxIntegrityLines = 20

// Check inspects the database without changing it. On SQLite it runs
// PRAGMA integrity_check and PRAGMA foreign_key_check, which read every
// page: minutes on a database of many gigabytes. On PostgreSQL, whose
// storage checks itself, it runs cheap sanity queries: the core tables
// answer, and the server is not a read-only standby (a front end pointed
// at the replica after a failover that did not happen). An outbox row
// waiting longer than maxAge is a problem (relay down, no worker
// running); maxAge 0 leaves the age alone.
//
// The error is for a database that cannot be asked at all; anything the
// checks find goes into Problems.
func (s *Store) Check(ctx context.Context, maxAge time.Duration) (*Health, error) {
	h := &Health{Database: s.String(), Dialect: s.d.name, CodeVersion: s.CodeVersion(), Integrity: []string{}, Problems: []string{}}
	have, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	h.SchemaVersion = have
	if err := s.CheckVersion(have); err != nil {
		h.Problems = append(h.Problems, err.Error())
	}
	if err := s.d.check(s, ctx, h, have > 0); err != nil {
		h.Problems = append(h.Problems, err.Error())
	}
	if have == 0 {
		return h, nil
	}
	if err := s.checkQueueAddresses(ctx, h); err != nil {
		h.Problems = append(h.Problems, err.Error())
	}
	st, err := s.OutboxBacklog(ctx)
	if err != nil {
		h.Problems = append(h.Problems, err.Error())
		return h, nil
	}
	h.Outbox = st
	if maxAge > 0 && !st.Oldest.IsZero() {
		if age := s.now().Sub(st.Oldest); age > maxAge {
			h.Problems = append(h.Problems, fmt.Sprintf("the oldest unsent outbox row waits for %s (more than %s): is the relay reachable and a 'sak serve --relay' running?", age.Round(time.Second), maxAge))
		}
	}
	return h, nil
}

// checkQueueAddresses names each address of an enabled queue that mail
// cannot reach (one made before cleanQueueAddress refused them).
func (s *Store) checkQueueAddresses(ctx context.Context, h *Health) error {
	rows, err := s.db.QueryContext(ctx, `SELECT name, address, comment_address FROM queues WHERE disabled = FALSE ORDER BY name`)
	if err != nil {
		return fmt.Errorf("read queue addresses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, addr, comment string
		if err := rows.Scan(&name, &addr, &comment); err != nil {
			return fmt.Errorf("read queue addresses: %w", err)
		}
		for _, a := range []string{addr, comment} {
			if _, err := cleanQueueAddress(a); err != nil {
				h.Problems = append(h.Problems, fmt.Sprintf("queue %s: %v", name, err))
			}
		}
	}
	return rows.Err()
}

func (s *Store) checkSQLite(ctx context.Context, h *Health) error {
	lines, err := s.pragmaLines(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(lines) != 1 || lines[0] != "ok" {
		h.Problems = append(h.Problems, "integrity check failed: "+strings.Join(lines, "; "))
	}
	fk, err := s.pragmaLines(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	if len(fk) > 0 {
		h.Problems = append(h.Problems, fmt.Sprintf("foreign key check: %d rows point at missing parents: %s", len(fk), strings.Join(fk, "; ")))
		lines = append(lines, fk...)
	}
	h.Integrity = lines
	return nil
}

// pragmaLines runs a PRAGMA and joins each row's columns with spaces.
func (s *Store) pragmaLines(ctx context.Context, q string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var lines []string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		if len(lines) == maxIntegrityLines {
			lines = append(lines, "…")
			continue
		}
		if len(lines) > maxIntegrityLines {
			continue
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case []byte:
				parts[i] = string(v)
			case nil:
				parts[i] = "NULL"
			default:
				parts[i] = fmt.Sprint(v)
			}
		}
		lines = append(lines, strings.Join(parts, " "))
	}
	return lines, rows.Err()
}

func (s *Store) checkPostgres(ctx context.Context, h *Health, schema bool) error {
	var standby bool
	if err := s.db.QueryRowContext(ctx, `SELECT pg_is_in_recovery()`).Scan(&standby); err != nil {
		return fmt.Errorf("sanity query: %w", err)
	}
	if standby {
		h.Problems = append(h.Problems, "the server is a read-only standby (in recovery): point SAK_DB at the primary")
	}
	if schema {
		var n int
		err := s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM tickets LIMIT 1) t) + (SELECT COUNT(*) FROM (SELECT 1 FROM queues LIMIT 1) q)`).Scan(&n)
		if err != nil {
			return fmt.Errorf("sanity query: %w", err)
		}
	}
	h.Integrity = []string{"ok"}
	return nil
}
