package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// digestMax is how many tickets a digest lists in each of its parts.
const digestMax = 100

// SetUserDigest sets when a user's daily digest is mailed: "HH:MM" (local
// time), "off", or "default" (or "") for the earliest digest default of
// their queues. Sysadmins may, and users for themselves.
func (s *Store) SetUserDigest(ctx context.Context, actor, login, when string) (*User, error) {
	switch when {
	case "default":
		when = ""
	case "off":
	default:
		if err := validClock(when); err != nil {
			return nil, err
		}
	}
	var u *User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := actorUser(ctx, tx, actor)
		if err != nil {
			return err
		}
		if u, err = userByLogin(ctx, tx, login); err != nil {
			return err
		}
		if !a.Sysadmin && a.ID != u.ID {
			return refuse(ErrPermission, "%s may not set the digest of %s: only sysadmins and %s may", a.Login, u.Login, u.Login)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET digest = $1 WHERE id = $2`, when, u.ID); err != nil {
			return fmt.Errorf("set digest of %s: %w", u.Login, err)
		}
		u.Digest = when
		return nil
	})
	return u, err
}

// digestCandidate is a user whose digest is on, and the day it was last
// sent.
type digestCandidate struct {
	id       int64
	at, last string
}

// digestCandidates lists the active users whose digest is on: their time
// of day (their own, or their queues' earliest default) and last day.
func (s *Store) digestCandidates(ctx context.Context, login string) ([]digestCandidate, error) {
	q := `SELECT u.id, u.digest, COALESCE((SELECT MIN(q.digest_default) FROM user_roles r JOIN queues q ON q.id = r.queue_id
			WHERE r.user_id = u.id AND r.role IN ('caseworker', 'manager') AND q.digest_default <> '' AND q.disabled = FALSE), ''),
		COALESCE(d.day, '')
		FROM users u LEFT JOIN digests d ON d.user_id = u.id
		WHERE u.login IS NOT NULL AND u.disabled = FALSE AND ($1 = '' OR u.login = $1)`
	rows, err := s.db.QueryContext(ctx, q, strings.ToLower(login))
	if err != nil {
		return nil, fmt.Errorf("list digests: %w", err)
	}
	defer rows.Close()
	var out []digestCandidate
	for rows.Next() {
		var c digestCandidate
		var own, def string
		if err := rows.Scan(&c.id, &own, &def, &c.last); err != nil {
			return nil, fmt.Errorf("list digests: %w", err)
		}
		c.at = own
		if own == "" {
			c.at = def
		}
		if c.at == "off" {
			c.at = ""
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SendDueDigests queues the daily digest of every caseworker whose time
// has come today (in the store's time zone) and who has not had today's.
// A digest with nothing to list is not sent, and counts as today's.
// Several processes may call it at once on one database: each digest is
// leased (FOR UPDATE SKIP LOCKED on PostgreSQL, as reminders are) and
// sent once a day. It returns how many digests it queued.
func (s *Store) SendDueDigests(ctx context.Context) (int, error) {
	now := s.now().In(s.loc)
	today, clock := now.Format(time.DateOnly), now.Format("15:04")
	cs, err := s.digestCandidates(ctx, "")
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, c := range cs {
		if c.at == "" || c.at > clock || c.last == today {
			continue
		}
		ok, err := s.sendDigest(ctx, c.id, today, false)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// SendDigests queues digests now ('sak digest send'): login's, even if
// it was sent today or is off; or, for login "", every digest that is on
// and not yet sent today, whatever its time. Sysadmins may, and users
// for themselves. It returns how many it queued (empty ones are not).
func (s *Store) SendDigests(ctx context.Context, actor, login string) (int, error) {
	a, err := actorUser(ctx, s.db, actor)
	if err != nil {
		return 0, err
	}
	if !a.Sysadmin && (login == "" || !strings.EqualFold(login, a.Login)) {
		return 0, refuse(ErrPermission, "%s may send only their own digest ('--user %s'): only sysadmins send others'", a.Login, a.Login)
	}
	if login != "" {
		if _, err := userByLogin(ctx, s.db, login); err != nil {
			return 0, err
		}
	}
	today := s.now().In(s.loc).Format(time.DateOnly)
	cs, err := s.digestCandidates(ctx, login)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, c := range cs {
		if login == "" && (c.at == "" || c.last == today) {
			continue
		}
		ok, err := s.sendDigest(ctx, c.id, today, login != "")
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// sendDigest leases the digest of a user and, unless it was sent today
// (or force), queues it and records today as sent. False when it was
// not queued: leased elsewhere, sent already, or empty.
func (s *Store) sendDigest(ctx context.Context, userID int64, today string, force bool) (bool, error) {
	var did bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		did = false
		o := s.newOp(ctx, tx)
		if _, err := tx.ExecContext(ctx, `INSERT INTO digests (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING`, userID); err != nil {
			return fmt.Errorf("lease digest of user %d: %w", userID, err)
		}
		var day string
		err := tx.QueryRowContext(ctx, `SELECT day FROM digests WHERE user_id = $1`+s.d.skipLocked, userID).Scan(&day)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // another process is sending it
		}
		if err != nil {
			return fmt.Errorf("lease digest of user %d: %w", userID, err)
		}
		if day == today && !force {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE digests SET day = $1, sent = $2 WHERE user_id = $3`, today, o.now, userID); err != nil {
			return fmt.Errorf("mark digest of user %d sent: %w", userID, err)
		}
		did, err = o.digest(userID)
		return err
	})
	return did, err
}

// digest composes and queues the digest of a user; false when it has
// nothing to list.
func (o *op) digest(userID int64) (bool, error) {
	var u User
	if err := o.tx.QueryRowContext(o.ctx, `SELECT COALESCE(login, ''), email, name FROM users WHERE id = $1`, userID).Scan(&u.Login, &u.Email, &u.Name); err != nil {
		return false, fmt.Errorf("read user %d: %w", userID, err)
	}
	d := &TemplateDigest{Date: fromMicros(o.now).In(o.s.loc)}
	var err error
	if d.Owned, d.OwnedMore, err = o.digestLines(`t.owner_id = $1 AND t.status IN ('new', 'open') AND t.merged_into IS NULL`,
		"t.updated, t.id", userID); err != nil {
		return false, err
	}
	if d.Due, d.DueMore, err = o.digestLines(`t.status = 'stalled' AND t.merged_into IS NULL AND t.id IN
		(SELECT ticket_id FROM reminders WHERE user_id = $1 AND done = FALSE AND due <= $2)`, "t.updated, t.id", userID, o.now); err != nil {
		return false, err
	}
	if d.Unowned, d.UnownedMore, err = o.digestLines(`t.owner_id IS NULL AND t.status = 'new' AND t.merged_into IS NULL AND t.queue_id IN
		(SELECT queue_id FROM user_roles WHERE user_id = $1 AND role IN ('caseworker', 'manager'))`, "t.created, t.id", userID); err != nil {
		return false, err
	}
	if d.Count() == 0 {
		o.s.log.Info("digest: nothing to list", "user", u.Login)
		return false, nil
	}
	// The digest is written as the first of the user's queues writes,
	// and comes from its comment address: an answer comments, never
	// reaches a requestor.
	if o.queue, err = scanQueue(o.tx.QueryRowContext(o.ctx, `SELECT `+queueCols+` FROM queues WHERE disabled = FALSE AND id IN
		(SELECT queue_id FROM user_roles WHERE user_id = $1 AND role IN ('caseworker', 'manager')) ORDER BY name LIMIT 1`, userID)); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil // owns tickets of queues they no longer work: nothing to send from
		}
		return false, fmt.Errorf("read queues of user %d: %w", userID, err)
	}
	o.t = &ticketRow{}
	own, err := o.s.override(o.ctx, o.tx, o.queue, TmplDigest)
	if err != nil {
		return false, err
	}
	r := o.s.render(TmplDigest, o.queue, own, &TemplateData{
		Queue:  TemplateQueue{Name: o.queue.Name, Address: o.queue.Address, CommentAddress: o.queue.CommentAddress},
		User:   TemplateUser{Login: u.Login, Name: u.Name, Email: u.Email},
		Digest: d,
	})
	m, err := o.compose(&outMail{kind: KindDigest, fromName: o.queue.Name, fromAddr: o.queue.CommentAddress,
		to: []string{u.Email}, subject: r.subject, text: r.body, lang: r.lang})
	if err != nil {
		return false, err
	}
	if err := o.enqueue(KindDigest, 0, m, []string{u.Email}); err != nil {
		return false, err
	}
	o.s.log.Info("digest queued", "user", u.Login, "tickets", d.Count())
	return true, nil
}

// digestLines reads a digest's part: the first digestMax tickets of
// where in order, and how many more there are.
func (o *op) digestLines(where, order string, args ...any) ([]DigestLine, int, error) {
	rows, err := o.tx.QueryContext(o.ctx, `SELECT t.id, t.subject, t.status, q.name, q.tag, t.updated
		FROM tickets t JOIN queues q ON q.id = t.queue_id WHERE `+where+` ORDER BY `+order+` LIMIT `+fmt.Sprint(digestMax), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("read digest: %w", err)
	}
	defer rows.Close()
	var out []DigestLine
	for rows.Next() {
		var l DigestLine
		var tag string
		var updated int64
		if err := rows.Scan(&l.ID, &l.Subject, &l.Status, &l.Queue, &tag, &updated); err != nil {
			return nil, 0, fmt.Errorf("read digest: %w", err)
		}
		l.Tag = fmt.Sprintf("[%s #%d]", tag, l.ID)
		l.Days = int((o.now - updated) / (24 * time.Hour).Microseconds())
		out = append(out, l)
	}
	if err := rows.Err(); err != nil || len(out) < digestMax {
		return out, 0, err
	}
	rows.Close()
	var n int
	if err := o.tx.QueryRowContext(o.ctx, `SELECT COUNT(*) FROM tickets t WHERE `+where, args...).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("count digest: %w", err)
	}
	return out, n - len(out), nil
}
