package mailstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// AnonymisedDomain is the domain of the addresses anonymised users get: a
// name that can never receive mail (RFC 2606).
const AnonymisedDomain = "anonymised.invalid"

// AnonymiseUser takes the person out of user who (a login or an address)
// for good, as the GDPR asks when someone leaves or asks to be forgotten:
// their name goes, their address and login become anonymised-ID, they are
// disabled, and their roles, group memberships, ticket watching, tokens,
// login codes, digests and pending reminders go. Mail not yet sent to
// them is not sent. The history keeps its rows, naming anonymised-ID.
// What people wrote (the stored mail, its headers and text) is not
// rewritten: 'sak ticket purge' removes a ticket's content. Only
// sysadmins may; the last active sysadmin cannot be anonymised.
func (s *Store) AnonymiseUser(ctx context.Context, actor, who string) (*User, error) {
	var out *User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := requireSysadmin(ctx, tx, actor, "anonymise users"); err != nil {
			return err
		}
		var u *User
		var err error
		if strings.Contains(who, "@") {
			u, err = userByEmail(ctx, tx, who)
		} else {
			u, err = userByLogin(ctx, tx, who)
		}
		if err != nil {
			return err
		}
		anon := fmt.Sprintf("anonymised-%d", u.ID)
		if u.Email == anon+"@"+AnonymisedDomain {
			return refuse(ErrConflict, "user %d is anonymised already", u.ID)
		}
		if u.Login != "" && !u.Disabled {
			if err := disableUser(ctx, tx, u); err != nil {
				return err
			}
		}
		for _, q := range []string{
			`DELETE FROM queue_roles WHERE user_id = $1`,
			`DELETE FROM group_members WHERE user_id = $1`,
			`DELETE FROM ticket_watchers WHERE user_id = $1`,
			`DELETE FROM api_tokens WHERE user_id = $1`,
			`DELETE FROM login_codes WHERE user_id = $1`,
			`DELETE FROM digests WHERE user_id = $1`,
			`DELETE FROM reminders WHERE user_id = $1 AND sent IS NULL`,
		} {
			if _, err := tx.ExecContext(ctx, q, u.ID); err != nil {
				return fmt.Errorf("anonymise user %d: %w", u.ID, err)
			}
		}
		for _, q := range []string{
			`UPDATE outbox SET status = 'failed', last_error = 'not sent: the recipient was anonymised' WHERE rcpt = $1 AND status = 'pending'`,
			`DELETE FROM autoreplies WHERE sender = $1`,
		} {
			if _, err := tx.ExecContext(ctx, q, u.Email); err != nil {
				return fmt.Errorf("anonymise user %d: %w", u.ID, err)
			}
		}
		login := any(nil)
		if u.Login != "" {
			login = anon
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET login = $1, email = $2, name = '', sysadmin = FALSE, disabled = TRUE, digest = '', directory = '' WHERE id = $3`,
			login, anon+"@"+AnonymisedDomain, u.ID); err != nil {
			return fmt.Errorf("anonymise user %d: %w", u.ID, err)
		}
		out, err = userByEmail(ctx, tx, anon+"@"+AnonymisedDomain)
		return err
	})
	return out, err
}
