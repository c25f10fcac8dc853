package mailstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// TxPurge is the one transaction a purged ticket keeps: who purged it,
// when; nothing of what it held.
const TxPurge = "purge"

// Purge deletes what ticket id holds, for a request to erase personal
// data (GDPR art. 17): its mails, attachments and their search index
// rows, its history, people, watchers, links, reminders, the outbox rows
// and bodies of its mail (unsent mail is not sent), and quarantined mail
// released onto it; and the same of the tickets merged into it. What
// stays is a tombstone: the ticket's row, with no subject and status
// deleted, so its number is never used again, and one purge transaction
// that says who purged it and when. Other tickets' history keeps the
// number only (a merge, a link). Only sysadmins may. A user row made for
// a requestor's address stays (other tickets may name it), as does the
// number an import of another tracker mapped to the ticket.
func (s *Store) Purge(ctx context.Context, actor string, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := requireSysadmin(ctx, tx, actor, "purge tickets")
		if err != nil {
			return err
		}
		o := s.newOp(ctx, tx)
		o.actor = a
		var merged sql.NullInt64
		var status string
		err = tx.QueryRowContext(ctx, `SELECT merged_into, status FROM tickets WHERE id = $1`+s.d.forUpdate, id).Scan(&merged, &status)
		if err == sql.ErrNoRows {
			return refuse(ErrNotFound, "no ticket %d", id)
		}
		if err != nil {
			return fmt.Errorf("read ticket %d: %w", id, err)
		}
		if merged.Valid {
			return refuse(ErrConflict, "ticket %d is merged into %d: purge %[2]d, which holds it", id, merged.Int64)
		}
		if status == StatusDeleted {
			return refuse(ErrConflict, "ticket %d is purged already", id)
		}
		if err := o.lock(id); err != nil {
			return err
		}
		ids := []int64{id}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM tickets WHERE merged_into = $1 ORDER BY id`, id)
		if err != nil {
			return fmt.Errorf("read tickets merged into %d: %w", id, err)
		}
		for rows.Next() {
			var m int64
			if err := rows.Scan(&m); err != nil {
				rows.Close()
				return fmt.Errorf("read tickets merged into %d: %w", id, err)
			}
			ids = append(ids, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read tickets merged into %d: %w", id, err)
		}
		for _, t := range ids {
			if err := purgeTicket(ctx, tx, t); err != nil {
				return fmt.Errorf("purge ticket %d: %w", t, err)
			}
		}
		_, err = o.record(TxPurge, "", "", strconv.Itoa(len(ids)-1)+" merged")
		return err
	})
}

// isPurged reports whether ticket id, followed through merges, is purged.
func isPurged(ctx context.Context, q querier, id int64) (bool, error) {
	now, err := resolveMerged(ctx, q, id)
	if err != nil {
		return false, err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM transactions WHERE ticket_id = $1 AND type = 'purge'`, now).Scan(&n); err != nil {
		return false, fmt.Errorf("read ticket %d: %w", now, err)
	}
	return n > 0, nil
}

// purgeContent deletes, in an order the foreign keys allow, every row
// that holds something of ticket $1, and empties its row.
var purgeContent = []string{
	`DELETE FROM attachments WHERE message_id IN (SELECT id FROM messages WHERE ticket_id = $1)`,
	`DELETE FROM message_chunks WHERE message_id IN (SELECT id FROM messages WHERE ticket_id = $1)`,
	`DELETE FROM messages WHERE ticket_id = $1`, // the search index follows by trigger (SQLite) or with the row (PostgreSQL)
	`DELETE FROM message_ids WHERE ticket_id = $1`,
	`DELETE FROM outbox WHERE ticket_id = $1 OR txn_id IN (SELECT id FROM transactions WHERE ticket_id = $1)`,
	`DELETE FROM quarantine_chunks WHERE quarantine_id IN (SELECT id FROM quarantine WHERE ticket_id = $1)`,
	`DELETE FROM quarantine WHERE ticket_id = $1`,
	`DELETE FROM transactions WHERE ticket_id = $1`,
	`DELETE FROM ticket_people WHERE ticket_id = $1`,
	`DELETE FROM ticket_also WHERE ticket_id = $1`,
	`DELETE FROM ticket_watchers WHERE ticket_id = $1`,
	`DELETE FROM links WHERE ticket_id = $1 OR target_ticket = $1`,
	`DELETE FROM ticket_fields WHERE ticket_id = $1`,
	`DELETE FROM reminders WHERE ticket_id = $1`,
	`DELETE FROM notices WHERE ticket_id = $1`,
	`UPDATE tickets SET subject = '', status = 'deleted', owner_id = NULL, priority = 0, due = NULL,
		time_worked = 0, time_estimated = 0, resolved = NULL WHERE id = $1`,
}

// purgeTicket deletes what ticket t holds (purgeContent), and the outbox
// bodies only its outbox rows used.
func purgeTicket(ctx context.Context, tx *sql.Tx, t int64) error {
	var bodies []int64
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT body_id FROM outbox WHERE body_id IS NOT NULL
		AND (ticket_id = $1 OR txn_id IN (SELECT id FROM transactions WHERE ticket_id = $1))`, t)
	if err != nil {
		return err
	}
	for rows.Next() {
		var b int64
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return err
		}
		bodies = append(bodies, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, q := range purgeContent {
		if _, err := tx.ExecContext(ctx, q, t); err != nil {
			return err
		}
	}
	for _, b := range bodies {
		if _, err := tx.ExecContext(ctx, `DELETE FROM outbox_bodies WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM outbox WHERE body_id = $1)`, b); err != nil {
			return err
		}
	}
	return nil
}
