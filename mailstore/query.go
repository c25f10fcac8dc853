package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

const ticketCols = `t.id, t.queue_id, q.name, t.subject, t.status, COALESCE(o.login, o.email), t.priority, t.created, t.updated, t.resolved, t.merged_into, t.due, t.time_worked, t.time_estimated`

const ticketFrom = ` FROM tickets t JOIN queues q ON q.id = t.queue_id LEFT JOIN users o ON o.id = t.owner_id`

func scanTicket(row interface{ Scan(...any) error }) (*Ticket, error) {
	var t Ticket
	var owner sql.NullString
	var created, updated int64
	var resolved, merged, due sql.NullInt64
	if err := row.Scan(&t.ID, &t.QueueID, &t.Queue, &t.Subject, &t.Status, &owner, &t.Priority, &created, &updated, &resolved, &merged,
		&due, &t.TimeWorked, &t.TimeEstimated); err != nil {
		return nil, err
	}
	if owner.Valid {
		t.Owner = &owner.String
	}
	t.Created, t.Updated, t.Resolved, t.Due = fromMicros(created), fromMicros(updated), nullTime(resolved), nullTime(due)
	if merged.Valid {
		t.MergedInto = &merged.Int64
	}
	t.Requestors, t.Ccs, t.AlsoSentTo = []string{}, []string{}, []string{}
	return &t, nil
}

// Ticket reads one ticket with its people. A merged ticket is returned as
// it is, with MergedInto set; see Resolve.
func (s *Store) Ticket(ctx context.Context, id int64) (*Ticket, error) {
	t, err := scanTicket(s.db.QueryRowContext(ctx, `SELECT `+ticketCols+ticketFrom+` WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, refuse(ErrNotFound, "no ticket %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read ticket %d: %w", id, err)
	}
	if err := s.fillPeople(ctx, []*Ticket{t}); err != nil {
		return nil, err
	}
	if t.Links, err = links(ctx, s.db, t.ID); err != nil {
		return nil, err
	}
	if t.Fields, err = fields(ctx, s.db, t.ID); err != nil {
		return nil, err
	}
	if t.Watchers, err = watchersOf(ctx, s.db, t.ID); err != nil {
		return nil, err
	}
	return t, nil
}

// Resolve follows merges from ticket id to the ticket that holds it now.
func (s *Store) Resolve(ctx context.Context, id int64) (int64, error) {
	return resolveMerged(ctx, s.db, id)
}

// resolveMerged follows merges from ticket id, through q, to the ticket
// that holds it now.
func resolveMerged(ctx context.Context, q querier, id int64) (int64, error) {
	for hops := 0; hops < 32; hops++ {
		var merged sql.NullInt64
		err := q.QueryRowContext(ctx, `SELECT merged_into FROM tickets WHERE id = $1`, id).Scan(&merged)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, refuse(ErrNotFound, "no ticket %d", id)
		}
		if err != nil {
			return 0, fmt.Errorf("read ticket %d: %w", id, err)
		}
		if !merged.Valid {
			return id, nil
		}
		id = merged.Int64
	}
	return id, nil
}

// fillPeople reads the requestors, Ccs and other queues of the tickets in
// one query each.
func (s *Store) fillPeople(ctx context.Context, ts []*Ticket) error {
	if len(ts) == 0 {
		return nil
	}
	byID := make(map[int64]*Ticket, len(ts))
	ids := make([]int64, len(ts))
	for i, t := range ts {
		byID[t.ID] = t
		ids[i] = t.ID
	}
	in := idList(ids)
	rows, err := s.db.QueryContext(ctx, `SELECT p.ticket_id, p.role, u.email, u.name FROM ticket_people p JOIN users u ON u.id = p.user_id
		WHERE p.ticket_id IN (`+in+`) ORDER BY p.ticket_id, u.email`)
	if err != nil {
		return fmt.Errorf("read ticket people: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var role, email, name string
		if err := rows.Scan(&id, &role, &email, &name); err != nil {
			return err
		}
		t := byID[id]
		if name != "" {
			if t.Names == nil {
				t.Names = map[string]string{}
			}
			t.Names[email] = name
		}
		if role == "requestor" {
			t.Requestors = append(t.Requestors, email)
		} else {
			t.Ccs = append(t.Ccs, email)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT a.ticket_id, q.name FROM ticket_also a JOIN queues q ON q.id = a.queue_id
		WHERE a.ticket_id IN (`+in+`) ORDER BY a.ticket_id, q.name`)
	if err != nil {
		return fmt.Errorf("read ticket queues: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		byID[id].AlsoSentTo = append(byID[id].AlsoSentTo, name)
	}
	return rows.Err()
}

// Filter selects tickets for ListTickets. Zero values select everything.
type Filter struct {
	Queues    []string
	Statuses  []string
	Owner     string // a login; see NoOwner
	NoOwner   bool   // only unowned tickets
	Requestor string // an address
	CreatedTo time.Time
	UpdatedTo time.Time
	Limit     int
	// Sort is the order of the list, one of Sorts; "" is SortID. Each
	// order has its natural direction (see Sorts) and ties go by number in
	// the same direction; Reverse turns the whole list round.
	Sort    string
	Reverse bool
	// After pages by ticket: only tickets that come after ticket After in
	// the list's order (the next page after a page ending at After).
	// Offset skips that many tickets of the list first.
	After      int64
	Offset     int
	IncludeAll bool // include merged tickets
	// Waiting selects the work that waits: new and open tickets, and
	// stalled ones with a reminder due.
	Waiting bool
}

// The orders of a ticket list (Filter.Sort).
const (
	SortID       = "id"       // newest first, by number
	SortCreated  = "created"  // newest first
	SortUpdated  = "updated"  // last changed first
	SortPriority = "priority" // highest priority first
	SortDue      = "due"      // soonest due first; tickets with no due time last
)

// Sorts are the orders of a ticket list, each in its natural direction.
var Sorts = []string{SortCreated, SortUpdated, SortPriority, SortDue, SortID}

// ticketOrder is how a list in order sort, reversed or not, is sorted:
// the column, whether it goes down (largest first), and whether its
// empty values (NULL) come first.
type ticketOrder struct {
	col        string
	desc       bool
	nullsFirst bool
}

func orderOf(sort string, reverse bool) (ticketOrder, error) {
	var o ticketOrder
	switch sort {
	case "", SortID:
		o = ticketOrder{col: "t.id", desc: true}
	case SortCreated:
		o = ticketOrder{col: "t.created", desc: true}
	case SortUpdated:
		o = ticketOrder{col: "t.updated", desc: true}
	case SortPriority:
		o = ticketOrder{col: "t.priority", desc: true}
	case SortDue:
		o = ticketOrder{col: "t.due"}
	default:
		return o, refuse(ErrInvalid, "cannot sort by %q: sort by one of %s", sort, strings.Join(Sorts, ", "))
	}
	if reverse {
		o.desc, o.nullsFirst = !o.desc, !o.nullsFirst
	}
	return o, nil
}

// orderBy is the ORDER BY of the order: its column, then the number in
// the same direction.
func (o ticketOrder) orderBy() string {
	dir := " ASC"
	if o.desc {
		dir = " DESC"
	}
	by := o.col + dir
	if o.col == "t.due" {
		if o.nullsFirst {
			by += " NULLS FIRST"
		} else {
			by += " NULLS LAST"
		}
	}
	if o.col != "t.id" {
		by += ", t.id" + dir
	}
	return by
}

// after is the condition on tickets that come after ticket id in the
// order, as u sees the list; ErrNotFound when u sees no ticket id.
func (s *Store) after(ctx context.Context, o ticketOrder, id int64, u *User, arg func(any) string) (string, error) {
	var args []any
	own := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	cond := "t.id = " + own(id)
	for _, c := range seesNow(u, "t", own) {
		cond += " AND " + c
	}
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT `+o.col+` FROM tickets t WHERE `+cond, args...).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", refuse(ErrNotFound, "no ticket %d to list the tickets after", id)
	}
	if err != nil {
		return "", fmt.Errorf("read ticket %d: %w", id, err)
	}
	cmp := ">"
	if o.desc {
		cmp = "<"
	}
	if o.col == "t.id" {
		return "t.id " + cmp + " " + arg(id), nil
	}
	// Past it: the same value and a number further on, or a value further
	// on; NULL values stand together at one end.
	tie := "t.id " + cmp + " " + arg(id)
	switch {
	case !v.Valid && o.nullsFirst:
		return "((" + o.col + " IS NULL AND " + tie + ") OR " + o.col + " IS NOT NULL)", nil
	case !v.Valid:
		return "(" + o.col + " IS NULL AND " + tie + ")", nil
	}
	p := arg(v.Int64)
	cond = "(" + o.col + " " + cmp + " " + p + " OR (" + o.col + " = " + p + " AND " + tie + ")"
	if o.col == "t.due" && !o.nullsFirst {
		cond += " OR " + o.col + " IS NULL"
	}
	return cond + ")", nil
}

// countTickets counts the tickets of the filter that u sees now, all
// pages of them.
func (s *Store) countTickets(ctx context.Context, f Filter, u *User) (int, error) {
	where, args, err := s.ticketWhere(ctx, f, u, false)
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets t`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count tickets: %w", err)
	}
	return n, nil
}

// ListTickets lists tickets in the filter's order, newest first unless
// told.
func (s *Store) ListTickets(ctx context.Context, f Filter) ([]Ticket, error) {
	return s.listTickets(ctx, f, nil)
}

// ticketWhere is the condition of the filter's tickets that u sees now
// (every ticket for a nil u), with its arguments; paging (After) only
// when paged.
func (s *Store) ticketWhere(ctx context.Context, f Filter, u *User, paged bool) (string, []any, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if !f.IncludeAll {
		where = append(where, "t.merged_into IS NULL")
	}
	qs, err := s.queueStatusWhere(ctx, arg, f.Queues, f.Statuses)
	if err != nil {
		return "", nil, err
	}
	where = append(where, qs...)
	if f.Waiting {
		where = append(where, `(t.status IN ('new', 'open') OR (t.status = 'stalled' AND EXISTS
			(SELECT 1 FROM reminders r WHERE r.ticket_id = t.id AND r.done = FALSE AND r.due <= `+arg(micros(s.now()))+`)))`)
	}
	switch {
	case f.NoOwner:
		where = append(where, "t.owner_id IS NULL")
	case f.Owner != "":
		u, err := userByLogin(ctx, s.db, f.Owner)
		if err != nil {
			return "", nil, err
		}
		where = append(where, "t.owner_id = "+arg(u.ID))
	}
	if f.Requestor != "" {
		where = append(where, `EXISTS (SELECT 1 FROM ticket_people p JOIN users u ON u.id = p.user_id
			WHERE p.ticket_id = t.id AND p.role = 'requestor' AND u.email = `+arg(strings.ToLower(f.Requestor))+`)`)
	}
	if !f.CreatedTo.IsZero() {
		where = append(where, "t.created < "+arg(micros(f.CreatedTo)))
	}
	if !f.UpdatedTo.IsZero() {
		where = append(where, "t.updated < "+arg(micros(f.UpdatedTo)))
	}
	if paged && f.After > 0 {
		o, err := orderOf(f.Sort, f.Reverse)
		if err != nil {
			return "", nil, err
		}
		c, err := s.after(ctx, o, f.After, u, arg)
		if err != nil {
			return "", nil, err
		}
		where = append(where, c)
	}
	where = append(where, seesNow(u, "t", arg)...)
	if len(where) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(where, " AND "), args, nil
}

// listTickets lists the tickets of the filter that u sees now; every
// ticket for a nil u.
func (s *Store) listTickets(ctx context.Context, f Filter, u *User) ([]Ticket, error) {
	o, err := orderOf(f.Sort, f.Reverse)
	if err != nil {
		return nil, err
	}
	if f.Offset < 0 || f.Limit < 0 {
		return nil, refuse(ErrInvalid, "a list has no negative limit or offset")
	}
	where, args, err := s.ticketWhere(ctx, f, u, true)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + ticketCols + ticketFrom + where + " ORDER BY " + o.orderBy()
	if f.Limit > 0 || f.Offset > 0 {
		// LIMIT -1 is no limit on SQLite, LIMIT NULL on PostgreSQL;
		// neither takes the other's, so a list with only an offset
		// gets a limit no list reaches.
		limit := f.Limit
		if limit == 0 {
			limit = math.MaxInt32
		}
		args = append(args, limit, f.Offset)
		q += fmt.Sprintf(" LIMIT $%d OFFSET $%d", len(args)-1, len(args))
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	defer rows.Close()
	var ts []*Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.fillPeople(ctx, ts); err != nil {
		return nil, err
	}
	out := make([]Ticket, len(ts))
	for i, t := range ts {
		out[i] = *t
	}
	return out, nil
}

// queueStatusWhere makes the conditions on t.queue_id and t.status that
// select tickets in the named queues and with the given statuses; arg
// adds a query argument and returns its placeholder.
func (s *Store) queueStatusWhere(ctx context.Context, arg func(any) string, queues, statuses []string) ([]string, error) {
	var where []string
	if len(queues) > 0 {
		var ps []string
		for _, name := range queues {
			q, err := queueByName(ctx, s.db, name)
			if err != nil {
				return nil, err
			}
			ps = append(ps, arg(q.ID))
		}
		where = append(where, "t.queue_id IN ("+strings.Join(ps, ", ")+")")
	}
	if len(statuses) > 0 {
		var ps []string
		for _, st := range statuses {
			if !validStatus(st) {
				return nil, refuse(ErrInvalid, "status %q is not one of %s", st, strings.Join(Statuses, ", "))
			}
			ps = append(ps, arg(st))
		}
		where = append(where, "t.status IN ("+strings.Join(ps, ", ")+")")
	}
	return where, nil
}

func validStatus(st string) bool {
	for _, s := range Statuses {
		if s == st {
			return true
		}
	}
	return false
}

// History lists the transactions of a ticket and of the tickets merged into
// it, oldest first, with their messages (text and attachments, not raw).
func (s *Store) History(ctx context.Context, id int64) ([]Transaction, error) {
	return s.history(ctx, id, &sight{all: true})
}

// history is History up to where sg ends.
func (s *Store) history(ctx context.Context, id int64, sg *sight) ([]Transaction, error) {
	ids, err := s.mergedIDs(ctx, id)
	if err != nil {
		return nil, err
	}
	in := idList(ids)
	until, args := "", []any{}
	if !sg.all {
		until = ` AND (x.created < $1 OR x.created = $1 AND x.id <= $2)`
		args = append(args, sg.untilCreated, sg.untilTxn)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT x.id, x.ticket_id, x.type, COALESCE(u.login, u.email, ''), x.created, x.old_value, x.new_value, x.via, x.note, COALESCE(a.login, '')
		FROM transactions x LEFT JOIN users u ON u.id = x.actor_id LEFT JOIN users a ON a.id = x.agent_id WHERE x.ticket_id IN (`+in+`)`+until+` ORDER BY x.created, x.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read history of ticket %d: %w", id, err)
	}
	defer rows.Close()
	var txs []Transaction
	byTxn := map[int64]int{}
	for rows.Next() {
		var t Transaction
		var created int64
		if err := rows.Scan(&t.ID, &t.TicketID, &t.Type, &t.Actor, &created, &t.Old, &t.New, &t.Via, &t.Note, &t.Agent); err != nil {
			return nil, err
		}
		t.Created = fromMicros(created)
		byTxn[t.ID] = len(txs)
		txs = append(txs, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	msgs, err := s.db.QueryContext(ctx, `SELECT id, txn_id, msgid, outgoing, from_addr, subject, date, size, text, flags
		FROM messages WHERE ticket_id IN (`+in+`) ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read messages of ticket %d: %w", id, err)
	}
	defer msgs.Close()
	byMsg := map[int64]*Message{}
	for msgs.Next() {
		var m Message
		var txn int64
		var date sql.NullInt64
		var flags string
		if err := msgs.Scan(&m.ID, &txn, &m.MessageID, &m.Outgoing, &m.From, &m.Subject, &date, &m.Size, &m.Text, &flags); err != nil {
			return nil, err
		}
		m.Date = nullTime(date)
		if flags != "" {
			m.Flags = strings.Split(flags, ",")
		}
		m.Attachments = []Attachment{}
		if i, ok := byTxn[txn]; ok {
			txs[i].Message = &m
			byMsg[m.ID] = txs[i].Message
		}
	}
	if err := msgs.Err(); err != nil {
		return nil, err
	}
	atts, err := s.db.QueryContext(ctx, `SELECT a.message_id, a.name, a.content_type, a.size FROM attachments a
		JOIN messages m ON m.id = a.message_id WHERE m.ticket_id IN (`+in+`) ORDER BY a.id`)
	if err != nil {
		return nil, fmt.Errorf("read attachments of ticket %d: %w", id, err)
	}
	defer atts.Close()
	for atts.Next() {
		var mid int64
		var a Attachment
		if err := atts.Scan(&mid, &a.Name, &a.ContentType, &a.Size); err != nil {
			return nil, err
		}
		if m := byMsg[mid]; m != nil {
			m.Attachments = append(m.Attachments, a)
		}
	}
	return txs, atts.Err()
}

// mergedIDs lists id and every ticket merged into it, directly or not.
func (s *Store) mergedIDs(ctx context.Context, id int64) ([]int64, error) {
	if _, err := s.Ticket(ctx, id); err != nil {
		return nil, err
	}
	ids := []int64{id}
	frontier := []int64{id}
	for len(frontier) > 0 && len(ids) < 10000 {
		var next []int64
		for _, f := range frontier {
			rows, err := s.db.QueryContext(ctx, `SELECT id FROM tickets WHERE merged_into = $1`, f)
			if err != nil {
				return nil, fmt.Errorf("read merges into %d: %w", f, err)
			}
			for rows.Next() {
				var m int64
				if err := rows.Scan(&m); err != nil {
					rows.Close()
					return nil, err
				}
				next = append(next, m)
				ids = append(ids, m)
			}
			rows.Close()
		}
		frontier = next
	}
	return ids, nil
}

// idList is ids as an SQL list, "1,2,3", for an IN (…) of a query: the
// ids come from the database or are integers, safe to inline, and one
// statement serves any number of them.
func idList(ids []int64) string {
	b := make([]byte, 0, 8*len(ids))
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}

// TicketMail is RawMessage of message msg when it is a mail of ticket id
// or of a ticket merged into it; a mail of any other ticket is not found.
func (s *Store) TicketMail(ctx context.Context, id, msg int64) ([]byte, error) {
	id, err := resolveMerged(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	var on int64
	err = s.db.QueryRowContext(ctx, `SELECT ticket_id FROM messages WHERE id = $1`, msg).Scan(&on)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read message %d: %w", msg, err)
	}
	if err == nil {
		if on, err = resolveMerged(ctx, s.db, on); err != nil {
			return nil, err
		}
	}
	if on != id {
		return nil, refuse(ErrNotFound, "ticket %d has no mail %d: 'sak ticket show %d -o json' lists its mails", id, msg, id)
	}
	return s.RawMessage(ctx, msg)
}

// RawMessage returns the bytes of a stored message exactly as they came:
// its first piece and, for a large mail, the rest (see rawChunk).
func (s *Store) RawMessage(ctx context.Context, id int64) ([]byte, error) {
	var raw []byte
	var size int64
	err := s.db.QueryRowContext(ctx, `SELECT raw, size FROM messages WHERE id = $1`, id).Scan(&raw, &size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, refuse(ErrNotFound, "no message %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read message %d: %w", id, err)
	}
	whole, err := readChunks(ctx, s.db, `SELECT data FROM message_chunks WHERE message_id = $1 ORDER BY seq`, id, raw, size)
	if err != nil {
		return nil, fmt.Errorf("read message %d: %w", id, err)
	}
	return whole, nil
}
