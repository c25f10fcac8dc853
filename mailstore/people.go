package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// AddCc makes addr a Cc of the ticket: it receives the caseworkers'
// answers, and its mail is correspondence. Caseworkers of the ticket's
// queue (and sysadmins) may; mail never does it for a follow-up, whose
// From anyone can forge.
func (s *Store) AddCc(ctx context.Context, actor string, id int64, addr string) error {
	return s.changeCc(ctx, actor, id, addr, true)
}

// RemoveCc takes addr off the ticket's Ccs. Caseworkers of the ticket's
// queue (and sysadmins) may.
func (s *Store) RemoveCc(ctx context.Context, actor string, id int64, addr string) error {
	return s.changeCc(ctx, actor, id, addr, false)
}

func (s *Store) changeCc(ctx context.Context, actor string, id int64, addr string, add bool) error {
	a, err := CleanAddress(addr)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		o := s.newOp(ctx, tx)
		if o.actor, err = actorUser(ctx, tx, actor); err != nil {
			return err
		}
		if err := o.lock(id); err != nil {
			return err
		}
		what := "remove Ccs of"
		if add {
			what = "add Ccs to"
		}
		if err := o.mustWork(what); err != nil {
			return err
		}
		if add {
			return o.addCc(a)
		}
		return o.removeCc(a)
	})
}

// addCc adds a as a Cc of the locked ticket and records it: never one of
// sak's own addresses or staff (they follow tickets as owner or watcher),
// nor someone on the ticket already.
func (o *op) addCc(a string) error {
	if q, _, err := queueByAddress(o.ctx, o.tx, a); err == nil {
		return refuse(ErrInvalid, "%s is an address of queue %s, not a person", a, q.Name)
	} else if !errors.Is(err, ErrUnknownQueue) {
		return err
	}
	u, err := ensureUser(o.ctx, o.tx, a, "", o.now)
	if err != nil {
		return err
	}
	if u.Login != "" {
		return refuse(ErrInvalid, "%s is %s's address: caseworkers follow tickets as owner or watcher, not as Cc", a, u.Login)
	}
	roles, err := o.rolesOf(u.ID)
	if err != nil {
		return err
	}
	if len(roles) > 0 {
		role := roles[0]
		if role == "cc" {
			role = "Cc"
		}
		return refuse(ErrConflict, "%s is a %s of ticket %d already", a, role, o.t.id)
	}
	if _, err := o.addUser(u, "cc"); err != nil {
		return err
	}
	_, err = o.record(TxAddCc, "", a, "")
	return err
}

// removeCc takes a off the locked ticket's Ccs and records it.
func (o *op) removeCc(a string) error {
	res, err := o.tx.ExecContext(o.ctx, `DELETE FROM ticket_people WHERE ticket_id = $1 AND role = 'cc'
		AND user_id = (SELECT id FROM users WHERE email = $2)`, o.t.id, a)
	if err != nil {
		return fmt.Errorf("remove Cc %s from ticket %d: %w", a, o.t.id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("remove Cc %s from ticket %d: %w", a, o.t.id, err)
	} else if n == 0 {
		return refuse(ErrNotFound, "%s is not a Cc of ticket %d", a, o.t.id)
	}
	_, err = o.record(TxDelCc, a, "", "")
	return err
}

// rolesOf lists the roles the user holds on the locked ticket.
func (o *op) rolesOf(userID int64) ([]string, error) {
	rows, err := o.tx.QueryContext(o.ctx, `SELECT role FROM ticket_people WHERE ticket_id = $1 AND user_id = $2 ORDER BY role`, o.t.id, userID)
	if err != nil {
		return nil, fmt.Errorf("read people of ticket %d: %w", o.t.id, err)
	}
	defer rows.Close()
	var roles []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, fmt.Errorf("read people of ticket %d: %w", o.t.id, err)
		}
		roles = append(roles, r)
	}
	return roles, rows.Err()
}
