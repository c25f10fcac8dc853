package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Reader reads the store as one user may see it; see Store.As.
type Reader struct {
	s     *Store
	actor string
}

// As is the store as the user with login actor may read it. The user is
// looked up at each read: a disabled or unknown one reads nothing.
func (s *Store) As(actor string) *Reader { return &Reader{s: s, actor: actor} }

// user is the reading user, active.
func (r *Reader) user(ctx context.Context) (*User, error) {
	return actorUser(ctx, r.s.db, r.actor)
}

// holdsRole is the SQL condition that the user whose id is the
// placeholder p holds a role on the queue whose id is queue (a column). It
// is the one place that says what holding a role is. Correlated, it lets
// a list walk tickets newest first and stop at its limit: as an IN list,
// SQLite gathered and sorted every ticket of the user's queues first.
func holdsRole(p, queue string) string {
	return `EXISTS (SELECT 1 FROM user_roles r WHERE r.queue_id = ` + queue + ` AND r.user_id = ` + p + `)`
}

// seesNow makes the condition under which u sees the ticket aliased t as
// it is now: none for a sysadmin, who sees all. arg adds a query argument
// and returns its placeholder.
func seesNow(u *User, t string, arg func(any) string) []string {
	if u == nil || u.Sysadmin {
		return nil
	}
	p := arg(u.ID)
	return []string{`(` + holdsRole(p, t+`.queue_id`) + ` OR ` + t + `.owner_id = ` + p + `)`}
}

// sight is how much of a ticket a user sees: all of it, or its history up
// to and including one transaction.
type sight struct {
	all             bool
	untilCreated    int64 // with untilTxn: the last transaction seen, by (created, id)
	untilTxn        int64
	ticket, askedID int64
}

// sightOf is how much of ticket id (not followed through merges) u sees,
// read through q; ErrNotFound "no ticket asked" when nothing.
func sightOf(ctx context.Context, q querier, u *User, id, asked int64) (*sight, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	cond := `t.id = ` + arg(id)
	for _, c := range seesNow(u, "t", arg) {
		cond += " AND " + c
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets t WHERE `+cond, args...).Scan(&n); err != nil {
		return nil, fmt.Errorf("read ticket %d: %w", id, err)
	}
	if n > 0 {
		return &sight{all: true, ticket: id, askedID: asked}, nil
	}
	// Moved away from a queue of theirs: the last such move. Move rows
	// name the queues as they were called then: a name, once a queue's,
	// names it for good (queuenames.go).
	var created, txn int64
	err := q.QueryRowContext(ctx, `SELECT x.created, x.id FROM transactions x JOIN `+queueNames+` n ON n.name = x.old_value
		WHERE x.ticket_id = $1 AND x.type = 'move' AND `+holdsRole("$2", "n.queue_id")+`
		ORDER BY x.created DESC, x.id DESC LIMIT 1`, id, u.ID).Scan(&created, &txn)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, refuse(ErrNotFound, "no ticket %d", asked)
	}
	if err != nil {
		return nil, fmt.Errorf("read moves of ticket %d: %w", id, err)
	}
	return &sight{untilCreated: created, untilTxn: txn, ticket: id, askedID: asked}, nil
}

// sees reads the user and how much they see of ticket id, which is how
// much they see of the ticket holding it now (following merges).
func (r *Reader) sees(ctx context.Context, id int64) (*User, *sight, error) {
	u, err := r.user(ctx)
	if err != nil {
		return nil, nil, err
	}
	now, err := resolveMerged(ctx, r.s.db, id)
	if err != nil {
		return nil, nil, err
	}
	sg, err := sightOf(ctx, r.s.db, u, now, id)
	return u, sg, err
}

// Resolve follows merges from ticket id to the ticket that holds it now,
// when the user sees that one.
func (r *Reader) Resolve(ctx context.Context, id int64) (int64, error) {
	_, sg, err := r.sees(ctx, id)
	if err != nil {
		return 0, err
	}
	return sg.ticket, nil
}

// Ticket is Store.Ticket when the user sees the ticket (one moved away
// from a queue of theirs included), with the links of the tickets they
// see.
func (r *Reader) Ticket(ctx context.Context, id int64) (*Ticket, error) {
	u, _, err := r.sees(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err := r.s.Ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	// Links to tickets the user does not see tell nothing of them.
	if t.Links, err = seenLinks(ctx, r.s.db, u, t.Links); err != nil {
		return nil, err
	}
	return t, nil
}

// History is Store.History as the user sees it: the whole history, or up
// to and including the last move away from a queue of theirs.
func (r *Reader) History(ctx context.Context, id int64) ([]Transaction, error) {
	_, sg, err := r.sees(ctx, id)
	if err != nil {
		return nil, err
	}
	return r.s.history(ctx, id, sg)
}

// ListTickets is Store.ListTickets of the tickets the user sees now.
func (r *Reader) ListTickets(ctx context.Context, f Filter) ([]Ticket, error) {
	u, err := r.user(ctx)
	if err != nil {
		return nil, err
	}
	return r.s.listTickets(ctx, f, u)
}

// CountTickets counts the tickets of the filter the user sees now, all
// pages of them: what a list cut at its limit leaves out.
func (r *Reader) CountTickets(ctx context.Context, f Filter) (int, error) {
	u, err := r.user(ctx)
	if err != nil {
		return 0, err
	}
	return r.s.countTickets(ctx, f, u)
}

// Search is Store.Search among the tickets the user sees now.
func (r *Reader) Search(ctx context.Context, query string, f SearchFilter) ([]SearchHit, error) {
	u, err := r.user(ctx)
	if err != nil {
		return nil, err
	}
	return r.s.search(ctx, query, f, u)
}

// Stats is Store.Stats over the tickets the user sees now; without
// queues in the filter, of the queues where a non-sysadmin holds a role.
func (r *Reader) Stats(ctx context.Context, f StatsFilter) ([]QueueStats, *QueueStats, error) {
	u, err := r.user(ctx)
	if err != nil {
		return nil, nil, err
	}
	return r.s.stats(ctx, f, u)
}

// TicketMail is Store.TicketMail when the user sees the mail: a mail of a
// ticket they see, up to the move for one moved away.
func (r *Reader) TicketMail(ctx context.Context, id, msg int64) ([]byte, error) {
	_, sg, err := r.sees(ctx, id)
	if err != nil {
		return nil, err
	}
	if !sg.all {
		var created, txn int64
		err := r.s.db.QueryRowContext(ctx, `SELECT x.created, x.id FROM messages m JOIN transactions x ON x.id = m.txn_id WHERE m.id = $1`, msg).Scan(&created, &txn)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("read message %d: %w", msg, err)
		}
		if err != nil || !sg.shows(created, txn) {
			return nil, refuse(ErrNotFound, "ticket %d has no mail %d: 'sak ticket show %d -o json' lists its mails", sg.ticket, msg, sg.ticket)
		}
	}
	return r.s.TicketMail(ctx, sg.ticket, msg)
}

// shows reports whether the transaction (created, id) is in sight.
func (sg *sight) shows(created, id int64) bool {
	return sg.all || created < sg.untilCreated || created == sg.untilCreated && id <= sg.untilTxn
}

// Reminders is Store.Reminders of the tickets the user sees now; a
// ticket in the filter that they do not see is "no ticket N".
func (r *Reader) Reminders(ctx context.Context, f ReminderFilter) ([]Reminder, error) {
	u, err := r.user(ctx)
	if err != nil {
		return nil, err
	}
	if f.Ticket != 0 {
		if _, _, err := r.sees(ctx, f.Ticket); err != nil {
			return nil, err
		}
	}
	return r.s.reminders(ctx, f, u)
}

// Members is Store.Members for the queue's members and sysadmins; others
// are refused (ErrPermission): queues are public, who works them is not.
func (r *Reader) Members(ctx context.Context, queue string) ([]Member, error) {
	u, err := r.user(ctx)
	if err != nil {
		return nil, err
	}
	q, err := queueByName(ctx, r.s.db, queue)
	if err != nil {
		return nil, err
	}
	if !u.Sysadmin {
		roles, err := rolesOn(ctx, r.s.db, q.ID, u.ID)
		if err != nil {
			return nil, err
		}
		if len(roles) == 0 {
			return nil, refuse(ErrPermission, "the members of queue %s are shown to its members and sysadmins", q.Name)
		}
	}
	return r.s.Members(ctx, q.Name)
}

// QuarantineList is Store.QuarantineList of the mail the user sees: sent
// to a queue where they hold a role, or all for a sysadmin.
func (r *Reader) QuarantineList(ctx context.Context, status string, limit int) ([]Quarantined, error) {
	u, err := r.user(ctx)
	if err != nil {
		return nil, err
	}
	return r.s.quarantineList(ctx, status, limit, u)
}

// QuarantineGet is Store.QuarantineGet when the user sees the mail.
func (r *Reader) QuarantineGet(ctx context.Context, id int64) (*Quarantined, []byte, error) {
	u, err := r.user(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !u.Sysadmin {
		var n int
		if err := r.s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM quarantine x WHERE x.id = $1 AND `+r.s.seesQuarantined("x", "$2"), id, u.ID).Scan(&n); err != nil {
			return nil, nil, fmt.Errorf("read quarantined mail %d: %w", id, err)
		}
		if n == 0 {
			return nil, nil, refuse(ErrNotFound, "no quarantined mail %d: see 'sak quarantine list'", id)
		}
	}
	return r.s.QuarantineGet(ctx, id)
}

// seesQuarantined is the condition under which the user whose id is the
// placeholder p sees the quarantined mail aliased x: one of its
// recipients (queue addresses, comma-separated) is an address of a queue
// where they hold a role.
func (s *Store) seesQuarantined(x, p string) string {
	in := func(addr string) string {
		return fmt.Sprintf(s.d.contains, `',' || `+x+`.rcpts || ','`, `',' || `+addr+` || ','`)
	}
	return `EXISTS (SELECT 1 FROM queues q WHERE ` + holdsRole(p, "q.id") + ` AND (` + in("q.address") + ` OR ` + in("q.comment_address") + `))`
}

// mayRead reports whether the op's actor sees its locked ticket, now or up
// to a move: a write refused for one they do not see says "no ticket N".
func (o *op) mayRead() (bool, error) {
	_, err := sightOf(o.ctx, o.tx, o.actor, o.t.id, o.t.id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// QueueCount is how many tickets of a queue are new, open and stalled now.
type QueueCount struct {
	Queue   string `json:"queue"`
	New     int    `json:"new"`
	Open    int    `json:"open"`
	Stalled int    `json:"stalled"`
}

// QueueCounts counts the waiting tickets of the queues where the user
// holds a role (every queue for a sysadmin), by name: the web view's
// home. Cheaper than Stats, which also reads history.
func (r *Reader) QueueCounts(ctx context.Context) ([]QueueCount, error) {
	u, err := r.user(ctx)
	if err != nil {
		return nil, err
	}
	var args []any
	where := ""
	if !u.Sysadmin {
		args = append(args, u.ID)
		where = " AND " + holdsRole("$1", "q.id")
	}
	rows, err := r.s.db.QueryContext(ctx, `SELECT q.name,
		COALESCE(SUM(CASE WHEN t.status = 'new' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN t.status = 'open' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN t.status = 'stalled' THEN 1 ELSE 0 END), 0)
		FROM queues q LEFT JOIN tickets t ON t.queue_id = q.id AND t.merged_into IS NULL AND t.status IN ('new', 'open', 'stalled')
		WHERE q.disabled = FALSE`+where+` GROUP BY q.name ORDER BY q.name`, args...)
	if err != nil {
		return nil, fmt.Errorf("count tickets by queue: %w", err)
	}
	defer rows.Close()
	var out []QueueCount
	for rows.Next() {
		var c QueueCount
		if err := rows.Scan(&c.Queue, &c.New, &c.Open, &c.Stalled); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Week is one week's figures of Weekly.
type Week struct {
	Start    time.Time `json:"start"`
	Received int       `json:"received"` // tickets created in the week
	Resolved int       `json:"resolved"` // tickets resolved in the week, and resolved now
}

// Weekly counts, for n weeks from since, the tickets the user sees now
// that came in and that were resolved in each week: the web view's
// chart, in two queries however many weeks.
func (r *Reader) Weekly(ctx context.Context, since time.Time, n int) ([]Week, error) {
	u, err := r.user(ctx)
	if err != nil {
		return nil, err
	}
	const week = 7 * 24 * time.Hour
	out := make([]Week, n)
	for i := range out {
		out[i].Start = since.Add(time.Duration(i) * week)
	}
	from, to := micros(since), micros(since.Add(time.Duration(n)*week))
	for _, c := range []struct {
		col   string
		extra string
		add   func(w *Week, k int)
	}{
		{"t.created", "", func(w *Week, k int) { w.Received += k }},
		{"t.resolved", " AND t.status = 'resolved'", func(w *Week, k int) { w.Resolved += k }},
	} {
		args := []any{from, to, week.Microseconds()}
		arg := func(v any) string {
			args = append(args, v)
			return fmt.Sprintf("$%d", len(args))
		}
		where := strings.Join(append([]string{c.col + " >= $1", c.col + " < $2", "t.merged_into IS NULL"}, seesNow(u, "t", arg)...), " AND ")
		rows, err := r.s.db.QueryContext(ctx, `SELECT (`+c.col+` - $1) / $3, COUNT(*) FROM tickets t WHERE `+where+c.extra+` GROUP BY (`+c.col+` - $1) / $3`, args...)
		if err != nil {
			return nil, fmt.Errorf("count tickets by week: %w", err)
		}
		for rows.Next() {
			var i int64
			var k int
			if err := rows.Scan(&i, &k); err != nil {
				rows.Close()
				return nil, err
			}
			if i >= 0 && int(i) < n {
				c.add(&out[i], k)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PreviewTemplate is Store.PreviewTemplate, for a ticket only when the
// user sees it.
func (r *Reader) PreviewTemplate(ctx context.Context, queue, kind string, ticket int64) (*Preview, error) {
	if ticket != 0 {
		if _, err := r.Ticket(ctx, ticket); err != nil {
			return nil, err
		}
	}
	return r.s.PreviewTemplate(ctx, queue, kind, ticket)
}
