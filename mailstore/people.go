package mailstore

import (
	"context"
	"errors"
	"fmt"
)

// AddCc makes addr a Cc of the ticket: it receives the caseworkers'
// answers, and its mail is correspondence. Caseworkers of the ticket's
// queue (and sysadmins) may; mail never does it for a follow-up, whose
// From anyone can forge.
func (s *Store) AddCc(ctx context.Context, actor string, id int64, addr string) error {
	return s.changePerson(ctx, actor, id, addr, ccRole, true)
}

// RemoveCc takes addr off the ticket's Ccs. Caseworkers of the ticket's
// queue (and sysadmins) may.
func (s *Store) RemoveCc(ctx context.Context, actor string, id int64, addr string) error {
	return s.changePerson(ctx, actor, id, addr, ccRole, false)
}

// AddRequestor makes addr a requestor of the ticket, as AddCc a Cc.
func (s *Store) AddRequestor(ctx context.Context, actor string, id int64, addr string) error {
	return s.changePerson(ctx, actor, id, addr, requestorRole, true)
}

// RemoveRequestor takes addr off the ticket's requestors, as RemoveCc off
// its Ccs; a ticket keeps at least one requestor.
func (s *Store) RemoveRequestor(ctx context.Context, actor string, id int64, addr string) error {
	return s.changePerson(ctx, actor, id, addr, requestorRole, false)
}

// personRole is a role people hold on a ticket, as the operations that
// add and remove them need it.
type personRole struct {
	role       string // ticket_people.role
	name       string // as a sentence says it
	plural     string
	add, del   string // the transaction types
	staffMayBe bool   // whether a caseworker's address may hold it
}

var (
	ccRole        = personRole{role: "cc", name: "Cc", plural: "Ccs", add: TxAddCc, del: TxDelCc}
	requestorRole = personRole{role: "requestor", name: "requestor", plural: "requestors", add: TxAddRequest, del: TxDelRequest, staffMayBe: true}
)

func (s *Store) changePerson(ctx context.Context, actor string, id int64, addr string, r personRole, add bool) error {
	a, err := CleanAddress(addr)
	if err != nil {
		return err
	}
	what := "remove " + r.plural + " of"
	if add {
		what = "add " + r.plural + " to"
	}
	return s.onTicket(ctx, actor, id, what, func(o *op) error {
		if add {
			return o.addRole(a, r)
		}
		return o.removeRole(a, r)
	})
}

// addRole adds a to the locked ticket in role r and records it: never one
// of sak's own addresses, nor someone on the ticket already, nor staff as
// a Cc (they follow tickets as owner or watcher).
func (o *op) addRole(a string, r personRole) error {
	if q, _, err := queueByAddress(o.ctx, o.tx, a); err == nil {
		return refuse(ErrInvalid, "%s is an address of queue %s, not a person", a, q.Name)
	} else if !errors.Is(err, ErrUnknownQueue) {
		return err
	}
	u, err := ensureUser(o.ctx, o.tx, a, "", o.now)
	if err != nil {
		return err
	}
	if u.Login != "" && !r.staffMayBe {
		return refuse(ErrInvalid, "%s is %s's address: caseworkers follow tickets as owner or watcher, not as %s", a, u.Login, r.name)
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
		if role == "Cc" && r.role == requestorRole.role {
			return refuse(ErrConflict, "%s is a Cc of ticket %d: to make it a requestor, remove the Cc first ('sak ticket cc remove %[2]d %[1]s')", a, o.t.id)
		}
		return refuse(ErrConflict, "%s is a %s of ticket %d already", a, role, o.t.id)
	}
	if err := o.addUser(u, r.role); err != nil {
		return err
	}
	_, err = o.record(r.add, "", a, "")
	return err
}

// removeRole takes a out of role r on the locked ticket and records it;
// the last requestor stays.
func (o *op) removeRole(a string, r personRole) error {
	if r.role == requestorRole.role {
		var n int
		if err := o.tx.QueryRowContext(o.ctx, `SELECT COUNT(*) FROM ticket_people WHERE ticket_id = $1 AND role = 'requestor'`, o.t.id).Scan(&n); err != nil {
			return fmt.Errorf("count requestors of ticket %d: %w", o.t.id, err)
		}
		if n == 1 {
			var only string
			if err := o.tx.QueryRowContext(o.ctx, `SELECT u.email FROM ticket_people p JOIN users u ON u.id = p.user_id WHERE p.ticket_id = $1 AND p.role = 'requestor'`, o.t.id).Scan(&only); err != nil {
				return fmt.Errorf("read requestors of ticket %d: %w", o.t.id, err)
			}
			if only == a {
				return refuse(ErrConflict, "%s is the only requestor of ticket %d, which needs one: add the new requestor first ('sak ticket requestor add %[2]d ADDR'), then remove this one", a, o.t.id)
			}
		}
	}
	res, err := o.tx.ExecContext(o.ctx, `DELETE FROM ticket_people WHERE ticket_id = $1 AND role = $2
		AND user_id = (SELECT id FROM users WHERE email = $3)`, o.t.id, r.role, a)
	if err != nil {
		return fmt.Errorf("remove %s %s from ticket %d: %w", r.name, a, o.t.id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("remove %s %s from ticket %d: %w", r.name, a, o.t.id, err)
	} else if n == 0 {
		return refuse(ErrNotFound, "%s is not a %s of ticket %d", a, r.name, o.t.id)
	}
	_, err = o.record(r.del, a, "", "")
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
