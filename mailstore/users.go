package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const userCols = `id, COALESCE(login, ''), email, name, sysadmin, disabled, created, digest`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var created int64
	if err := row.Scan(&u.ID, &u.Login, &u.Email, &u.Name, &u.Sysadmin, &u.Disabled, &created, &u.Digest); err != nil {
		return nil, err
	}
	u.Created = fromMicros(created)
	return &u, nil
}

// isName reports whether s is a name sak accepts for a login or a queue:
// 1 to 64 of a-z, 0-9, '.', '_' and '-', the first a letter or digit; for
// a subject tag (upper) A-Z as well. (Not a regular expression: compiling
// its bounded repetitions slowed the start of every sak command;
// BENCHMARKS.md.)
func isName(s string, upper bool) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case upper && 'A' <= c && c <= 'Z':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// CleanAddress checks a mail address and returns it lower-cased, without a
// display name.
func CleanAddress(addr string) (string, error) {
	a, _, err := cleanNamedAddress(addr)
	return a, err
}

// cleanNamedAddress is CleanAddress, and the display name the address
// came with ("Kari Nordmann <kari@example.com>"), trimmed.
func cleanNamedAddress(addr string) (string, string, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(addr))
	if err != nil || !strings.Contains(a.Address, "@") {
		return "", "", refuse(ErrInvalid, "%q is not a mail address", addr)
	}
	return strings.ToLower(a.Address), strings.TrimSpace(a.Name), nil
}

// NewUser is what AddUser needs.
type NewUser struct {
	Login    string
	Email    string
	Name     string
	Sysadmin bool
}

// AddUser adds a caseworker or admin with a login. Only sysadmins may, except
// while no sysadmin exists: then anyone may add the first, a sysadmin
// (bootstrap). A requestor already known by the address gets the login.
func (s *Store) AddUser(ctx context.Context, actor string, nu NewUser) (*User, error) {
	login := strings.ToLower(strings.TrimSpace(nu.Login))
	if !isName(login, false) {
		return nil, refuse(ErrInvalid, "login %q is not valid: use lower-case letters, digits, '.', '-' and '_'", nu.Login)
	}
	email, err := CleanAddress(nu.Email)
	if err != nil {
		return nil, err
	}
	var u *User
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		admins, err := activeSysadmins(ctx, tx)
		if err != nil {
			return err
		}
		if admins == 0 {
			if !nu.Sysadmin {
				return refuse(ErrPermission, "there is no sysadmin yet: add the first user with --sysadmin")
			}
		} else {
			if _, err := requireSysadmin(ctx, tx, actor, "add users"); err != nil {
				return err
			}
		}
		u, err = s.addUser(ctx, tx, login, email, nu.Name, nu.Sysadmin)
		return err
	})
	return u, err
}

// addUser adds the user with a clean login and address in tx; a
// requestor already known by the address gets the login.
func (s *Store) addUser(ctx context.Context, tx *sql.Tx, login, email, name string, sysadmin bool) (*User, error) {
	if _, err := userByLogin(ctx, tx, login); err == nil {
		return nil, refuse(ErrConflict, "user %s exists already", login)
	}
	existing, err := userByEmail(ctx, tx, email)
	switch {
	case err == nil && existing.Login != "":
		return nil, refuse(ErrConflict, "%s is the address of user %s already", email, existing.Login)
	case err == nil:
		_, err = tx.ExecContext(ctx, `UPDATE users SET login = $1, name = $2, sysadmin = $3 WHERE id = $4`,
			login, name, sysadmin, existing.ID)
	case errors.Is(err, ErrUnknownUser):
		_, err = tx.ExecContext(ctx, `INSERT INTO users (login, email, name, sysadmin, created) VALUES ($1, $2, $3, $4, $5)`,
			login, email, name, sysadmin, micros(s.now()))
	}
	if err != nil {
		return nil, fmt.Errorf("add user %s: %w", login, err)
	}
	return userByLogin(ctx, tx, login)
}

// setEmail gives u the clean address email in tx; one another user or a
// requestor has is refused.
func setEmail(ctx context.Context, tx *sql.Tx, u *User, email string) error {
	other, err := userByEmail(ctx, tx, email)
	switch {
	case err == nil && other.Login != "":
		return refuse(ErrConflict, "%s is the address of user %s already", email, other.Login)
	case err == nil:
		return refuse(ErrConflict, "%s is the address of a requestor sak knows: it stays theirs", email)
	case !errors.Is(err, ErrUnknownUser):
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET email = $1 WHERE id = $2`, email, u.ID); err != nil {
		return fmt.Errorf("edit user %s: %w", u.Login, err)
	}
	return nil
}

// DisableUser disables a user: they can no longer act, by CLI, API, web
// or mail, and their API tokens are revoked. Only sysadmins may; the last
// active sysadmin cannot be disabled.
func (s *Store) DisableUser(ctx context.Context, actor, login string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := requireSysadmin(ctx, tx, actor, "disable users"); err != nil {
			return err
		}
		u, err := userByLogin(ctx, tx, login)
		if err != nil {
			return err
		}
		if u.Disabled {
			return refuse(ErrConflict, "user %s is disabled already", u.Login)
		}
		return disableUser(ctx, tx, u)
	})
}

// disableUser disables u and revokes their tokens, unless u is the last
// active sysadmin: DisableUser's work, and the directory sync's.
func disableUser(ctx context.Context, tx querier, u *User) error {
	if u.Sysadmin {
		admins, err := activeSysadmins(ctx, tx)
		if err != nil {
			return err
		}
		if admins <= 1 {
			return refuse(ErrConflict, "%s is the last sysadmin: make another sysadmin first", u.Login)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = TRUE WHERE id = $1`, u.ID); err != nil {
		return fmt.Errorf("disable user %s: %w", u.Login, err)
	}
	// Their tokens and web sessions end now, and stay ended should
	// the user be enabled again: they log in anew.
	if _, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE user_id = $1`, u.ID); err != nil {
		return fmt.Errorf("revoke the tokens of %s: %w", u.Login, err)
	}
	return nil
}

// EnableUser lets a disabled user act again. Only sysadmins may.
func (s *Store) EnableUser(ctx context.Context, actor, login string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := requireSysadmin(ctx, tx, actor, "enable users"); err != nil {
			return err
		}
		u, err := userByLogin(ctx, tx, login)
		if err != nil {
			return err
		}
		if !u.Disabled {
			return refuse(ErrConflict, "user %s is not disabled", u.Login)
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET disabled = FALSE WHERE id = $1`, u.ID)
		return err
	})
}

// UserChange is what EditUser changes: the fields that are not nil.
type UserChange struct {
	Email    *string
	Name     *string
	Sysadmin *bool
}

// EditUser changes a user's address, name or sysadmin right. Only
// sysadmins may; an address another user has is refused, and the last
// active sysadmin stays one.
func (s *Store) EditUser(ctx context.Context, actor, login string, c UserChange) (*User, error) {
	var email string
	if c.Email != nil {
		var err error
		if email, err = CleanAddress(*c.Email); err != nil {
			return nil, err
		}
	}
	var u *User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := requireSysadmin(ctx, tx, actor, "edit users"); err != nil {
			return err
		}
		var err error
		if u, err = userByLogin(ctx, tx, login); err != nil {
			return err
		}
		if c.Email != nil && email != u.Email {
			if err := setEmail(ctx, tx, u, email); err != nil {
				return err
			}
		}
		if c.Name != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1 WHERE id = $2`, strings.TrimSpace(*c.Name), u.ID); err != nil {
				return fmt.Errorf("edit user %s: %w", u.Login, err)
			}
		}
		if c.Sysadmin != nil && *c.Sysadmin != u.Sysadmin {
			if !*c.Sysadmin && !u.Disabled {
				admins, err := activeSysadmins(ctx, tx)
				if err != nil {
					return err
				}
				if admins <= 1 {
					return refuse(ErrConflict, "%s is the last sysadmin: make another sysadmin first", u.Login)
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET sysadmin = $1 WHERE id = $2`, *c.Sysadmin, u.ID); err != nil {
				return fmt.Errorf("edit user %s: %w", u.Login, err)
			}
		}
		u, err = userByLogin(ctx, tx, u.Login)
		return err
	})
	return u, err
}

// Users lists the users with a login, by login.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM users WHERE login IS NOT NULL ORDER BY login`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var us []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		us = append(us, *u)
	}
	return us, rows.Err()
}

// User finds a user by login.
func (s *Store) User(ctx context.Context, login string) (*User, error) {
	return userByLogin(ctx, s.db, login)
}

// UserByEmail finds a user, caseworker or requestor, by address.
func (s *Store) UserByEmail(ctx context.Context, addr string) (u *User, err error) {
	err = s.retryRead(ctx, func() error {
		u, err = userByEmail(ctx, cachedDB{s}, addr)
		return err
	})
	return u, err
}

func userByLogin(ctx context.Context, q querier, login string) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE login = $1`, strings.ToLower(login)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, refuse(ErrUnknownUser, "no user %q: see 'sak user list'", login)
	}
	if err != nil {
		return nil, fmt.Errorf("look up user %s: %w", login, err)
	}
	return u, nil
}

func userByEmail(ctx context.Context, q querier, addr string) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = $1`, strings.ToLower(addr)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, refuse(ErrUnknownUser, "no user with address %s", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("look up user %s: %w", addr, err)
	}
	return u, nil
}

// actorUser finds the acting user and refuses a disabled one.
func actorUser(ctx context.Context, q querier, login string) (*User, error) {
	if login == "" {
		return nil, refuse(ErrUnknownUser, "no acting user: give --as LOGIN or set SAK_USER")
	}
	u, err := userByLogin(ctx, q, login)
	if errors.Is(err, ErrUnknownUser) {
		return nil, refuse(ErrUnknownUser, "no user %q to act as: give --as LOGIN or set SAK_USER ('sak user list' lists them)", login)
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, refuse(ErrDisabled, "user %s is disabled", u.Login)
	}
	return u, nil
}

// ensureUser returns the user with this address, creating a requestor for an
// address sak has not seen. name is kept only for a new user.
func ensureUser(ctx context.Context, tx querier, addr, name string, now int64) (*User, error) {
	// Most mail comes from someone sak knows: one look-up.
	u, err := userByEmail(ctx, tx, addr)
	if err != nil && !errors.Is(err, ErrUnknownUser) {
		return nil, err
	}
	return ensureFound(ctx, tx, u, addr, name, now)
}

// ensureFound is ensureUser given the user with address addr as looked up
// already: u, or nil when there was none.
func ensureFound(ctx context.Context, tx querier, u *User, addr, name string, now int64) (*User, error) {
	addr = strings.ToLower(addr)
	if u != nil {
		if u.Name == "" && name != "" {
			// A name learned later: the first mail that gives one names them.
			if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1 WHERE id = $2`, name, u.ID); err != nil {
				return nil, fmt.Errorf("name %s: %w", addr, err)
			}
			u.Name = name
		}
		return u, nil
	}
	u, err := scanUser(tx.QueryRowContext(ctx, `INSERT INTO users (email, name, created) VALUES ($1, $2, $3)
		ON CONFLICT (email) DO NOTHING RETURNING `+userCols, addr, name, now))
	if errors.Is(err, sql.ErrNoRows) {
		return userByEmail(ctx, tx, addr) // added concurrently
	}
	if err != nil {
		return nil, fmt.Errorf("add requestor %s: %w", addr, err)
	}
	return u, nil
}

// activeSysadmins counts the sysadmins who are not disabled.
func activeSysadmins(ctx context.Context, q querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE sysadmin = TRUE AND disabled = FALSE`).Scan(&n)
	return n, err
}
