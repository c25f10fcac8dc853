package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxPriority is the highest priority a ticket has: RT's range is 0..99.
const MaxPriority = 99

// TicketChange is what EditTicket changes: the fields that are not nil.
type TicketChange struct {
	Subject  *string
	Priority *int
	// Due is the new due time; a zero time takes the due time away.
	Due *time.Time
	// Estimate is the minutes the work is expected to take.
	Estimate *int
}

// Empty reports whether the change changes nothing.
func (c TicketChange) Empty() bool {
	return c.Subject == nil && c.Priority == nil && c.Due == nil && c.Estimate == nil
}

// check refuses bad values and trims the subject.
func (c *TicketChange) check() error {
	if c.Empty() {
		return refuse(ErrInvalid, "nothing to change: give a subject, a priority, a due time or an estimate")
	}
	if c.Subject != nil {
		s := strings.TrimSpace(*c.Subject)
		switch {
		case s == "":
			return refuse(ErrInvalid, "a ticket needs a subject: give a subject that is not empty")
		case strings.ContainsAny(s, "\r\n"):
			return refuse(ErrInvalid, "a subject is one line: give it without line breaks")
		}
		c.Subject = &s
	}
	if c.Priority != nil && (*c.Priority < 0 || *c.Priority > MaxPriority) {
		return refuse(ErrInvalid, "priority %d is out of range: give a number from 0 to %d", *c.Priority, MaxPriority)
	}
	if c.Estimate != nil && (*c.Estimate < 0 || *c.Estimate > maxEstimate) {
		return refuse(ErrInvalid, "estimate %d is out of range: give the minutes, from 0 to %d", *c.Estimate, maxEstimate)
	}
	return nil
}

// maxEstimate is the largest estimate in minutes: a year of working days.
const maxEstimate = 250 * 8 * 60

// dueValue is a due time as a transaction row holds it: RFC 3339 in UTC,
// "" for none.
func dueValue(v sql.NullInt64) string {
	if !v.Valid {
		return ""
	}
	return fromMicros(v.Int64).Format(time.RFC3339)
}

// EditTicket changes a ticket's subject, priority, due time or estimate,
// each change a transaction (set-subject, set-priority, set-due,
// set-time_estimated) with the old
// and new values. Caseworkers of the ticket's queue (and sysadmins) may.
// A field given with the value it has is left out; a change that changes
// nothing at all is refused (ErrConflict).
func (s *Store) EditTicket(ctx context.Context, actor string, id int64, c TicketChange) error {
	if err := c.check(); err != nil {
		return err
	}
	return s.onTicket(ctx, actor, id, "edit", func(o *op) error {
		var priority, estimate int
		var due sql.NullInt64
		if err := o.tx.QueryRowContext(o.ctx, `SELECT priority, due, time_estimated FROM tickets WHERE id = $1`, o.t.id).Scan(&priority, &due, &estimate); err != nil {
			return fmt.Errorf("read ticket %d: %w", o.t.id, err)
		}
		changed := false
		set := func(field, old, new string, value any) error {
			if old == new {
				return nil
			}
			changed = true
			if _, err := o.tx.ExecContext(o.ctx, `UPDATE tickets SET `+field+` = $1 WHERE id = $2`, value, o.t.id); err != nil {
				return fmt.Errorf("set %s of ticket %d: %w", field, o.t.id, err)
			}
			_, err := o.record(TxSetPrefix+field, old, new, "")
			return err
		}
		if c.Subject != nil {
			if err := set("subject", o.t.subject, *c.Subject, *c.Subject); err != nil {
				return err
			}
			o.t.subject = *c.Subject
		}
		if c.Priority != nil {
			if err := set("priority", strconv.Itoa(priority), strconv.Itoa(*c.Priority), *c.Priority); err != nil {
				return err
			}
		}
		if c.Due != nil {
			v := sql.NullInt64{Int64: micros(*c.Due), Valid: !c.Due.IsZero()} // NULL takes it away
			if err := set("due", dueValue(due), dueValue(v), v); err != nil {
				return err
			}
		}
		if c.Estimate != nil {
			if err := set("time_estimated", strconv.Itoa(estimate), strconv.Itoa(*c.Estimate), *c.Estimate); err != nil {
				return err
			}
		}
		if !changed {
			return refuse(ErrConflict, "ticket %d has these values already: nothing changed", o.t.id)
		}
		return nil
	})
}

// onTicket runs do on ticket id, locked, in one SQL transaction, as
// actor; with what (the verb a refusal names) not "", only once the
// actor is found to be one who may work the ticket.
func (s *Store) onTicket(ctx context.Context, actor string, id int64, what string, do func(o *op) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		o := s.newOp(ctx, tx)
		var err error
		if o.actor, err = actorUser(ctx, tx, actor); err != nil {
			return err
		}
		if err := o.lock(id); err != nil {
			return err
		}
		if what != "" {
			if err := o.mustWork(what); err != nil {
				return err
			}
		}
		return do(o)
	})
}

// untake leaves the locked ticket unowned. Its owner may, as may those
// who may steal it.
func (o *op) untake() error {
	if !o.t.ownerID.Valid {
		return refuse(ErrConflict, "nobody owns ticket %d", o.t.id)
	}
	if o.actor == nil || o.t.ownerID.Int64 != o.actor.ID {
		if err := o.mustWork("untake"); err != nil {
			return err
		}
	}
	old, err := o.loginOf(o.t.ownerID)
	if err != nil {
		return err
	}
	if _, err := o.tx.ExecContext(o.ctx, `UPDATE tickets SET owner_id = NULL WHERE id = $1`, o.t.id); err != nil {
		return fmt.Errorf("set owner of ticket %d: %w", o.t.id, err)
	}
	o.t.ownerID = sql.NullInt64{}
	_, err = o.record(TxUntake, old, "", "")
	return err
}

// Untake leaves a ticket unowned: its owner may, and those who may steal
// it from its owner.
func (s *Store) Untake(ctx context.Context, actor string, id int64) error {
	return s.Act(ctx, actor, id, Action{Name: "untake"})
}

// LinkTicket links ticket id to ticket other with a link of type typ
// (LinkTypes), recorded as a link transaction on id. Caseworkers of id's
// queue (and sysadmins) may, when they see other. A link to the ticket
// itself is refused; one that exists already is refused with ErrConflict
// and changes nothing.
func (s *Store) LinkTicket(ctx context.Context, actor string, id int64, typ string, other int64) error {
	return s.changeLink(ctx, actor, id, typ, other, true)
}

// UnlinkTicket takes away the link LinkTicket made, recorded as an unlink
// transaction on id.
func (s *Store) UnlinkTicket(ctx context.Context, actor string, id int64, typ string, other int64) error {
	return s.changeLink(ctx, actor, id, typ, other, false)
}

// linkWords are the link types as a sentence says them, from the
// ticket's side.
var linkWords = map[string]string{LinkDependsOn: "depends on", LinkRefersTo: "refers to", LinkMemberOf: "is a member of"}

func (s *Store) changeLink(ctx context.Context, actor string, id int64, typ string, other int64, add bool) error {
	words, ok := linkWords[typ]
	if !ok {
		return refuse(ErrInvalid, "unknown link type %q: give one of %s", typ, strings.Join(LinkTypes, ", "))
	}
	what := "link"
	if !add {
		what = "unlink"
	}
	return s.onTicket(ctx, actor, id, what, func(o *op) error {
		to, err := resolveMerged(ctx, o.tx, other)
		if err != nil {
			return err
		}
		if _, err := sightOf(ctx, o.tx, o.actor, to, other); err != nil {
			return err
		}
		if to == o.t.id {
			return refuse(ErrInvalid, "ticket %d cannot be linked to itself", o.t.id)
		}
		target := strconv.FormatInt(to, 10)
		var n int
		if err := o.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM links WHERE ticket_id = $1 AND type = $2 AND (target_ticket = $3 OR target = $4)`,
			o.t.id, typ, to, target).Scan(&n); err != nil {
			return fmt.Errorf("read links of ticket %d: %w", o.t.id, err)
		}
		txType := TxLink
		switch {
		case add && n > 0:
			return refuse(ErrConflict, "ticket %d %s #%d already: nothing changed", o.t.id, words, to)
		case add:
			_, err = o.tx.ExecContext(ctx, `INSERT INTO links (ticket_id, type, target, target_ticket, created) VALUES ($1, $2, $3, $4, $5)`,
				o.t.id, typ, target, to, o.now)
		case n == 0:
			return refuse(ErrNotFound, "ticket %d has no %s link to #%d: 'sak ticket show %[1]d' lists its links", o.t.id, typ, to)
		default:
			txType = TxUnlink
			_, err = o.tx.ExecContext(ctx, `DELETE FROM links WHERE ticket_id = $1 AND type = $2 AND (target_ticket = $3 OR target = $4)`, o.t.id, typ, to, target)
		}
		if err != nil {
			return fmt.Errorf("%s ticket %d: %w", what, o.t.id, err)
		}
		_, err = o.record(txType, typ, target, "")
		return err
	})
}

// links reads the links of ticket id and the links of other tickets to it.
func links(ctx context.Context, q querier, id int64) ([]Link, error) {
	rows, err := q.QueryContext(ctx, `SELECT 'out', type, target, target_ticket FROM links WHERE ticket_id = $1
		UNION ALL SELECT 'in', type, '', ticket_id FROM links WHERE target_ticket = $1
		ORDER BY 1 DESC, 2, 4, 3`, id)
	if err != nil {
		return nil, fmt.Errorf("read links of ticket %d: %w", id, err)
	}
	defer rows.Close()
	var out []Link
	for rows.Next() {
		var l Link
		var ticket sql.NullInt64
		if err := rows.Scan(&l.Direction, &l.Type, &l.URI, &ticket); err != nil {
			return nil, fmt.Errorf("read links of ticket %d: %w", id, err)
		}
		if ticket.Valid {
			l.Ticket, l.URI = ticket.Int64, ""
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// seenLinks drops the links to and from tickets u does not see.
func seenLinks(ctx context.Context, q querier, u *User, ls []Link) ([]Link, error) {
	var out []Link
	for _, l := range ls {
		if l.Ticket != 0 {
			if _, err := sightOf(ctx, q, u, l.Ticket, l.Ticket); errors.Is(err, ErrNotFound) {
				continue
			} else if err != nil {
				return nil, err
			}
		}
		out = append(out, l)
	}
	return out, nil
}
