package mailstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ClaimOutbox takes up to limit rows that are due for sending and leases
// them to the caller until now+lease: they are marked 'sending', so that
// no other worker (another sak serve on the same PostgreSQL) takes them.
// A row whose lease ran out (its worker died between sending and marking)
// is due again, so a crash re-sends at most the rows in flight. Each
// row's MailFrom is the return path to send it with: signed for the row
// (returnPath), or "" for the null reverse-path.
func (s *Store) ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]OutboxRow, error) {
	var rows []OutboxRow
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows = rows[:0]
		now := s.now()
		secret, err := s.replySecret(ctx, tx)
		if err != nil {
			return err
		}
		rs, err := tx.QueryContext(ctx, `SELECT id, COALESCE(ticket_id, 0), kind, msgid, mail_from, rcpt, attempts, created, `+outboxMail+` FROM outbox
			WHERE status IN ('pending', 'sending') AND next_attempt <= $1 ORDER BY next_attempt, id LIMIT $2`+s.d.skipLocked,
			micros(now), limit)
		if err != nil {
			return fmt.Errorf("claim outbox: %w", err)
		}
		defer rs.Close()
		for rs.Next() {
			var r OutboxRow
			var created int64
			var body []byte
			if err := rs.Scan(&r.ID, &r.TicketID, &r.Kind, &r.MessageID, &r.MailFrom, &r.Rcpt, &r.Attempts, &created, &r.Raw, &body); err != nil {
				return err
			}
			r.Raw = outboxRaw(r.Raw, body)
			if r.MailFrom != "" {
				r.MailFrom = returnPath(secret, r.MailFrom, r.ID)
			}
			r.Created, r.Status = fromMicros(created), "sending"
			rows = append(rows, r)
		}
		if err := rs.Err(); err != nil {
			return err
		}
		rs.Close()
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		if err := updateOutbox(ctx, tx, `status = 'sending', next_attempt = $1`, micros(now.Add(lease)), ids); err != nil {
			return fmt.Errorf("lease outbox rows: %w", err)
		}
		return nil
	})
	return rows, err
}

// updateOutbox sets the rows ids, if any, to what set says, $1 being arg.
func updateOutbox(ctx context.Context, tx *sql.Tx, set string, arg any, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE outbox SET `+set+` WHERE id IN (`+idList(ids)+`)`, arg)
	return err
}

// MarkSent records that the relay accepted the rows, in one transaction:
// a worker marks a whole batch at once, since a write of its own for each
// row contends with the deliveries' commits (on SQLite for its one lock).
// A row that bounced already (the relay's report can come back before
// the batch ends) stays failed.
func (s *Store) MarkSent(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'sent', sent = $1, attempts = attempts + 1, last_error = ''
			WHERE status <> 'failed' AND id IN (`+idList(ids)+`)`, micros(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("mark outbox rows sent: %w", err)
	}
	return nil
}

// MarkRetry records a transient failure and when to try again.
func (s *Store) MarkRetry(ctx context.Context, id int64, why string, next time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET status = 'pending', attempts = attempts + 1, last_error = $1, next_attempt = $2 WHERE id = $3`,
		why, micros(next), id)
	if err != nil {
		return fmt.Errorf("mark outbox row %d for retry: %w", id, err)
	}
	return nil
}

// MarkFailed records a permanent failure, on the outbox row and, as a
// send-failure transaction, on its ticket.
func (s *Store) MarkFailed(ctx context.Context, id int64, why string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var ticket sql.NullInt64
		var rcpt string
		err := tx.QueryRowContext(ctx, `SELECT ticket_id, rcpt FROM outbox WHERE id = $1`, id).Scan(&ticket, &rcpt)
		if err != nil {
			return fmt.Errorf("read outbox row %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $1 WHERE id = $2`, why, id); err != nil {
			return fmt.Errorf("mark outbox row %d failed: %w", id, err)
		}
		if !ticket.Valid {
			return nil
		}
		o := s.newOp(WithVia(ctx, "outbox"), tx)
		if err := o.lock(ticket.Int64); err != nil {
			return err
		}
		_, err = o.record(TxSendFailure, "", rcpt, why)
		return err
	})
}

// RetryOutbox makes failed or waiting rows due now: one row, or every
// unsent row when id is 0. It returns how many rows it requeued.
func (s *Store) RetryOutbox(ctx context.Context, id int64) (int, error) {
	q := `UPDATE outbox SET status = 'pending', next_attempt = $1 WHERE status IN ('pending', 'failed')`
	args := []any{micros(s.now())}
	if id != 0 {
		q += ` AND id = $2`
		args = append(args, id)
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("retry outbox: %w", err)
	}
	n, _ := res.RowsAffected()
	if n == 0 && id != 0 {
		return 0, refuse(ErrNotFound, "no unsent outbox row %d: see 'sak outbox list'", id)
	}
	return int(n), nil
}

// OutboxStats is the backlog for monitoring.
type OutboxStats struct {
	Pending int       `json:"pending"`
	Failed  int       `json:"failed"`
	Oldest  time.Time `json:"oldest_pending"`
}

// OutboxBacklog counts unsent rows and finds the oldest.
func (s *Store) OutboxBacklog(ctx context.Context) (*OutboxStats, error) {
	var st OutboxStats
	var oldest sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN status IN ('pending', 'sending') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0),
		MIN(CASE WHEN status IN ('pending', 'sending') THEN created END) FROM outbox`).Scan(&st.Pending, &st.Failed, &oldest)
	if err != nil {
		return nil, fmt.Errorf("read outbox backlog: %w", err)
	}
	if oldest.Valid {
		st.Oldest = fromMicros(oldest.Int64)
	}
	return &st, nil
}

// pruneStep is how many outbox rows one transaction of PruneOutbox
// removes: a running daemon's deliveries wait for each step's write lock
// on SQLite, never for the whole prune.
const pruneStep = 500

// PruneOutbox removes the rows of mail sent before t, and the shared bodies
// no row names any more. The ticket keeps every message, and message_ids
// every Message-ID sak sent, so replies and bounces still thread; what
// goes is the copy of each mail as sent. Unsent and failed rows stay, and
// so does the newest row: SQLite numbers a new row one past the highest,
// and an outbox number must never come back (a late bounce to the signed
// return path of a pruned mail names it). Only sysadmins may. It returns
// how many rows it removed.
func (s *Store) PruneOutbox(ctx context.Context, actor string, before time.Time) (int, error) {
	if err := s.RequireSysadmin(ctx, actor, "prune the outbox"); err != nil {
		return 0, err
	}
	total := 0
	for {
		n := 0
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			n = 0 // a step run again counts again
			rows, err := tx.QueryContext(ctx, `SELECT id, COALESCE(body_id, 0) FROM outbox WHERE status = 'sent' AND sent < $1
				AND id < (SELECT MAX(id) FROM outbox) ORDER BY id LIMIT $2`,
				micros(before), pruneStep)
			if err != nil {
				return err
			}
			var last int64
			var bodies []int64
			for rows.Next() {
				var body int64
				if err := rows.Scan(&last, &body); err != nil {
					rows.Close()
					return err
				}
				n++
				if body != 0 {
					bodies = append(bodies, body)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
			// The same rows: the first of those sent before t, to the last id read.
			if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE status = 'sent' AND sent < $1 AND id <= $2
				AND id < (SELECT MAX(id) FROM outbox)`, micros(before), last); err != nil {
				return err
			}
			if len(bodies) == 0 {
				return nil
			}
			_, err = tx.ExecContext(ctx, `DELETE FROM outbox_bodies WHERE id IN (`+idList(bodies)+`)
				AND NOT EXISTS (SELECT 1 FROM outbox WHERE body_id = outbox_bodies.id)`)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("prune outbox: %w", err)
		}
		total += n
		if n < pruneStep {
			return total, nil
		}
	}
}
