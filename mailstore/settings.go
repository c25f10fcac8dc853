package mailstore

import (
	"context"
	"database/sql"
	"errors"
)

// getSetting reads a value of the settings table through q, and whether it
// is there.
func getSetting(ctx context.Context, q querier, key string) (string, bool, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return v, true, nil
}

// putSetting stores a value of the settings table through q; "" deletes it.
func putSetting(ctx context.Context, q querier, key, v string) error {
	if v == "" {
		_, err := q.ExecContext(ctx, `DELETE FROM settings WHERE key = $1`, key)
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, v)
	return err
}
