package mailstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"
)

// What 'sak import' keeps in the store besides the mail: how far into an
// archive a run came, so that the next run over the same archive starts
// there, and the closing of imported tickets nobody worked on.

const checkpointPrefix = "import-checkpoint:"

// ImportCheckpoint is the offset saved for an archive under key (its path,
// size and modification time), or 0.
func (s *Store) ImportCheckpoint(ctx context.Context, key string) (int64, error) {
	v, ok, err := getSetting(ctx, s.db, checkpointPrefix+key)
	if err != nil {
		return 0, fmt.Errorf("read import checkpoint: %w", err)
	}
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, nil // not ours to trust: start over, duplicates are skipped
	}
	return n, nil
}

// SetImportCheckpoint saves the offset an import of the archive under key
// has stored everything before. An offset of 0 or less removes it.
func (s *Store) SetImportCheckpoint(ctx context.Context, key string, offset int64) error {
	v := ""
	if offset > 0 {
		v = strconv.FormatInt(offset, 10)
	}
	if err := putSetting(ctx, s.db, checkpointPrefix+key, v); err != nil {
		return fmt.Errorf("save import checkpoint: %w", err)
	}
	return nil
}

// resolveBatch is how many tickets one transaction of ResolveImported
// resolves.
const resolveBatch = 200

// ResolveImported resolves the tickets of queue that came only from
// imports (every transaction on them was made via import: nobody has
// worked them in sak), are new, open or stalled, and whose newest
// transaction is before before. Each is resolved as of that newest
// transaction, via import, so that its history and times stay those of
// the archive. It returns how many it resolved.
func (s *Store) ResolveImported(ctx context.Context, queue string, before time.Time) (int, error) {
	q, err := queueByName(ctx, s.db, queue)
	if err != nil {
		return 0, err
	}
	const stale = `SELECT t.id FROM tickets t JOIN transactions x ON x.ticket_id = t.id
		WHERE t.queue_id = $1 AND t.status IN ('new', 'open', 'stalled') AND t.merged_into IS NULL
		GROUP BY t.id
		HAVING MAX(x.created) < $2 AND SUM(CASE WHEN x.via = 'import' THEN 0 ELSE 1 END) = 0
		ORDER BY t.id`
	rows, err := s.db.QueryContext(ctx, stale, q.ID, micros(before))
	if err != nil {
		return 0, fmt.Errorf("find stale imported tickets: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("find stale imported tickets: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("find stale imported tickets: %w", err)
	}
	ctx = WithVia(ctx, ViaImport)
	resolved := 0
	for len(ids) > 0 {
		batch := ids[:min(resolveBatch, len(ids))]
		ids = ids[len(batch):]
		n := 0
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			n = 0
			for _, id := range batch {
				ok, err := s.resolveImported(ctx, tx, id, micros(before))
				if err != nil {
					return err
				}
				if ok {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return resolved, err
		}
		resolved += n
	}
	return resolved, nil
}

// resolveImported resolves one ticket if, locked, it still qualifies.
func (s *Store) resolveImported(ctx context.Context, tx *sql.Tx, id, before int64) (bool, error) {
	o := s.newOp(ctx, tx)
	if err := o.lock(id); err != nil {
		return false, err
	}
	if o.t.id != id || o.t.status != StatusNew && o.t.status != StatusOpen && o.t.status != StatusStalled {
		return false, nil // merged or closed since
	}
	var newest sql.NullInt64
	var live int
	if err := o.tx.QueryRowContext(ctx, `SELECT MAX(created), COUNT(CASE WHEN via = 'import' THEN NULL ELSE 1 END) FROM transactions WHERE ticket_id = $1`, id).
		Scan(&newest, &live); err != nil {
		return false, fmt.Errorf("read history of ticket %d: %w", id, err)
	}
	if !newest.Valid || newest.Int64 >= before || live > 0 {
		return false, nil
	}
	o.now = newest.Int64
	return true, o.setStatus(StatusResolved)
}
