package mailstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Transaction types of watching a ticket and of time worked on it.
const (
	TxWatch   = "watch"   // new_value the login of the watcher
	TxUnwatch = "unwatch" // old_value the login of the watcher
	TxTime    = "time"    // old/new the minutes worked in all, time_taken the minutes added, note the comment
)

// Watch makes the user with login watch ticket id: they get its
// requestors' mail and its comments, as the watchers of its queue do,
// whoever owns it. login "" is the actor. Anyone who sees the ticket may
// watch it; to make another watch it takes a caseworker of its queue (as
// giving it does), and the other must see it too.
func (s *Store) Watch(ctx context.Context, actor string, id int64, login string) error {
	return s.changeWatch(ctx, actor, id, login, true)
}

// Unwatch stops the user with login watching ticket id: login "" is the
// actor, who may always stop; stopping another takes a caseworker of its
// queue.
func (s *Store) Unwatch(ctx context.Context, actor string, id int64, login string) error {
	return s.changeWatch(ctx, actor, id, login, false)
}

func (s *Store) changeWatch(ctx context.Context, actor string, id int64, login string, add bool) error {
	return s.onTicket(ctx, actor, id, "", func(o *op) error {
		u := o.actor
		if login != "" && !strings.EqualFold(login, o.actor.Login) {
			verb := "make others watch"
			if !add {
				verb = "stop others watching"
			}
			if err := o.mustWork(verb); err != nil {
				return err
			}
			var err error
			if u, err = userByLogin(o.ctx, o.tx, login); err != nil {
				return err
			}
			if u.Disabled {
				return refuse(ErrDisabled, "user %s is disabled", u.Login)
			}
		}
		watching, err := o.watching(u.ID)
		if err != nil {
			return err
		}
		if !add {
			if !watching && u == o.actor {
				if ok, err := o.mayRead(); err != nil {
					return err
				} else if !ok {
					return refuse(ErrNotFound, "no ticket %d", o.asked)
				}
			}
			if !watching {
				return refuse(ErrNotFound, "%s is not watching ticket %d", u.Login, o.t.id)
			}
			if _, err := o.tx.ExecContext(o.ctx, `DELETE FROM ticket_watchers WHERE ticket_id = $1 AND user_id = $2`, o.t.id, u.ID); err != nil {
				return fmt.Errorf("unwatch ticket %d: %w", o.t.id, err)
			}
			_, err = o.record(TxUnwatch, u.Login, "", "")
			return err
		}
		// A watcher gets the ticket's mail: only one who sees it now.
		sg, err := sightOf(o.ctx, o.tx, u, o.t.id, o.asked)
		switch {
		case err != nil && u != o.actor:
			return refuse(ErrPermission, "%s does not see ticket %d, so may not watch it: grant them a role on queue %s first", u.Login, o.t.id, o.queue.Name)
		case err != nil:
			return err
		case !sg.all:
			return refuse(ErrPermission, "%s sees ticket %d only up to its move away from their queue, so may not watch it", u.Login, o.t.id)
		case watching:
			return refuse(ErrConflict, "%s is watching ticket %d already", u.Login, o.t.id)
		}
		if _, err := o.tx.ExecContext(o.ctx, `INSERT INTO ticket_watchers (ticket_id, user_id, created) VALUES ($1, $2, $3)`, o.t.id, u.ID, o.now); err != nil {
			return fmt.Errorf("watch ticket %d: %w", o.t.id, err)
		}
		_, err = o.record(TxWatch, "", u.Login, "")
		return err
	})
}

// watching reports whether the user watches the locked ticket.
func (o *op) watching(userID int64) (bool, error) {
	var n int
	if err := o.tx.QueryRowContext(o.ctx, `SELECT COUNT(*) FROM ticket_watchers WHERE ticket_id = $1 AND user_id = $2`, o.t.id, userID).Scan(&n); err != nil {
		return false, fmt.Errorf("read watchers of ticket %d: %w", o.t.id, err)
	}
	return n > 0, nil
}

// watchersOf lists the logins of ticket id's watchers.
func watchersOf(ctx context.Context, q querier, id int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.login FROM ticket_watchers w JOIN users u ON u.id = w.user_id
		WHERE w.ticket_id = $1 ORDER BY u.login`, id)
	if err != nil {
		return nil, fmt.Errorf("read watchers of ticket %d: %w", id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var login string
		if err := rows.Scan(&login); err != nil {
			return nil, fmt.Errorf("read watchers of ticket %d: %w", id, err)
		}
		out = append(out, login)
	}
	return out, rows.Err()
}

// MaxMinutes is the most minutes one entry of time worked adds: a week
// of days and nights, more than anyone works on a ticket at once.
const MaxMinutes = 7 * 24 * 60

// AddTime adds minutes worked to ticket id, recorded as a time
// transaction with the comment. Caseworkers of its queue (and sysadmins)
// may. A negative number corrects an earlier entry; the total stays at
// zero or more.
func (s *Store) AddTime(ctx context.Context, actor string, id int64, minutes int, comment string) error {
	comment = strings.TrimSpace(comment)
	switch {
	case minutes == 0:
		return refuse(ErrInvalid, "0 minutes adds nothing: give the minutes worked, as 30")
	case minutes > MaxMinutes || minutes < -MaxMinutes:
		return refuse(ErrInvalid, "%d minutes is more than a week: give the minutes of one piece of work", minutes)
	case strings.ContainsAny(comment, "\r\n"):
		return refuse(ErrInvalid, "a time comment is one line: give it without line breaks")
	}
	return s.onTicket(ctx, actor, id, "record time on", func(o *op) error {
		var worked int
		if err := o.tx.QueryRowContext(o.ctx, `SELECT time_worked FROM tickets WHERE id = $1`, o.t.id).Scan(&worked); err != nil {
			return fmt.Errorf("read ticket %d: %w", o.t.id, err)
		}
		total := worked + minutes
		if total < 0 {
			return refuse(ErrInvalid, "ticket %d has %d minutes worked: it cannot take away %d", o.t.id, worked, -minutes)
		}
		if _, err := o.tx.ExecContext(o.ctx, `UPDATE tickets SET time_worked = $1 WHERE id = $2`, total, o.t.id); err != nil {
			return fmt.Errorf("set time worked of ticket %d: %w", o.t.id, err)
		}
		_, err := o.recordTime(TxTime, strconv.Itoa(worked), strconv.Itoa(total), comment, minutes)
		return err
	})
}
