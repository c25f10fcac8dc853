package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sak/parse"
	"strconv"
	"strings"
)

type viaKey struct{}

// WithVia marks the operations run with ctx as coming from via (ViaCLI,
// ViaMail, ViaImport); it is recorded on their transaction rows. The
// default is ViaCLI.
func WithVia(ctx context.Context, via string) context.Context {
	return context.WithValue(ctx, viaKey{}, via)
}

type agentKey struct{}

// WithAgent marks the operations done with ctx as done by the user with
// login agent for their actor: a sysadmin acting as another user over the
// API. The history records both (Transaction.Agent).
func WithAgent(ctx context.Context, agent string) context.Context {
	return context.WithValue(ctx, agentKey{}, agent)
}

func agentOf(ctx context.Context) sql.NullString {
	if v, ok := ctx.Value(agentKey{}).(string); ok && v != "" {
		return sql.NullString{String: v, Valid: true}
	}
	return sql.NullString{}
}

func viaOf(ctx context.Context) string {
	if v, ok := ctx.Value(viaKey{}).(string); ok {
		return v
	}
	return ViaCLI
}

// Action is one operation on a ticket, named as the CLI verbs and the mail
// command tags name them: take, steal, untake, give LOGIN, move QUEUE,
// resolve, reject, stall, open.
type Action struct {
	Name string
	Arg  string
}

func (a Action) String() string {
	if a.Arg == "" {
		return a.Name
	}
	return a.Name + " " + a.Arg
}

// ticketRow is a ticket as an operation reads and changes it.
type ticketRow struct {
	id, queueID int64
	subject     string
	status      string
	ownerID     sql.NullInt64
	mergedInto  sql.NullInt64
	justCreated bool
	updated     int64  // tickets.updated as this op last wrote it; 0 when not written
	firstMsgID  string // the Message-ID of a just-created ticket's first mail
	// A delivery's lock reads with the ticket whether its sender is on
	// it, and the staff a requestor's follow-up tells (lockRow).
	senderOn *bool
	staff    *lockedStaff
}

// lockedStaff is the staff of a ticket as lockRow read them, and the
// owner and queue they were read for.
type lockedStaff struct {
	addrs []string
	owner sql.NullInt64
	queue int64
}

// op is one operation in progress: its transaction, its actor and the
// locked ticket it acts on.
type op struct {
	// remindText is the text of a reminder set by mail ([remind 2d]):
	// the mail's new text.
	remindText string
	s          *Store
	ctx        context.Context
	tx         querier // the transaction, through prepared statements
	now        int64
	via        string
	actor      *User // nil when sak itself or an unknown sender acts
	t          *ticketRow
	queue      *Queue
	asked      int64        // the ticket number lock was given, for "no ticket N"
	purged     bool         // lock refused a purged ticket
	look       *firstLookup // a delivery's first look-up (firstLook)
	// sender is a delivery's sender (0: none yet); lockRow reads what the
	// delivery asks of the ticket about them in the same statement.
	senderID int64
	// nextTxn, nextMsg and nextTicket are ids taken for the op's first
	// transaction, first stored mail and new ticket (dialect.nextIDs);
	// invalid once used.
	nextTxn, nextMsg, nextTicket sql.NullInt64
}

func (s *Store) newOp(ctx context.Context, tx *sql.Tx) *op {
	return &op{s: s, ctx: ctx, tx: cachedTx{tx: tx, s: s}, now: micros(s.now()), via: viaOf(ctx)}
}

// lock reads the ticket for change, following merges to the ticket that
// absorbed it, and locks its row.
func (o *op) lock(id int64) error {
	o.asked = id
	for hops := 0; ; hops++ {
		t, qu, err := o.lockRow(id)
		if errors.Is(err, sql.ErrNoRows) {
			return refuse(ErrNotFound, "no ticket %d", id)
		}
		if err != nil {
			return fmt.Errorf("read ticket %d: %w", id, err)
		}
		if t.mergedInto.Valid && hops < 32 {
			id = t.mergedInto.Int64
			continue
		}
		if t.status == StatusDeleted {
			if purged, err := isPurged(o.ctx, o.tx, t.id); err != nil {
				return err
			} else if purged {
				o.purged = true
				return refuse(ErrConflict, "ticket %d is purged: it takes no changes", t.id)
			}
		}
		o.t, o.queue = t, qu
		return nil
	}
}

// lockRow reads and locks ticket id, and reads its queue in the same
// statement (one round trip); sql.ErrNoRows when there is no such ticket.
func (o *op) lockRow(id int64) (*ticketRow, *Queue, error) {
	var t ticketRow
	lock := ""
	if o.s.d.forUpdate != "" {
		lock = o.s.d.forUpdate + " OF t" // not the queue's row
	}
	// A delivery's: whether its sender is on the ticket (followUp), and
	// the staff its follow-up tells (notifyStaff): each is a round trip
	// to a database on another machine.
	cols, args, dest := "", []any{id}, []any{&t.id, &t.queueID, &t.subject, &t.status, &t.ownerID, &t.mergedInto}
	var on bool
	var staff sql.NullString
	if o.senderID != 0 {
		cols = `EXISTS (SELECT 1 FROM ticket_people p WHERE p.ticket_id = t.id AND p.user_id = $2), ` + followUpStaff(&o.s.d) + `, `
		args = append(args, o.senderID)
		dest = append(dest, &on, &staff)
	}
	qu, err := scanQueue(prefixed{o.tx.QueryRowContext(o.ctx, `SELECT t.id, t.queue_id, t.subject, t.status, t.owner_id, t.merged_into, `+cols+queueColsOf("q")+`
		FROM tickets t JOIN queues q ON q.id = t.queue_id WHERE t.id = $1`+lock, args...), dest})
	if err != nil {
		return nil, nil, err
	}
	if o.senderID != 0 {
		t.senderOn = &on
		t.staff = &lockedStaff{owner: t.ownerID, queue: t.queueID}
		if staff.String != "" {
			t.staff.addrs = strings.Split(staff.String, "\n")
		}
	}
	return &t, qu, nil
}

// prefixed scans first into its own destinations, then into the
// caller's: a row of several things read by one statement.
type prefixed struct {
	row  interface{ Scan(...any) error }
	dest []any
}

func (p prefixed) Scan(dest ...any) error { return p.row.Scan(append(p.dest, dest...)...) }

// mustWork refuses unless the actor may work the ticket's queue.
func (o *op) mustWork(what string) error {
	if o.actor == nil {
		return refuse(ErrPermission, "only caseworkers may %s tickets", what)
	}
	ok, err := canWork(o.ctx, o.tx, o.actor, o.t.queueID)
	if err != nil {
		return err
	}
	if !ok {
		// One who may not read the ticket learns nothing of it, not
		// even that it exists (see Reader).
		if ok, err = o.mayRead(); err != nil {
			return err
		}
		if !ok {
			asked := o.asked
			if asked == 0 {
				asked = o.t.id
			}
			return refuse(ErrNotFound, "no ticket %d", asked)
		}
		return refuse(ErrPermission, "%s may not %s ticket %d: not a caseworker of queue %s", o.actor.Login, what, o.t.id, o.queue.Name)
	}
	return nil
}

// record writes a transaction row and touches the ticket.
func (o *op) record(typ, old, new, note string) (int64, error) {
	return o.recordTime(typ, old, new, note, 0)
}

// recordTime is record with the minutes worked on the ticket.
func (o *op) recordTime(typ, old, new, note string, timeTaken int) (int64, error) {
	id, err := o.insertTxn(typ, old, new, note, timeTaken)
	if err != nil {
		return 0, err
	}
	if o.t.updated != o.now {
		if _, err := o.tx.ExecContext(o.ctx, `UPDATE tickets SET updated = $1 WHERE id = $2`, o.now, o.t.id); err != nil {
			return 0, fmt.Errorf("touch ticket %d: %w", o.t.id, err)
		}
		o.t.updated = o.now
	}
	return id, nil
}

// insertTxn writes a transaction row by the operation's actor, with the
// minutes worked on it, and leaves the ticket as it is: record touches it,
// reminders and imports do not.
func (o *op) insertTxn(typ, old, new, note string, timeTaken int) (int64, error) {
	var actor sql.NullInt64
	if o.actor != nil {
		actor = sql.NullInt64{Int64: o.actor.ID, Valid: true}
	}
	cols, vals := "", ""
	args := []any{o.t.id, actor, o.now, typ, old, new, o.via, note, timeTaken}
	if agent := agentOf(o.ctx); agent.Valid {
		cols, vals = ", agent_id", ", (SELECT id FROM users WHERE login = $10)"
		args = append(args, agent.String)
	}
	id, err := o.insertWithID(&o.nextTxn, "transactions", `ticket_id, actor_id, created, type, old_value, new_value, via, note, time_taken`+cols,
		`$1, $2, $3, $4, $5, $6, $7, $8, $9`+vals, args)
	if err != nil {
		return 0, fmt.Errorf("record %s on ticket %d: %w", typ, o.t.id, err)
	}
	return id, nil
}

// insertWithID writes a row of table, whose id its sequence gives, and
// returns the row's id. With an id taken beforehand in *next it writes
// that id (and marks it used) and waits for no answer, so that on
// PostgreSQL the INSERT goes with the next statement that needs one;
// otherwise it asks for the id (RETURNING).
func (o *op) insertWithID(next *sql.NullInt64, table, cols, vals string, args []any) (int64, error) {
	if !next.Valid {
		var id int64
		err := o.tx.QueryRowContext(o.ctx, `INSERT INTO `+table+` (`+cols+`) VALUES (`+vals+`) RETURNING id`, args...).Scan(&id)
		return id, err
	}
	id := next.Int64
	*next = sql.NullInt64{}
	_, err := o.tx.ExecContext(o.ctx, `INSERT INTO `+table+` (id, `+cols+`) VALUES ($`+strconv.Itoa(len(args)+1)+`, `+vals+`)`, append(args, id)...)
	return id, err
}

func (o *op) loginOf(id sql.NullInt64) (string, error) {
	if !id.Valid {
		return "", nil
	}
	var login, email string
	err := o.tx.QueryRowContext(o.ctx, `SELECT COALESCE(login, ''), email FROM users WHERE id = $1`, id.Int64).Scan(&login, &email)
	if err != nil {
		return "", fmt.Errorf("read user %d: %w", id.Int64, err)
	}
	if login == "" {
		return email, nil
	}
	return login, nil
}

func (o *op) setOwner(typ string, u *User) error {
	old, err := o.loginOf(o.t.ownerID)
	if err != nil {
		return err
	}
	if _, err := o.tx.ExecContext(o.ctx, `UPDATE tickets SET owner_id = $1 WHERE id = $2`, u.ID, o.t.id); err != nil {
		return fmt.Errorf("set owner of ticket %d: %w", o.t.id, err)
	}
	o.t.ownerID = sql.NullInt64{Int64: u.ID, Valid: true}
	_, err = o.record(typ, old, u.Login, "")
	return err
}

func (o *op) setStatus(status string) error {
	if o.t.status == status {
		return refuse(ErrConflict, "ticket %d is %s already", o.t.id, status)
	}
	var resolved any // NULL unless the ticket is closed now
	if status == StatusResolved || status == StatusRejected {
		resolved = o.now
	}
	if _, err := o.tx.ExecContext(o.ctx, `UPDATE tickets SET status = $1, resolved = $2 WHERE id = $3`, status, resolved, o.t.id); err != nil {
		return fmt.Errorf("set status of ticket %d: %w", o.t.id, err)
	}
	old := o.t.status
	o.t.status = status
	txn, err := o.record(TxStatus, old, status, "")
	if err != nil || status != StatusResolved || !o.queue.NotifyResolved {
		return err
	}
	return o.resolvedNotice(txn)
}

var statusOf = map[string]string{
	"resolve": StatusResolved,
	"reject":  StatusRejected,
	"stall":   StatusStalled,
	"open":    StatusOpen,
}

// apply carries out one action on the locked ticket.
func (o *op) apply(a Action) error {
	switch a.Name {
	case "take":
		if err := o.mustWork("take"); err != nil {
			return err
		}
		switch {
		case o.t.ownerID.Valid && o.t.ownerID.Int64 == o.actor.ID:
			return refuse(ErrConflict, "ticket %d is yours already", o.t.id)
		case o.t.ownerID.Valid:
			owner, err := o.loginOf(o.t.ownerID)
			if err != nil {
				return err
			}
			return refuse(ErrConflict, "ticket %d is owned by %s: steal it instead", o.t.id, owner)
		}
		return o.setOwner(TxTake, o.actor)
	case "steal":
		if err := o.mustWork("steal"); err != nil {
			return err
		}
		switch {
		case !o.t.ownerID.Valid:
			return refuse(ErrConflict, "nobody owns ticket %d: take it instead", o.t.id)
		case o.t.ownerID.Int64 == o.actor.ID:
			return refuse(ErrConflict, "ticket %d is yours already", o.t.id)
		}
		return o.setOwner(TxSteal, o.actor)
	case "give":
		if err := o.mustWork("give"); err != nil {
			return err
		}
		if a.Arg == "" {
			return refuse(ErrInvalid, "give needs the login of a caseworker")
		}
		u, err := userByLogin(o.ctx, o.tx, a.Arg)
		if err != nil {
			return err
		}
		if u.Disabled {
			return refuse(ErrDisabled, "user %s is disabled", u.Login)
		}
		ok, err := canWork(o.ctx, o.tx, u, o.t.queueID)
		if err != nil {
			return err
		}
		if !ok {
			return refuse(ErrPermission, "%s is not a caseworker of queue %s", u.Login, o.queue.Name)
		}
		if o.t.ownerID.Valid && o.t.ownerID.Int64 == u.ID {
			return refuse(ErrConflict, "ticket %d is owned by %s already", o.t.id, u.Login)
		}
		return o.setOwner(TxGive, u)
	case "move":
		if err := o.mustWork("move"); err != nil {
			return err
		}
		if a.Arg == "" {
			return refuse(ErrInvalid, "move needs the name of a queue")
		}
		to, err := queueByName(o.ctx, o.tx, a.Arg)
		if err != nil {
			return err
		}
		if to.ID == o.t.queueID {
			return refuse(ErrConflict, "ticket %d is in queue %s already", o.t.id, to.Name)
		}
		if _, err := o.tx.ExecContext(o.ctx, `UPDATE tickets SET queue_id = $1 WHERE id = $2`, to.ID, o.t.id); err != nil {
			return fmt.Errorf("move ticket %d: %w", o.t.id, err)
		}
		from := o.queue.Name
		o.t.queueID, o.queue = to.ID, to
		_, err = o.record(TxMove, from, to.Name, "")
		return err
	case "untake":
		return o.untake()
	case "resolve", "reject", "stall", "open":
		if err := o.mustWork(a.Name); err != nil {
			return err
		}
		return o.setStatus(statusOf[a.Name])
	case "remind":
		d, err := parse.Duration(a.Arg)
		if err != nil {
			return refuse(ErrInvalid, "remind needs a time from now, as [remind 2d] or [remind 3h]")
		}
		text := o.remindText
		if text == "" {
			text = "(reminder set by mail)"
		}
		_, err = o.remind(fromMicros(o.now).Add(d), "", text)
		return err
	}
	return refuse(ErrInvalid, "unknown action %q", a.Name)
}

// Act carries out actions on a ticket as actor, in order and in one SQL
// transaction: all of them or, when one is refused, none.
func (s *Store) Act(ctx context.Context, actor string, id int64, acts ...Action) error {
	return s.onTicket(ctx, actor, id, "", func(o *op) error {
		for _, a := range acts {
			if err := o.apply(a); err != nil {
				return err
			}
		}
		return nil
	})
}

// Take makes actor the owner of an unowned ticket.
func (s *Store) Take(ctx context.Context, actor string, id int64) error {
	return s.Act(ctx, actor, id, Action{Name: "take"})
}

// Steal makes actor the owner of a ticket someone else owns.
func (s *Store) Steal(ctx context.Context, actor string, id int64) error {
	return s.Act(ctx, actor, id, Action{Name: "steal"})
}

// Give makes another caseworker of the queue the owner.
func (s *Store) Give(ctx context.Context, actor string, id int64, login string) error {
	return s.Act(ctx, actor, id, Action{Name: "give", Arg: login})
}

// Move moves a ticket to another queue.
func (s *Store) Move(ctx context.Context, actor string, id int64, queue string) error {
	return s.Act(ctx, actor, id, Action{Name: "move", Arg: queue})
}

// SetStatus resolves, rejects, stalls or opens a ticket; verb is one of
// resolve, reject, stall, open.
func (s *Store) SetStatus(ctx context.Context, actor string, id int64, verb string) error {
	if _, ok := statusOf[verb]; !ok {
		return refuse(ErrInvalid, "unknown status change %q", verb)
	}
	return s.Act(ctx, actor, id, Action{Name: verb})
}

// Merge merges ticket id into ticket into: its people join the target, mail
// to it threads to the target, and both histories show as one.
func (s *Store) Merge(ctx context.Context, actor string, id, into int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := actorUser(ctx, tx, actor)
		if err != nil {
			return err
		}
		// Lock in id order so that two opposite merges cannot deadlock.
		src, dst := s.newOp(ctx, tx), s.newOp(ctx, tx)
		src.actor, dst.actor = a, a
		first, second := src, dst
		firstID, secondID := id, into
		if into < id {
			first, second, firstID, secondID = dst, src, into, id
		}
		if err := first.lock(firstID); err != nil {
			return err
		}
		if err := second.lock(secondID); err != nil {
			return err
		}
		if id == into {
			return refuse(ErrInvalid, "cannot merge ticket %d into itself", id)
		}
		if err := src.mustWork("merge"); err != nil {
			return err
		}
		if err := dst.mustWork("merge"); err != nil {
			return err
		}
		if src.t.id == dst.t.id {
			return refuse(ErrConflict, "ticket %d is merged into %d already", id, dst.t.id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET merged_into = $1 WHERE id = $2`, dst.t.id, src.t.id); err != nil {
			return fmt.Errorf("merge ticket %d: %w", src.t.id, err)
		}
		// Tickets merged into src before now point at dst: merged_into
		// always names the ticket that holds a merged ticket, one hop
		// away, which search and statistics rely on.
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET merged_into = $1 WHERE merged_into = $2`, dst.t.id, src.t.id); err != nil {
			return fmt.Errorf("merge ticket %d: %w", src.t.id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_people (ticket_id, role, user_id)
			SELECT $1, role, user_id FROM ticket_people WHERE ticket_id = $2 ON CONFLICT DO NOTHING`, dst.t.id, src.t.id); err != nil {
			return fmt.Errorf("merge people of ticket %d: %w", src.t.id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_watchers (ticket_id, user_id, created)
			SELECT $1, user_id, created FROM ticket_watchers WHERE ticket_id = $2 ON CONFLICT DO NOTHING`, dst.t.id, src.t.id); err != nil {
			return fmt.Errorf("merge watchers of ticket %d: %w", src.t.id, err)
		}
		if _, err := src.record(TxMerge, "", fmt.Sprint(dst.t.id), ""); err != nil {
			return err
		}
		_, err = dst.record(TxMergedFrom, "", fmt.Sprint(src.t.id), "")
		return err
	})
}

// NewTicket is what CreateTicket needs.
type NewTicket struct {
	Queue      string
	Requestors []string
	Subject    string
	Text       string // the first message; may be empty
}

// CreateTicket opens a ticket on behalf of requestors. Caseworkers of the
// queue may.
func (s *Store) CreateTicket(ctx context.Context, actor string, nt NewTicket) (int64, error) {
	subject := strings.TrimSpace(nt.Subject)
	if subject == "" {
		return 0, refuse(ErrInvalid, "a ticket needs a subject")
	}
	if len(nt.Requestors) == 0 {
		return 0, refuse(ErrInvalid, "a ticket needs at least one requestor")
	}
	var addrs, names []string
	for _, r := range nt.Requestors {
		a, name, err := cleanNamedAddress(r)
		if err != nil {
			return 0, err
		}
		addrs, names = append(addrs, a), append(names, name)
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := actorUser(ctx, tx, actor)
		if err != nil {
			return err
		}
		q, err := queueByName(ctx, tx, nt.Queue)
		if err != nil {
			return err
		}
		if ok, err := canWork(ctx, tx, a, q.ID); err != nil {
			return err
		} else if !ok {
			return refuse(ErrPermission, "%s may not create tickets in queue %s: not a caseworker of it", a.Login, q.Name)
		}
		o := s.newOp(ctx, tx)
		o.actor = a
		if err := o.insertTicket(q, subject); err != nil {
			return err
		}
		for i, addr := range addrs {
			if err := o.addPerson(addr, names[i], "requestor"); err != nil {
				return err
			}
		}
		txn, err := o.record(TxCreate, "", "", "")
		if err != nil {
			return err
		}
		if nt.Text != "" {
			m := o.composeNote(subject, nt.Text)
			if _, err := o.storeMessage(txn, m); err != nil {
				return err
			}
		}
		id = o.t.id
		return nil
	})
	return id, err
}

func (o *op) insertTicket(q *Queue, subject string) error {
	id, err := o.insertWithID(&o.nextTicket, "tickets", "queue_id, subject, status, created, updated", "$1, $2, $3, $4, $4", []any{q.ID, subject, StatusNew, o.now})
	if err != nil {
		return fmt.Errorf("create ticket in %s: %w", q.Name, err)
	}
	o.t = &ticketRow{id: id, queueID: q.ID, subject: subject, status: StatusNew, justCreated: true, updated: o.now}
	o.queue = q
	return nil
}

// addPerson adds a requestor or Cc to the ticket, creating the user for an
// unknown address.
func (o *op) addPerson(addr, name, role string) error {
	u, err := ensureUser(o.ctx, o.tx, addr, name, o.now)
	if err != nil {
		return err
	}
	return o.addUser(u, role)
}

// addUser adds a known user as a requestor or Cc, unless they are one.
// Nothing waits for its answer: on PostgreSQL it goes with the next
// statement that needs one (pipeline.go).
func (o *op) addUser(u *User, role string) error {
	_, err := o.tx.ExecContext(o.ctx, `INSERT INTO ticket_people (ticket_id, role, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, o.t.id, role, u.ID)
	if err != nil {
		return fmt.Errorf("add %s %s to ticket %d: %w", role, u.Email, o.t.id, err)
	}
	return nil
}
