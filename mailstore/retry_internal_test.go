package mailstore

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestLostBeforeCommit checks which failures run a transaction again on
// another connection: a lost connection before COMMIT, never after it
// (it may have committed), and never a refusal or a conflict.
func TestLostBeforeCommit(t *testing.T) {
	for _, tc := range []struct {
		what string
		err  error
		want bool
	}{
		{"backend terminated", fmt.Errorf("look up message id: %w", &pgconn.PgError{Code: "57P01"}), true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"server starting", &pgconn.PgError{Code: "57P03"}, true},
		{"socket closed", fmt.Errorf("begin: %w", io.ErrUnexpectedEOF), true},
		{"bad connection", driver.ErrBadConn, true},
		{"lost at COMMIT", fmt.Errorf("commit: %w", commitError{&pgconn.PgError{Code: "57P01"}}), false},
		{"EOF at COMMIT", fmt.Errorf("commit: %w", commitError{io.EOF}), false},
		{"serialization failure", &pgconn.PgError{Code: "40001"}, false},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"no rows", sql.ErrNoRows, false},
		{"refusal", refuse(ErrConflict, "taken"), false},
	} {
		if got := lostBeforeCommit(tc.err); got != tc.want {
			t.Errorf("%s: lostBeforeCommit(%v) = %v, want %v", tc.what, tc.err, got, tc.want)
		}
	}
}
