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

// The store's import API for another tracker's history (package
// sak/importer/rt reads Request Tracker and calls it): the writes an import needs that no sak operation makes, such as
// a ticket with a given id and times, or transactions with a given actor
// and time. Nothing here sends mail: no outbox rows are written.
//
// Ticket ids: sak ticket = old id + Offset. The offset is 0 when the store
// had no tickets at the first import of a source, else the highest ticket
// id it held then; it is kept in the settings table, so every later (delta)
// run of the same source uses the same one.

// Transaction types an import writes beside the ones in model.go.
const (
	TxSent        = "sent"         // a copy of mail the old tracker sent (RT EmailRecord); note "comment" for a comment notification
	TxLink        = "link"         // old_value the link type (DependsOn …), new_value the target ticket or URI
	TxUnlink      = "unlink"       // as TxLink
	TxAddAdminCc  = "add-admincc"  // a ticket AdminCc: sak has no such role; kept in history only
	TxDelWatcher  = "del-watcher"  // old_value the address, note the role
	TxCustomField = "custom-field" // note the field name, old/new its values
	TxSetPrefix   = "set-"         // set-priority, set-due, set-subject …: old/new the values
	TxOtherPrefix = "rt-"          // any other RT transaction type, lower-cased, note its field

	settingPrefix = "import:" // settings keys of imports: import:SOURCE:KEY
)

// Importer writes what an import of one source (RT's $rtname) brings. It
// is not safe for concurrent use.
type Importer struct {
	s      *Store
	Source string
	// Offset is added to every old ticket id.
	Offset int64
}

// NewImporter starts or continues the import of source, fixing the ticket
// id offset on the first import of it.
func (s *Store) NewImporter(ctx context.Context, source string) (*Importer, error) {
	source = strings.ToLower(strings.TrimSpace(source))
	if source == "" {
		return nil, refuse(ErrInvalid, "an import needs the name of its source")
	}
	im := &Importer{s: s, Source: source}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		v, ok, err := im.setting(ctx, tx, "offset")
		if err != nil {
			return err
		}
		if ok {
			im.Offset, err = strconv.ParseInt(v, 10, 64)
			return err
		}
		var max sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(id) FROM tickets`).Scan(&max); err != nil {
			return fmt.Errorf("read highest ticket id: %w", err)
		}
		im.Offset = max.Int64
		return im.setSetting(ctx, tx, "offset", fmt.Sprint(im.Offset))
	})
	if err != nil {
		return nil, fmt.Errorf("start import of %s: %w", source, err)
	}
	return im, nil
}

func (im *Importer) key(k string) string { return settingPrefix + im.Source + ":" + k }

func (im *Importer) setting(ctx context.Context, q querier, k string) (string, bool, error) {
	v, ok, err := getSetting(ctx, q, im.key(k))
	if err != nil {
		return "", false, fmt.Errorf("read setting %s: %w", im.key(k), err)
	}
	return v, ok, nil
}

// setSetting stores a value the import keeps between runs; "" deletes it.
func (im *Importer) setSetting(ctx context.Context, q querier, k, v string) error {
	if err := putSetting(ctx, q, im.key(k), v); err != nil {
		return fmt.Errorf("write setting %s: %w", im.key(k), err)
	}
	return nil
}

// Setting reads a value the import keeps between runs (progress).
func (im *Importer) Setting(ctx context.Context, k string) (string, bool, error) {
	return im.setting(ctx, im.s.db, k)
}

// SetSetting stores a value the import keeps between runs; "" deletes it.
func (im *Importer) SetSetting(ctx context.Context, k, v string) error {
	return im.setSetting(ctx, im.s.db, k, v)
}

// TicketCount is the number of tickets in the store.
func (im *Importer) TicketCount(ctx context.Context) (int64, error) {
	var n int64
	err := im.s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&n)
	return n, err
}

// AddSubjectTag makes "[tag #N]" thread to the ticket that old ticket N of
// this source became. A tag of another source is left as it is.
func (im *Importer) AddSubjectTag(ctx context.Context, tag string) error {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if tag == "" {
		return nil
	}
	_, err := im.s.db.ExecContext(ctx, `INSERT INTO subject_tags (tag, source) VALUES ($1, $2) ON CONFLICT (tag) DO NOTHING`, tag, im.Source)
	if err != nil {
		return fmt.Errorf("add subject tag %s: %w", tag, err)
	}
	return nil
}

// ImportQueue is a queue as the old tracker had it.
type ImportQueue struct {
	Name           string // sak name, valid as for CreateQueue
	Address        string
	CommentAddress string // "" for NAME-comment@domain of Address
	Tag            string // "" for the name
	Description    string
	Disabled       bool
	Created        time.Time
}

// ImportQueue creates the queue, or returns the queue of that name when it
// exists (its addresses are then left as they are), and whether it created
// it.
func (im *Importer) ImportQueue(ctx context.Context, iq ImportQueue) (*Queue, bool, error) {
	name := strings.ToLower(strings.TrimSpace(iq.Name))
	if q, err := queueByNameAny(ctx, im.s.db, name); err == nil {
		return q, false, nil
	} else if !errors.Is(err, ErrUnknownQueue) {
		return nil, false, err
	}
	if !isName(name, false) {
		return nil, false, refuse(ErrInvalid, "queue name %q is not valid", iq.Name)
	}
	addr, err := cleanQueueAddress(iq.Address)
	if err != nil {
		return nil, false, err
	}
	// RT's comment address is often the queue's with a detail
	// (support+comment@), which sak cannot route: the default instead.
	comment := iq.CommentAddress
	if c, err := cleanQueueAddress(comment); err != nil || c == addr {
		comment = defaultCommentAddress(addr)
	} else {
		comment = c
	}
	tag := iq.Tag
	if !isName(tag, true) {
		tag = name
	}
	var q *Queue
	err = im.s.inTx(ctx, func(tx *sql.Tx) error {
		for _, ad := range []string{addr, comment} {
			if other, _, err := queueByAddress(ctx, tx, ad); err == nil {
				return refuse(ErrConflict, "%s is an address of queue %s already: map the queue with --queue-map", ad, other.Name)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO queues (name, address, comment_address, tag, description, disabled, created) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			name, addr, comment, tag, iq.Description, iq.Disabled, micros(iq.Created))
		if err != nil {
			return fmt.Errorf("import queue %s: %w", name, err)
		}
		q, err = queueByNameAny(ctx, tx, name)
		return err
	})
	return q, err == nil, err
}

// queueByNameAny is the queue, enabled or not, that has or had the name:
// an import resumed after a rename goes on into the renamed queue.
func queueByNameAny(ctx context.Context, q querier, name string) (*Queue, error) {
	qu, err := scanQueue(q.QueryRowContext(ctx, `SELECT `+queueCols+` FROM queues WHERE `+named("$1"), strings.ToLower(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, refuse(ErrUnknownQueue, "no queue %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("look up queue %s: %w", name, err)
	}
	return qu, nil
}

// ImportUser is a caseworker or admin of the old tracker.
type ImportUser struct {
	Login    string
	Email    string
	Name     string
	Sysadmin bool
	Disabled bool
	Created  time.Time
}

// ImportUser adds a caseworker with a login, or gives the login to the
// requestor known by the address. A user with a login and that address is
// taken as the same person and left as is. A login taken by someone else
// becomes "rt-LOGIN". It returns the user and what it did: "created",
// "login added", "exists", "renamed".
func (im *Importer) ImportUser(ctx context.Context, iu ImportUser) (*User, string, error) {
	login := strings.ToLower(strings.TrimSpace(iu.Login))
	if !isName(login, false) {
		return nil, "", refuse(ErrInvalid, "login %q is not valid", iu.Login)
	}
	email, err := CleanAddress(iu.Email)
	if err != nil {
		return nil, "", err
	}
	var u *User
	var what string
	err = im.s.inTx(ctx, func(tx *sql.Tx) error {
		existing, err := userByEmail(ctx, tx, email)
		if err == nil && existing.Login != "" {
			u, what = existing, "exists"
			return nil
		}
		if err != nil && !errors.Is(err, ErrUnknownUser) {
			return err
		}
		what = "created"
		if other, err := userByLogin(ctx, tx, login); err == nil && other.Email != email {
			login, what = "rt-"+login, "renamed"
			if !isName(login, false) {
				return refuse(ErrConflict, "login %s is taken", iu.Login)
			}
			if _, err := userByLogin(ctx, tx, login); err == nil {
				return refuse(ErrConflict, "logins %s and rt-%[1]s are taken", iu.Login)
			}
		}
		if existing != nil {
			if what == "created" {
				what = "login added"
			}
			_, err = tx.ExecContext(ctx, `UPDATE users SET login = $1, name = $2, sysadmin = $3, disabled = $4 WHERE id = $5`,
				login, iu.Name, iu.Sysadmin, iu.Disabled, existing.ID)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO users (login, email, name, sysadmin, disabled, created) VALUES ($1, $2, $3, $4, $5, $6)`,
				login, email, iu.Name, iu.Sysadmin, iu.Disabled, micros(iu.Created))
		}
		if err != nil {
			return fmt.Errorf("import user %s: %w", login, err)
		}
		u, err = userByLogin(ctx, tx, login)
		return err
	})
	return u, what, err
}

// Grant gives an imported user a role on a queue; holding it already is
// no error. It reports whether the role is new.
func (im *Importer) Grant(ctx context.Context, queueID, userID int64, role string) (bool, error) {
	if err := validRole(role); err != nil {
		return false, err
	}
	res, err := im.s.db.ExecContext(ctx, `INSERT INTO queue_roles (queue_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, queueID, userID, role)
	if err != nil {
		return false, fmt.Errorf("grant %s on queue %d: %w", role, queueID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ImportGroup makes the group named name, or finds it when it exists
// (an import run again): its id, and whether it was made.
func (im *Importer) ImportGroup(ctx context.Context, name, description string) (int64, bool, error) {
	if !isName(name, false) {
		return 0, false, refuse(ErrInvalid, "group name %q is not valid", name)
	}
	res, err := im.s.db.ExecContext(ctx, `INSERT INTO groups (name, description, created) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, name, description, micros(im.s.now()))
	if err != nil {
		return 0, false, fmt.Errorf("import group %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, false, err
	}
	g, err := groupByName(ctx, im.s.db, name)
	if err != nil {
		return 0, false, err
	}
	return g.ID, n > 0, nil
}

// AddGroupMember puts an imported user in a group; a member already is
// no error.
func (im *Importer) AddGroupMember(ctx context.Context, groupID, userID int64) error {
	if _, err := im.s.db.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, groupID, userID); err != nil {
		return fmt.Errorf("add member to group %d: %w", groupID, err)
	}
	return nil
}

// GrantGroup gives a group a role on a queue; holding it already is no
// error. It reports whether the role is new.
func (im *Importer) GrantGroup(ctx context.Context, queueID, groupID int64, role string) (bool, error) {
	if err := validRole(role); err != nil {
		return false, err
	}
	res, err := im.s.db.ExecContext(ctx, `INSERT INTO group_roles (queue_id, group_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, queueID, groupID, role)
	if err != nil {
		return false, fmt.Errorf("grant %s on queue %d to group %d: %w", role, queueID, groupID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ImportPerson names a person by address; Name is kept only for a person
// sak has not seen.
type ImportPerson struct {
	Email string
	Name  string
}

// ImportLink is a link from the ticket to another ticket or a URI.
type ImportLink struct {
	Type   string // DependsOn, RefersTo, MemberOf …
	Target string // URI as the old tracker stored it
	// TargetID is the sak ticket when the target is a ticket of this
	// source, else 0.
	TargetID int64
	Created  time.Time
}

// ImportTxn is one transaction of the old tracker.
type ImportTxn struct {
	OldID     int64
	Type      string
	Actor     *ImportPerson // nil: the tracker itself
	Created   time.Time
	Old, New  string
	Note      string
	TimeTaken int   // minutes
	Mail      *Mail // the mail of the transaction, or nil
}

// ImportTicket is a ticket of the old tracker as it is now, with the
// transactions of it not imported yet.
type ImportTicket struct {
	OldID   int64
	QueueID int64
	Subject string
	Status  string
	Owner   *ImportPerson // nil: nobody
	// MergedInto is the sak ticket it was merged into, 0 if none. It is
	// set once that ticket exists (see SetMerges).
	MergedInto    int64
	Priority      int
	Due           time.Time // zero: none
	Resolved      time.Time // zero: not resolved
	Created       time.Time
	Updated       time.Time
	TimeWorked    int
	TimeEstimated int
	Requestors    []ImportPerson // replace the ticket's requestors
	Ccs           []ImportPerson // replace the ticket's Ccs
	Links         []ImportLink   // replace the ticket's links
	Fields        []Field        // replace the ticket's read-only fields
	Txns          []ImportTxn    // in order; those up to its last imported one are skipped
	// LastTxn is the id of the last transaction of the old tracker this
	// import covers for the ticket, imported or deliberately skipped.
	LastTxn int64
}

// ImportResult counts what ImportTickets wrote.
type ImportResult struct {
	Tickets      int // created
	Updated      int // existed and were brought up to date
	Transactions int
	Mails        int
	Attachments  int
	// Skipped mails: their Message-ID and bytes are stored already.
	DuplicateMails int
}

// ImportTickets writes a batch of tickets in one SQL transaction, together
// with progress (settings key, value) when key is not "". A ticket imported
// before is brought up to date and gets only its new transactions.
func (im *Importer) ImportTickets(ctx context.Context, batch []*ImportTicket, key, value string) (*ImportResult, error) {
	ctx = WithVia(ctx, ViaImport)
	var res *ImportResult
	err := im.s.inTx(ctx, func(tx *sql.Tx) error {
		res = &ImportResult{}
		users := map[string]*User{}
		for _, it := range batch {
			if err := im.importTicket(ctx, tx, it, users, res); err != nil {
				return fmt.Errorf("import ticket %d: %w", it.OldID, err)
			}
		}
		if err := im.fixSequence(ctx, tx); err != nil {
			return err
		}
		if key != "" {
			return im.setSetting(ctx, tx, key, value)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// fixSequence moves PostgreSQL's ticket id sequence past the explicit ids
// written; SQLite's AUTOINCREMENT follows them by itself.
func (im *Importer) fixSequence(ctx context.Context, tx *sql.Tx) error {
	if im.s.d.fixTicketSeq == "" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, im.s.d.fixTicketSeq); err != nil {
		return fmt.Errorf("move ticket id sequence: %w", err)
	}
	return nil
}

func (im *Importer) person(o *op, p *ImportPerson, cache map[string]*User) (*User, error) {
	if p == nil || p.Email == "" {
		return nil, nil
	}
	addr := strings.ToLower(p.Email)
	if u := cache[addr]; u != nil {
		return u, nil
	}
	u, err := ensureUser(o.ctx, o.tx, addr, p.Name, o.now)
	if err != nil {
		return nil, err
	}
	cache[addr] = u
	return u, nil
}

func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return micros(t)
}

func (im *Importer) importTicket(ctx context.Context, tx *sql.Tx, it *ImportTicket, users map[string]*User, res *ImportResult) error {
	o := im.s.newOp(ctx, tx)
	o.now = micros(it.Created)
	id := it.OldID + im.Offset
	var lastTxn int64
	var known int64
	err := tx.QueryRowContext(ctx, `SELECT ticket_id, last_txn FROM imported_tickets WHERE source = $1 AND old_id = $2`, im.Source, it.OldID).Scan(&known, &lastTxn)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE id = $1`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return refuse(ErrConflict, "sak ticket %d exists already and is not ticket %d of %s", id, it.OldID, im.Source)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tickets (id, queue_id, subject, status, created, updated) VALUES ($1, $2, $3, $4, $5, $5)`,
			id, it.QueueID, it.Subject, it.Status, micros(it.Created)); err != nil {
			return fmt.Errorf("create ticket %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO imported_tickets (source, old_id, ticket_id) VALUES ($1, $2, $3)`, im.Source, it.OldID, id); err != nil {
			return fmt.Errorf("record imported ticket: %w", err)
		}
		res.Tickets++
	case err != nil:
		return fmt.Errorf("read imported ticket: %w", err)
	default:
		id = known
		res.Updated++
	}
	if err := o.lockImported(id); err != nil {
		return err
	}
	// The transactions, in order, as they happened.
	for i := range it.Txns {
		x := &it.Txns[i]
		if x.OldID <= lastTxn {
			continue
		}
		o.now = micros(x.Created)
		if o.actor, err = im.person(o, x.Actor, users); err != nil {
			return err
		}
		// The ticket's updated time is set once, below, as RT has it.
		txn, err := o.insertTxn(x.Type, x.Old, x.New, x.Note, x.TimeTaken)
		if err != nil {
			return err
		}
		res.Transactions++
		if x.Mail == nil {
			continue
		}
		if _, dup, err := storedCopy(ctx, tx, x.Mail); err != nil {
			return err
		} else if dup {
			res.DuplicateMails++
			continue
		}
		if _, err := o.storeMessage(txn, x.Mail); err != nil {
			return err
		}
		res.Mails++
		res.Attachments += len(x.Mail.Attachments)
	}
	// The ticket as it is now.
	o.now = micros(it.Created)
	owner, err := im.person(o, it.Owner, users)
	if err != nil {
		return err
	}
	var ownerID any
	if owner != nil {
		ownerID = owner.ID
	}
	var merged any
	if it.MergedInto != 0 && it.MergedInto != id {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE id = $1`, it.MergedInto).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			merged = it.MergedInto
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET queue_id = $1, subject = $2, status = $3, owner_id = $4, priority = $5, due = $6,
		resolved = $7, created = $8, updated = $9, time_worked = $10, time_estimated = $11, merged_into = $12 WHERE id = $13`,
		it.QueueID, it.Subject, it.Status, ownerID, it.Priority, nullMicros(it.Due), nullMicros(it.Resolved),
		micros(it.Created), micros(it.Updated), it.TimeWorked, it.TimeEstimated, merged, id); err != nil {
		return fmt.Errorf("update ticket %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM ticket_people WHERE ticket_id = $1`, id); err != nil {
		return fmt.Errorf("replace people of ticket %d: %w", id, err)
	}
	for _, p := range it.Requestors {
		if err := o.addPerson(p.Email, p.Name, "requestor"); err != nil {
			return err
		}
	}
	for _, p := range it.Ccs {
		if err := o.addPerson(p.Email, p.Name, "cc"); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM links WHERE ticket_id = $1`, id); err != nil {
		return fmt.Errorf("replace links of ticket %d: %w", id, err)
	}
	for _, l := range it.Links {
		var target any
		if l.TargetID != 0 {
			target = l.TargetID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO links (ticket_id, type, target, target_ticket, created) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
			id, l.Type, l.Target, target, micros(l.Created)); err != nil {
			return fmt.Errorf("link ticket %d: %w", id, err)
		}
	}
	if err := replaceFields(ctx, tx, id, it.Fields); err != nil {
		return err
	}
	// RT's own Message-ID for the ticket, in the References of its mail.
	if err := o.indexMessageID(fmt.Sprintf("RT-Ticket-%d@%s", it.OldID, im.Source)); err != nil {
		return err
	}
	last := it.LastTxn
	if last < lastTxn {
		last = lastTxn
	}
	if _, err := tx.ExecContext(ctx, `UPDATE imported_tickets SET last_txn = $1 WHERE source = $2 AND old_id = $3`, last, im.Source, it.OldID); err != nil {
		return fmt.Errorf("record imported ticket: %w", err)
	}
	return nil
}

// lockImported makes the op act on ticket id as it is, merged or not.
func (o *op) lockImported(id int64) error {
	t, qu, err := o.lockRow(id)
	if err != nil {
		return fmt.Errorf("read ticket %d: %w", id, err)
	}
	o.t, o.queue = t, qu
	return nil
}

// SetMerges marks each sak ticket (key) merged into another (value), for
// the merges whose target was imported after the ticket merged into it.
func (im *Importer) SetMerges(ctx context.Context, merges map[int64]int64) error {
	if len(merges) == 0 {
		return nil
	}
	return im.s.inTx(ctx, func(tx *sql.Tx) error {
		for id, into := range merges {
			if _, err := tx.ExecContext(ctx, `UPDATE tickets SET merged_into = $1 WHERE id = $2 AND EXISTS (SELECT 1 FROM tickets WHERE id = $1)`, into, id); err != nil {
				return fmt.Errorf("merge ticket %d into %d: %w", id, into, err)
			}
		}
		return nil
	})
}

// Outbox counts the outbox rows: an import must write none.
func (im *Importer) Outbox(ctx context.Context) (int64, error) {
	var n int64
	err := im.s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&n)
	return n, err
}

// LastTxn is the last transaction of old ticket id imported, and whether
// the ticket was imported at all.
func (im *Importer) LastTxn(ctx context.Context, id int64) (int64, bool, error) {
	var last int64
	err := im.s.db.QueryRowContext(ctx, `SELECT last_txn FROM imported_tickets WHERE source = $1 AND old_id = $2`, im.Source, id).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read imported ticket %d: %w", id, err)
	}
	return last, true, nil
}
