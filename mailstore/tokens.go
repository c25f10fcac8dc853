package mailstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"time"
)

// Personal API tokens. A token is "sak_" followed by 43 characters of
// unpadded base64url (32 random bytes) and 6 of a CRC-32 of those bytes,
// so that a leaked one is found by secret scanners and a mistyped one is
// refused before any database look-up. The store keeps only the token's
// SHA-256; the token itself is shown once, when it is made.

// TokenPrefix starts every API token.
const TokenPrefix = "sak_"

const (
	tokenRandLen = 43 // base64url of 32 bytes
	tokenSumLen  = 6  // base64url of 4 bytes
	tokenLen     = len(TokenPrefix) + tokenRandLen + tokenSumLen
)

// Token describes an API token; never its secret.
type Token struct {
	ID       int64      `json:"id"`
	User     string     `json:"user"`
	Name     string     `json:"name"`
	Created  time.Time  `json:"created"`
	Expires  *time.Time `json:"expires"`
	LastUsed *time.Time `json:"last_used"`
}

// IssuedToken is a token just made, with its secret, shown this once:
// what 'sak token create -o json' prints and the API answers.
type IssuedToken struct {
	*Token
	Secret string `json:"secret"`
}

// newTokenSecret makes a token string.
func newTokenSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return formatToken(b[:])
}

func formatToken(b []byte) string {
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.ChecksumIEEE(b))
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b) + base64.RawURLEncoding.EncodeToString(sum[:])
}

// ParseToken checks that s has the form of an API token (prefix, length,
// alphabet, checksum) and returns its 32 random bytes. It says nothing of
// whether the store knows the token.
func ParseToken(s string) ([]byte, error) {
	if len(s) != tokenLen || !strings.HasPrefix(s, TokenPrefix) {
		return nil, refuse(ErrUnauthenticated, "not a sak token")
	}
	body := s[len(TokenPrefix):]
	b, err := base64.RawURLEncoding.Strict().DecodeString(body[:tokenRandLen])
	if err != nil || len(b) != 32 {
		return nil, refuse(ErrUnauthenticated, "not a sak token")
	}
	sum, err := base64.RawURLEncoding.Strict().DecodeString(body[tokenRandLen:])
	if err != nil || len(sum) != 4 || binary.BigEndian.Uint32(sum) != crc32.ChecksumIEEE(b) {
		return nil, refuse(ErrUnauthenticated, "not a sak token")
	}
	return b, nil
}

func tokenHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// CreateToken makes a token for the user login, named name, expiring at
// expires (zero: never), and returns it with its secret, which is never
// shown again. A sysadmin may make one for any active user, anyone else
// for themself.
func (s *Store) CreateToken(ctx context.Context, actor, login, name string, expires time.Time) (*Token, string, error) {
	name = strings.TrimSpace(name)
	if len(name) > 200 {
		return nil, "", refuse(ErrInvalid, "a token name is at most 200 characters")
	}
	var tok *Token
	secret := newTokenSecret()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		u, err := tokenUser(ctx, tx, actor, login, "make tokens for others")
		if err != nil {
			return err
		}
		now := s.now()
		if !expires.IsZero() && !expires.After(now) {
			return refuse(ErrInvalid, "the expiry %s is not in the future", expires.UTC().Format(time.RFC3339))
		}
		var exp sql.NullInt64
		if !expires.IsZero() {
			exp = sql.NullInt64{Int64: micros(expires), Valid: true}
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, hash, created, expires) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			u.ID, name, tokenHash(secret), micros(now), exp).Scan(&id); err != nil {
			return fmt.Errorf("make token for %s: %w", u.Login, err)
		}
		tok = &Token{ID: id, User: u.Login, Name: name, Created: fromMicros(micros(now)), Expires: nullTime(exp)}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	s.log.Info("token created", "token", tok.ID, "user", tok.User, "by", actor)
	return tok, secret, nil
}

// tokenUser is the active user login whose tokens actor may manage: their
// own, or anyone's for a sysadmin.
func tokenUser(ctx context.Context, q querier, actor, login, what string) (*User, error) {
	a, err := actorUser(ctx, q, actor)
	if err != nil {
		return nil, err
	}
	if login == "" || strings.EqualFold(login, a.Login) {
		return a, nil
	}
	if !a.Sysadmin {
		return nil, refuse(ErrPermission, "only a sysadmin may %s, and %s is not one", what, a.Login)
	}
	return actorUser(ctx, q, login)
}

const tokenCols = `k.id, u.login, k.name, k.created, k.expires, k.last_used`

func scanToken(row interface{ Scan(...any) error }) (*Token, error) {
	var t Token
	var created int64
	var exp, used sql.NullInt64
	if err := row.Scan(&t.ID, &t.User, &t.Name, &created, &exp, &used); err != nil {
		return nil, err
	}
	t.Created, t.Expires, t.LastUsed = fromMicros(created), nullTime(exp), nullTime(used)
	return &t, nil
}

// ListTokens lists the tokens of login ("" for actor's own), oldest first:
// a sysadmin's of anyone, anyone else's of their own.
func (s *Store) ListTokens(ctx context.Context, actor, login string) ([]Token, error) {
	u, err := tokenUser(ctx, s.db, actor, login, "list the tokens of others")
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens k JOIN users u ON u.id = k.user_id WHERE k.user_id = $1 ORDER BY k.id`, u.ID)
	if err != nil {
		return nil, fmt.Errorf("list tokens of %s: %w", u.Login, err)
	}
	defer rows.Close()
	ts := []Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens of %s: %w", u.Login, err)
		}
		ts = append(ts, *t)
	}
	return ts, rows.Err()
}

// RevokeToken deletes token id: a sysadmin any, anyone else their own. One
// they may not revoke is "no token N".
func (s *Store) RevokeToken(ctx context.Context, actor string, id int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := actorUser(ctx, tx, actor)
		if err != nil {
			return err
		}
		q, args := `DELETE FROM api_tokens WHERE id = $1`, []any{id}
		if !a.Sysadmin {
			q, args = q+` AND user_id = $2`, append(args, a.ID)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("revoke token %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return refuse(ErrNotFound, "no token %d: see 'sak token list'", id)
		}
		return nil
	})
	if err == nil {
		s.log.Info("token revoked", "token", id, "by", actor)
	}
	return err
}

// lastUseGrain is how stale a token's last use may be before Authenticate
// writes it again: not a write for every request.
const lastUseGrain = time.Minute

// Authenticate finds the token whose string is secret: one that exists,
// has not expired, and whose user is active, now (a disabled user's
// tokens stop at their next request). Any failure is the same
// ErrUnauthenticated, which never holds the secret.
func (s *Store) Authenticate(ctx context.Context, secret string) (*Token, error) {
	bad := refuse(ErrUnauthenticated, "the token is not valid: log in again with 'sak login'")
	if _, err := ParseToken(secret); err != nil {
		return nil, bad
	}
	h := tokenHash(secret)
	var stored string
	var disabled bool
	row := s.db.QueryRowContext(ctx, `SELECT k.hash, u.disabled, `+tokenCols+` FROM api_tokens k JOIN users u ON u.id = k.user_id
		WHERE k.hash = $1 AND u.login IS NOT NULL`, h)
	t, err := scanToken(scanFunc(func(dest ...any) error { return row.Scan(append([]any{&stored, &disabled}, dest...)...) }))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bad
	}
	if err != nil {
		return nil, fmt.Errorf("read token: %w", err)
	}
	now := s.now()
	// The look-up is by hash, which tells a timing attacker nothing of
	// any token; the comparison in constant time is belt and braces.
	if subtle.ConstantTimeCompare([]byte(stored), []byte(h)) != 1 || disabled ||
		t.Expires != nil && !now.Before(*t.Expires) {
		return nil, bad
	}
	if t.LastUsed == nil || now.Sub(*t.LastUsed) >= lastUseGrain {
		if _, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used = $1 WHERE id = $2`, micros(now), t.ID); err != nil {
			return nil, fmt.Errorf("note use of token %d: %w", t.ID, err)
		}
		used := fromMicros(micros(now))
		t.LastUsed = &used
	}
	return t, nil
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }
