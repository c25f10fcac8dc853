package mailstore

import (
	"context"
	"database/sql"
	"fmt"
)

// fields reads ticket id's read-only fields in their order.
func fields(ctx context.Context, q querier, id int64) ([]Field, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, value FROM ticket_fields WHERE ticket_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, fmt.Errorf("read fields of ticket %d: %w", id, err)
	}
	defer rows.Close()
	var out []Field
	for rows.Next() {
		var f Field
		if err := rows.Scan(&f.Name, &f.Value); err != nil {
			return nil, fmt.Errorf("read fields of ticket %d: %w", id, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// replaceFields makes fs ticket id's read-only fields.
func replaceFields(ctx context.Context, tx *sql.Tx, id int64, fs []Field) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM ticket_fields WHERE ticket_id = $1`, id); err != nil {
		return fmt.Errorf("replace fields of ticket %d: %w", id, err)
	}
	for i, f := range fs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_fields (ticket_id, name, position, value) VALUES ($1, $2, $3, $4)`, id, f.Name, i, f.Value); err != nil {
			return fmt.Errorf("replace fields of ticket %d: %w", id, err)
		}
	}
	return nil
}
