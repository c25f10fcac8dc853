package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Route is one queue address a mail was delivered to.
type Route struct {
	Queue   *Queue
	Comment bool   // the queue's comment address
	Detail  string // the +detail of the recipient: a signed reply address's token
}

// RouteAddresses are the queue addresses of routes, in order: a
// quarantined mail's recipients.
func RouteAddresses(routes []Route) []string {
	var addrs []string
	for _, r := range routes {
		addr := r.Queue.Address
		if r.Comment {
			addr = r.Queue.CommentAddress
		}
		addrs = append(addrs, addr)
	}
	return addrs
}

// Tag is a subject tag "[TAG #ID]" found in a mail's subject.
type Tag struct {
	Tag string
	ID  int64
}

// Incoming is a mail delivered to sak: what the parser made of it and its
// envelope. smtpd builds it; Deliver stores it.
type Incoming struct {
	Mail
	MailFrom   string   // envelope reverse-path; "" for the null sender
	Routes     []Route  // the queue recipients, in RCPT order
	ReplyTo    []string // Reply-To addresses; they make no one a requestor
	Recipients []string // To and Cc addresses of the header
	InReplyTo  []string
	References []string
	Tags       []Tag
	Commands   []Action // subject command tags, run for verified caseworkers
	// Unknown are the subject tags, beside the commands, that look like
	// commands sak does not know, as written ("[reslove]": parse.Attempts).
	// A verified caseworker is told of them; the known commands run.
	Unknown []string
	// NewText is what the sender newly wrote, above quotes and signature.
	// A caseworker's mail with commands and no new text relays nothing.
	NewText string
	// Verified is true when the sender is authenticated (DKIM aligned with
	// From, or a trusted Authentication-Results). Mail that claims a
	// caseworker's address acts and reaches requestors only when verified.
	Verified   bool
	AuthReason string // why the sender is verified or not, as the verifier said
	// NoAutoReply says why no automatic reply may be sent ("" when one
	// may): auto-submitted, bulk, list, null sender, sak's own mail.
	NoAutoReply string
	// Bounce is, for a delivery report, a one-line summary of it (never
	// "" for one); BounceOf the Message-ID of the mail it reports on, as
	// the report says; BounceFailed whether it reports a failure (not a
	// delay). Only a report to a return path sak signed is a bounce
	// (bounceOf).
	Bounce       string
	BounceOf     string
	BounceFailed bool
	// At is the time to record (imports keep the mail's date); zero: now.
	At time.Time
	// Quiet sends nothing: no auto-reply, no notification (imports).
	Quiet bool

	refused  *commandError // set on the second attempt after a refusal
	released bool          // delivered from quarantine by a decision (Release)
}

// attached reports whether the mail has an attachment that is not shown
// inline (a file rather than, say, a logo in a signature).
func (in *Incoming) attached() bool {
	for _, a := range in.Attachments {
		if !a.Inline {
			return true
		}
	}
	return false
}

// Delivery is what Deliver did with a mail.
type Delivery struct {
	Ticket    int64  `json:"ticket"`
	Queue     string `json:"queue"`
	Created   bool   `json:"created"`
	Duplicate bool   `json:"duplicate"`
	// Kind of the transaction the mail became: create, correspond,
	// comment, note, bounce.
	Kind string `json:"kind"`
	// Flags of the stored message (unverified, non-participant).
	Flags []string `json:"flags,omitempty"`
	// Quarantine is the quarantine id of a mail held back (spam, part
	// limits) instead of stored on a ticket.
	Quarantine int64 `json:"quarantine,omitempty"`
	// Refused is set when the mail's commands were refused; the mail was
	// kept and the caseworker told why.
	Refused error `json:"-"`
	// Reused is the ticket that used the mail's Message-ID before, when
	// the mail is another mail with the same Message-ID; a mail that lands
	// on another ticket records it there (msgid-reused).
	Reused int64 `json:"msgid_reused,omitempty"`
}

// commandError carries a refused mail command out of the transaction that
// must roll back.
type commandError struct {
	action Action
	err    error
}

func (e *commandError) Error() string { return fmt.Sprintf("[%s]: %v", e.action, e.err) }
func (e *commandError) Unwrap() error { return e.err }

// Deliver stores an incoming mail on the ticket it threads to, or on a new
// ticket, in one SQL transaction, with the outgoing mail it causes. It
// returns only after the commit. The same mail (Message-ID and bytes)
// delivered again is stored once: the second delivery reports Duplicate.
func (s *Store) Deliver(ctx context.Context, in *Incoming) (*Delivery, error) {
	ctx, err := prepareDelivery(ctx, in)
	if err != nil {
		return nil, err
	}
	return s.commit(ctx, in)
}

// DeliverBatch delivers ins in their order in one transaction, as the
// group commit does with deliveries that arrive together, and returns each
// one's outcome; a delivery that fails is undone alone. It is for bulk
// imports, which would otherwise pay a commit per mail: an fsync, and on
// SQLite a segment of the search index.
func (s *Store) DeliverBatch(ctx context.Context, ins []*Incoming) ([]*Delivery, []error) {
	ctxs := make([]context.Context, len(ins))
	for i := range ctxs {
		ctxs[i] = ctx
	}
	return s.deliverEach(ctxs, ins)
}

// deliverEach is DeliverBatch with a context of its own for each delivery.
func (s *Store) deliverEach(ctxs []context.Context, ins []*Incoming) ([]*Delivery, []error) {
	ds, errs := make([]*Delivery, len(ins)), make([]error, len(ins))
	var batch []*commitReq
	var at []int
	for i, in := range ins {
		rctx, err := prepareDelivery(ctxs[i], in)
		if err != nil {
			errs[i] = err
			continue
		}
		batch = append(batch, &commitReq{ctx: rctx, in: in, done: make(chan commitRes, 1)})
		at = append(at, i)
	}
	if len(batch) > 0 {
		s.runBatch(batch)
	}
	for j, r := range batch {
		res := <-r.done
		ds[at[j]], errs[at[j]] = res.d, res.err
	}
	return ds, errs
}

// prepareDelivery checks in and does, outside the transaction, what needs
// no database; it returns ctx with the default channel, mail.
func prepareDelivery(ctx context.Context, in *Incoming) (context.Context, error) {
	if len(in.Routes) == 0 {
		return ctx, refuse(ErrInvalid, "a mail needs a queue recipient")
	}
	if _, ok := ctx.Value(viaKey{}).(string); !ok {
		ctx = WithVia(ctx, ViaMail)
	}
	in.Hash()
	in.Fingerprint()
	return ctx, nil
}

// deliverOnce runs one delivery inside tx, under a savepoint so that its
// failure undoes only its own work: refused commands are undone and the
// mail kept without them, and a duplicate that a concurrent transaction
// stored first is found on a second try.
func (s *Store) deliverOnce(ctx context.Context, tx *sql.Tx, in *Incoming) (*Delivery, error) {
	runCommands := true
	in.refused = nil // the whole batch may be run again
	for attempt := 0; ; attempt++ {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT delivery`); err != nil {
			return nil, fmt.Errorf("savepoint: %w", err)
		}
		d, err := s.deliver(ctx, tx, in, runCommands)
		if err == nil {
			if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT delivery`); err != nil {
				return nil, fmt.Errorf("release savepoint: %w", err)
			}
			return d, nil
		}
		if _, rerr := tx.ExecContext(context.WithoutCancel(ctx), `ROLLBACK TO SAVEPOINT delivery`); rerr != nil {
			return nil, fmt.Errorf("%w (and rollback to savepoint: %v)", err, rerr)
		}
		tx.ExecContext(context.WithoutCancel(ctx), `RELEASE SAVEPOINT delivery`)
		var ce *commandError
		switch {
		case errors.As(err, &ce) && runCommands:
			// The commands changed nothing; keep the mail and tell why.
			runCommands = false
			in.refused = ce
			continue
		case isUniqueViolation(err) && attempt == 0:
			// A concurrent delivery of the same mail won; the next
			// attempt finds it as a duplicate.
			continue
		}
		return nil, err
	}
}

func (s *Store) deliver(ctx context.Context, tx *sql.Tx, in *Incoming, runCommands bool) (*Delivery, error) {
	o := s.newOp(ctx, tx)
	if !in.At.IsZero() {
		o.now = micros(in.At)
	}
	// 1. The same mail again (storedCopy). Every stored mail's Message-ID
	// is in message_ids (a trigger puts it there), so only a mail whose
	// Message-ID is known, or that has none, can be one. A known
	// Message-ID on other content was reused (a web form's fixed id, a
	// coarse clock): the mail is new, threads as any other, and the
	// ticket it lands on records the collision.
	if err := o.firstLook(in); err != nil {
		return nil, err
	}
	var reused int64            // the ticket the mail's Message-ID names already
	known := in.MessageID == "" // a mail without one may be a copy too
	if !known && o.look.msgTicket.Valid {
		reused, known = o.look.msgTicket.Int64, true
	}
	if known {
		if dup, ok, err := storedCopy(ctx, o.tx, &in.Mail); err != nil {
			return nil, err
		} else if ok {
			return o.duplicate(dup, in)
		}
	}
	// 2. A delivery report about a mail sak sent goes on its ticket.
	if in.Bounce != "" {
		if row, err := o.bounceOf(in); err != nil {
			return nil, err
		} else if row != nil {
			return o.bounce(row, in)
		}
	}
	// 3. Threading: a known subject tag, a signed reply address, then
	// Message-IDs.
	id, signed, err := o.thread(in)
	if err != nil {
		return nil, err
	}
	from, err := o.sender(in)
	if err != nil {
		return nil, err
	}
	if from != nil {
		o.senderID = from.ID
	}
	if id != 0 {
		// A purged ticket takes no mail: what names it starts a new one.
		if err := o.lock(id); o.purged {
			id, signed = 0, false
		} else if err != nil {
			return nil, err
		}
	}
	var d *Delivery
	if id == 0 {
		if d, err = o.noSuchTicket(in, from); d != nil || err != nil {
			return d, err
		}
		d, err = o.create(in, from)
	} else {
		d, err = o.followUp(in, from, signed, runCommands)
	}
	if err != nil || reused == 0 {
		return d, err
	}
	d.Reused = reused
	if reused != o.t.id {
		// Replies naming the shared Message-ID go to the ticket that used
		// it first (message_ids keeps the first): say so where they do not.
		if _, err := o.record(TxMsgidReused, "", fmt.Sprint(reused), in.MessageID); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// storedCopy finds the ticket holding a stored copy of m: a mail with its
// Message-ID and its bytes (an MTA's retry after a lost reply), or, when
// it has a Message-ID, with its Message-ID and its Fingerprint (the same
// mail through another path, with other trace fields). Rows stored before
// fingerprints (migration 14) get theirs computed here, once.
func storedCopy(ctx context.Context, q querier, m *Mail) (int64, bool, error) {
	var id int64
	var err error
	if m.MessageID == "" {
		err = q.QueryRowContext(ctx, `SELECT ticket_id FROM messages WHERE msgid = '' AND sha256 = $1`, m.Hash()).Scan(&id)
	} else {
		err = q.QueryRowContext(ctx, `SELECT ticket_id FROM messages WHERE msgid = $1 AND (sha256 = $2 OR fingerprint = $3)`,
			m.MessageID, m.Hash(), m.Fingerprint()).Scan(&id)
	}
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("look for a stored copy: %w", err)
	}
	if m.MessageID == "" {
		return 0, false, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT id, ticket_id, size, raw FROM messages WHERE msgid = $1 AND fingerprint = ''`, m.MessageID)
	if err != nil {
		return 0, false, fmt.Errorf("look for a stored copy: %w", err)
	}
	type old struct {
		id, ticket, size int64
		first            []byte
	}
	var olds []old
	for rows.Next() {
		var r old
		if err := rows.Scan(&r.id, &r.ticket, &r.size, &r.first); err != nil {
			rows.Close()
			return 0, false, fmt.Errorf("look for a stored copy: %w", err)
		}
		olds = append(olds, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, false, fmt.Errorf("look for a stored copy: %w", err)
	}
	for _, r := range olds {
		raw, err := readChunks(ctx, q, `SELECT data FROM message_chunks WHERE message_id = $1 ORDER BY seq`, r.id, r.first, r.size)
		if err != nil {
			return 0, false, fmt.Errorf("read message %d: %w", r.id, err)
		}
		fp := fingerprint(raw)
		if _, err := q.ExecContext(ctx, `UPDATE messages SET fingerprint = $1 WHERE id = $2`, fp, r.id); err != nil {
			return 0, false, fmt.Errorf("fingerprint message %d: %w", r.id, err)
		}
		if fp == m.Fingerprint() {
			return r.ticket, true, nil
		}
	}
	return 0, false, nil
}

// duplicate answers for a mail stored already on ticket id (or the ticket
// it was merged into). A copy that came through another queue's address
// records that queue on the ticket, as one mail to both addresses does.
func (o *op) duplicate(id int64, in *Incoming) (*Delivery, error) {
	if err := o.lock(id); err != nil {
		return nil, err
	}
	if err := o.alsoSentTo(in.Routes); err != nil {
		return nil, err
	}
	return &Delivery{Ticket: o.t.id, Queue: o.queue.Name, Duplicate: true, Kind: "duplicate"}, nil
}

// alsoSentTo records on the locked ticket each queue of routes other than
// its own that it does not name yet.
func (o *op) alsoSentTo(routes []Route) error {
	for _, r := range routes {
		if r.Queue.ID == o.t.queueID {
			continue
		}
		res, err := o.tx.ExecContext(o.ctx, `INSERT INTO ticket_also (ticket_id, queue_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, o.t.id, r.Queue.ID)
		if err != nil {
			return fmt.Errorf("record other queue: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			continue // named already
		}
		if _, err := o.record(TxAlsoSentTo, "", r.Queue.Name, ""); err != nil {
			return err
		}
	}
	return nil
}

// thread finds the ticket a mail belongs to, or 0, and whether a signed
// reply address named it.
func (o *op) thread(in *Incoming) (int64, bool, error) {
	ctx, tx := o.ctx, o.tx
	for i, t := range in.Tags {
		var f tagFound
		if i == 0 && o.look != nil {
			f = o.look.tag // looked up first
		} else {
			var err error
			if f, err = lookupTag(ctx, tx, t); err != nil {
				return 0, false, err
			}
		}
		// A tag of the tracker sak replaced (RT's $rtname or an RT
		// queue's tag) names the ticket that RT ticket became.
		if f.imported.Valid {
			return f.imported.Int64, false, nil
		}
		// The ticket, if the tag is a queue's: another tracker's tag,
		// or no such ticket, threads nothing.
		if f.ours > 0 {
			signed, err := o.signedTicket(in)
			return t.ID, signed == t.ID, err
		}
	}
	if id, err := o.signedTicket(in); err != nil || id != 0 {
		return id, id != 0, err
	}
	// The mail's parents. Its own Message-ID threads nothing: a copy of
	// a stored mail was found before, and another mail with the same
	// Message-ID is a new one.
	for i, msgid := range parents(in) {
		if i == 0 && o.look != nil {
			if o.look.parentTicket.Valid {
				return o.look.parentTicket.Int64, false, nil
			}
			continue // looked up first
		}
		if id, ok, err := lookupMessageID(ctx, tx, msgid); err != nil || ok {
			return id, false, err
		}
	}
	return 0, false, nil
}

// parents are the Message-IDs a mail answers, nearest first: its
// In-Reply-To, then its References from the last.
func parents(in *Incoming) []string {
	var ids []string
	for _, id := range in.InReplyTo {
		if id != "" {
			ids = append(ids, id)
		}
	}
	for i := len(in.References) - 1; i >= 0; i-- {
		if in.References[i] != "" {
			ids = append(ids, in.References[i])
		}
	}
	return ids
}

func lookupMessageID(ctx context.Context, q querier, msgid string) (int64, bool, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT ticket_id FROM message_ids WHERE msgid = $1`, msgid).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("look up message id: %w", err)
	}
	return id, true, nil
}

// firstLookup is what a delivery asks the database first, read in one
// statement (each is a round trip to a database on another machine): the
// ticket the mail's Message-ID names already, the ticket of the first
// Message-ID it answers, what its first subject tag names, the sender's row, and whether the sender's
// address is a queue's.
type firstLookup struct {
	msgTicket    sql.NullInt64
	parentTicket sql.NullInt64 // the ticket of the mail's first parent (parents)
	tag          tagFound      // the mail's first subject tag, threaded
	sender       *User         // nil: no user has the address (yet)
	addr         string        // the sender's address, as senderAddress gives it
	queueAddr    string        // the sender's address as QueueAddress gives it
	own          bool          // queueAddr is a queue's address
	// For a mail that will make a new ticket (looksNew): the auto-replies
	// to the sender within the window, and to anyone in the last minute
	// (autoReply).
	replies, recentReplies sql.NullInt64
}

// looksNew reports whether a mail will make a new ticket unless its
// Message-ID is known: it names no ticket by tag, signed address or
// parent, and is no delivery report. Its Message-ID is asked in the same
// statement as what looksNew decides (firstLook); a mail without one may
// be a copy of one stored (storedCopy).
func looksNew(in *Incoming) bool {
	if len(in.Tags) > 0 || in.Bounce != "" || in.MessageID == "" || len(parents(in)) > 0 {
		return false
	}
	for _, r := range in.Routes {
		if r.Detail != "" {
			return false
		}
	}
	return true
}

// senderAddress is the address a mail is from: its From, else its
// envelope sender; "" when it names none.
func senderAddress(in *Incoming) string {
	if in.From != "" {
		return in.From
	}
	return in.MailFrom
}

// firstLook reads o.look.
func (o *op) firstLook(in *Incoming) error {
	l := &firstLookup{addr: senderAddress(in)}
	l.queueAddr = QueueAddress(l.addr)
	var id, created sql.NullInt64
	var login, email, name, digest sql.NullString
	var sysadmin, disabled sql.NullBool
	parent := ""
	if ps := parents(in); len(ps) > 0 {
		parent = ps[0]
	}
	var tag Tag // none: no ticket 0
	if len(in.Tags) > 0 {
		tag = in.Tags[0]
	}
	since, minute := o.replyWindows()
	err := o.tx.QueryRowContext(o.ctx, `SELECT (SELECT ticket_id FROM message_ids WHERE msgid = $1),
			(SELECT ticket_id FROM message_ids WHERE msgid = $4), `+tagLookup("$5", "$6")+`,
			EXISTS (SELECT 1 FROM queues WHERE (address = $3 OR comment_address = $3) AND disabled = FALSE),
			u.id, COALESCE(u.login, ''), u.email, u.name, u.sysadmin, u.disabled, u.created, u.digest, `+o.s.d.nextIDs+`,
			CASE WHEN CAST($7 AS BOOLEAN) THEN `+fmt.Sprintf(senderReplies, "$2", "$8")+` END,
			CASE WHEN CAST($7 AS BOOLEAN) THEN `+fmt.Sprintf(recentReplies, "$9")+` END
		FROM (SELECT 1 AS one) one LEFT JOIN users u ON u.email = $2`, in.MessageID, strings.ToLower(l.addr), l.queueAddr, parent, tag.Tag, tag.ID,
		looksNew(in), since, minute).
		Scan(&l.msgTicket, &l.parentTicket, &l.tag.imported, &l.tag.ours, &l.own, &id, &login, &email, &name, &sysadmin, &disabled, &created, &digest,
			&o.nextTxn, &o.nextMsg, &o.nextTicket, &l.replies, &l.recentReplies)
	if err != nil {
		return fmt.Errorf("look up message id and sender: %w", err)
	}
	if in.MessageID == "" {
		l.msgTicket = sql.NullInt64{}
	}
	if parent == "" {
		l.parentTicket = sql.NullInt64{}
	}
	if id.Valid {
		l.sender = &User{ID: id.Int64, Login: login.String, Email: email.String, Name: name.String,
			Sysadmin: sysadmin.Bool, Disabled: disabled.Bool, Created: fromMicros(created.Int64), Digest: digest.String}
	}
	o.look = l
	return nil
}

// sender is the user the mail is from, created on first mail; nil when the
// mail names no address at all.
func (o *op) sender(in *Incoming) (*User, error) {
	addr := senderAddress(in)
	if addr == "" {
		return nil, nil
	}
	if o.look != nil && o.look.addr == addr {
		return ensureFound(o.ctx, o.tx, o.look.sender, addr, in.FromName, o.now)
	}
	return ensureUser(o.ctx, o.tx, addr, in.FromName, o.now)
}

// isStaff reports whether u may work the locked ticket's queue.
func (o *op) isStaff(u *User) (bool, error) {
	if u == nil || u.Login == "" {
		return false, nil
	}
	return canWork(o.ctx, o.tx, u, o.t.queueID)
}

// isQueueAddress reports whether addr is an address of a queue (case and
// +detail aside): one the mail was delivered to is known without asking
// the database.
func (o *op) isQueueAddress(addr string, in *Incoming) (bool, error) {
	a := QueueAddress(addr)
	for _, r := range in.Routes {
		if a == r.Queue.Address || a == r.Queue.CommentAddress {
			return true, nil
		}
	}
	if o.look != nil && a != "" && o.look.queueAddr == a {
		return o.look.own, nil
	}
	_, _, err := queueByAddress(o.ctx, o.tx, addr)
	if errors.Is(err, ErrUnknownQueue) {
		return false, nil
	}
	return err == nil, err
}

// create opens a ticket for a mail that threads nowhere.
func (o *op) create(in *Incoming, from *User) (*Delivery, error) {
	route := in.Routes[0]
	subject := strings.TrimSpace(in.Subject)
	if subject == "" {
		subject = "(no subject)"
	}
	if err := o.insertTicket(route.Queue, subject); err != nil {
		return nil, err
	}
	o.actor = from
	own := false // the sender is one of sak's own addresses
	if from != nil {
		var err error
		if own, err = o.isQueueAddress(from.Email, in); err != nil {
			return nil, err
		} else if !own {
			if err := o.addUser(from, "requestor"); err != nil {
				return nil, err
			}
		}
	}
	// Reply-To makes no one a requestor: anyone may write one, and the
	// answers would go there.
	if err := o.addCcs(in); err != nil {
		return nil, err
	}
	// A new ticket in a caseworker's name that is not authenticated says
	// so, as a follow-up would.
	var flags []string
	if from != nil && from.Login != "" && !in.Verified {
		flags = []string{FlagUnverified}
	}
	txn, err := o.record(TxCreate, "", "", strings.Join(flags, ","))
	if err != nil {
		return nil, err
	}
	m := in.Mail
	m.Flags = append(append([]string{}, m.Flags...), flags...)
	if _, err := o.storeMessage(txn, &m); err != nil {
		return nil, err
	}
	o.t.firstMsgID = in.MessageID
	if err := o.alsoSentTo(in.Routes[1:]); err != nil {
		return nil, err
	}
	d := &Delivery{Ticket: o.t.id, Queue: o.queue.Name, Created: true, Kind: TxCreate, Flags: flags}
	if in.Quiet {
		return d, nil
	}
	if !route.Comment && in.NoAutoReply == "" && from != nil && !own {
		// Mail from sak's own address is never answered (a loop): the
		// From's, asked above, and the envelope sender's when another.
		if in.MailFrom != "" && QueueAddress(in.MailFrom) != QueueAddress(from.Email) {
			if own, err = o.isQueueAddress(in.MailFrom, in); err != nil {
				return nil, err
			}
		}
		if !own {
			if err := o.autoReply(txn, from.Email); err != nil {
				return nil, err
			}
		}
	}
	return d, o.notifyStaff(TxCreate, txn, in, from)
}

// addCcs adds the header recipients of the mail that makes a new ticket
// as Ccs, except sak's own addresses, staff, and people on the ticket
// already: whom the requestor asked along. Follow-ups add no one (anyone
// can forge a requestor's From); a caseworker adds and removes Ccs
// (AddCc, RemoveCc).
func (o *op) addCcs(in *Incoming) error {
	for _, a := range in.Recipients {
		if own, err := o.isQueueAddress(a, in); err != nil {
			return err
		} else if own {
			continue
		}
		u, err := ensureUser(o.ctx, o.tx, a, "", o.now)
		if err != nil {
			return err
		}
		if u.Login != "" {
			continue // staff are never Ccs
		}
		on, err := o.onTicket(u.ID)
		if err != nil {
			return err
		}
		if on {
			continue
		}
		if err := o.addUser(u, "cc"); err != nil {
			return err
		}
	}
	return nil
}

// onTicket reports whether the user is on the locked ticket in any role.
func (o *op) onTicket(userID int64) (bool, error) {
	roles, err := o.rolesOf(userID)
	return len(roles) > 0, err
}

// followUp stores a mail on the locked ticket, as what the sender may make
// of it.
// A sender who replied to a signed reply address of the ticket received
// sak's mail about it, and counts as a participant.
func (o *op) followUp(in *Incoming, from *User, signed, runCommands bool) (*Delivery, error) {
	d := &Delivery{Ticket: o.t.id}
	staff, err := o.isStaff(from)
	if err != nil {
		return nil, err
	}
	participant := false
	if from != nil {
		on := false
		if o.t.senderOn != nil && o.senderID == from.ID {
			on = *o.t.senderOn // lockRow read it
		} else if on, err = o.onTicket(from.ID); err != nil {
			return nil, err
		}
		participant = on || signed
	}
	comment := in.Routes[0].Comment
	o.actor = from
	switch {
	case staff && in.Verified:
		o.remindText = reminderText(in.NewText)
		if runCommands {
			for _, a := range in.Commands {
				if a.Name == "comment" {
					comment = true
					continue
				}
				if a.Name == "remind" {
					comment = true // its text is the reminder's, not for requestors
				}
				if err := o.apply(a); err != nil {
					return nil, &commandError{action: a, err: err}
				}
			}
		}
		if in.refused != nil {
			// Nothing the mail asked for happened: keep it as a note
			// and tell the caseworker why.
			d.Kind, d.Refused = TxNote, in.refused
			err = o.commandFailed(in, from)
			break
		}
		if strings.TrimSpace(in.NewText) == "" && len(in.Commands) > 0 && !in.attached() {
			d.Kind = "commands" // only commands: nothing to relay
			break
		}
		if comment {
			d.Kind = TxComment
			err = o.mailComment(in)
		} else {
			d.Kind = TxCorrespond
			err = o.mailCorrespond(in)
		}
	case staff || (from != nil && from.Login != "" && !participant):
		d.Kind, d.Flags = TxNote, []string{FlagUnverified}
		var txn int64
		if txn, err = o.note(in, d.Flags); err != nil {
			break
		}
		if !in.Verified {
			err = o.unverifiedNote(in, from, txn)
		} else if len(in.Commands) > 0 && !from.Disabled {
			// A caseworker of another queue, verified: the commands
			// were not run, and they are told so.
			err = o.refusedElsewhere(in, from, txn, d)
		}
	case participant && !comment:
		d.Kind = TxCorrespond
		err = o.requestorReply(in, from)
	default:
		d.Kind, d.Flags = TxNote, []string{FlagNonParticipant}
		var txn int64
		if txn, err = o.note(in, d.Flags); err == nil {
			err = o.noteAlert(in, from, txn)
		}
	}
	if err == nil && staff && in.Verified && len(in.Unknown) > 0 && !in.Quiet {
		err = o.unknownCommands(in, from)
	}
	if err != nil {
		return nil, err
	}
	d.Queue = o.queue.Name
	return d, nil
}

// reminderText is what a reminder set by mail says: the mail's new text,
// cut to MaxReminderText characters.
func reminderText(text string) string {
	text = strings.TrimSpace(text)
	if r := []rune(text); len(r) > MaxReminderText {
		text = strings.TrimSpace(string(r[:MaxReminderText-1])) + "…"
	}
	return text
}

// note keeps a mail on the ticket as an internal note, relayed to no one,
// and returns its transaction.
func (o *op) note(in *Incoming, flags []string) (int64, error) {
	txn, err := o.record(TxNote, "", "", strings.Join(flags, ","))
	if err != nil {
		return 0, err
	}
	m := in.Mail
	m.Flags = append(append([]string{}, m.Flags...), flags...)
	_, err = o.storeMessage(txn, &m)
	return txn, err
}

// requestorReply stores a requestor's (or Cc's) mail, reopens a resolved or
// stalled ticket, and tells the owner, or the watchers when unowned. It
// changes none of the ticket's people.
func (o *op) requestorReply(in *Incoming, from *User) error {
	txn, err := o.record(TxCorrespond, "", "", "")
	if err != nil {
		return err
	}
	if _, err := o.storeMessage(txn, &in.Mail); err != nil {
		return err
	}
	// Its To and Cc join no one to the ticket: the From is not
	// authenticated, and a forged one would have the answers sent to
	// whomever it names (Request Tracker adds no Ccs from follow-ups
	// either).
	if o.t.status == StatusResolved || o.t.status == StatusStalled {
		if err := o.setStatus(StatusOpen); err != nil {
			return err
		}
	}
	if in.Quiet {
		return nil
	}
	return o.notifyStaff(TxCorrespond, txn, in, from)
}

// mailCorrespond stores a verified caseworker's mail and relays its text to
// requestors and Ccs.
func (o *op) mailCorrespond(in *Incoming) error {
	txn, err := o.record(TxCorrespond, "", "", "")
	if err != nil {
		return err
	}
	if _, err := o.storeMessage(txn, &in.Mail); err != nil {
		return err
	}
	if !in.Quiet {
		if err := o.relay(KindCorrespond, txn, in); err != nil {
			return err
		}
	}
	if o.t.status == StatusNew {
		return o.setStatus(StatusOpen)
	}
	return nil
}

// mailComment stores a verified caseworker's comment and relays it to the
// owner and watchers.
func (o *op) mailComment(in *Incoming) error {
	txn, err := o.record(TxComment, "", "", "")
	if err != nil {
		return err
	}
	if _, err := o.storeMessage(txn, &in.Mail); err != nil {
		return err
	}
	if in.Quiet {
		return nil
	}
	return o.relay(KindComment, txn, in)
}

// bounce records a delivery report about sak's own mail on its ticket.
// bounceOf finds the outbox row a delivery report is about, or nil when
// it is not a bounce of sak's mail. What decides is the return path the
// report came to: one sak signed for the row (returnPath). A report to
// any other address is ordinary mail, whatever Message-ID it names: a
// stranger can name a requestor's. Mail sent before return paths were
// signed has its bounces come to the plain queue address: such a report
// still counts when the Message-ID it names is one sak itself sent, an
// outbox row's (sak's Message-IDs are random, known only to the mail's
// recipients), never a mail sak received.
func (o *op) bounceOf(in *Incoming) (*bouncedRow, error) {
	for _, r := range in.Routes {
		if r.Detail == "" || r.Comment {
			continue
		}
		secret, err := o.s.replySecret(o.ctx, o.tx)
		if err != nil {
			return nil, err
		}
		if id := checkReturnPath(secret, r.Detail); id != 0 {
			return o.bouncedRow(`id = $1`, id)
		}
	}
	if in.BounceOf == "" {
		return nil, nil
	}
	ticket, ok, err := lookupMessageID(o.ctx, o.tx, in.BounceOf)
	if err != nil || !ok {
		return nil, err
	}
	return o.bouncedRow(`ticket_id = $1 AND msgid = $2`, ticket, in.BounceOf)
}

// bouncedRow is the outbox row of a mail that bounced.
type bouncedRow struct {
	id, ticket  int64
	msgid, rcpt string
}

// bouncedRow reads the outbox row that where selects, or nil (a row
// pruned already, or none).
func (o *op) bouncedRow(where string, args ...any) (*bouncedRow, error) {
	var b bouncedRow
	err := o.tx.QueryRowContext(o.ctx, `SELECT id, ticket_id, msgid, rcpt FROM outbox WHERE ticket_id IS NOT NULL AND `+where+` ORDER BY id LIMIT 1`, args...).
		Scan(&b.id, &b.ticket, &b.msgid, &b.rcpt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up bounced mail: %w", err)
	}
	return &b, nil
}

// bounce records a delivery report on the ticket of the mail it reports
// on, naming the recipient the mail was sent to, and marks that mail
// failed when the report says it failed.
func (o *op) bounce(row *bouncedRow, in *Incoming) (*Delivery, error) {
	if err := o.lock(row.ticket); err != nil {
		return nil, err
	}
	note := row.rcpt + ": " + in.Bounce
	txn, err := o.record(TxBounce, "", row.msgid, note)
	if err != nil {
		return nil, err
	}
	if _, err := o.storeMessage(txn, &in.Mail); err != nil {
		return nil, err
	}
	if in.BounceFailed {
		if _, err := o.tx.ExecContext(o.ctx, `UPDATE outbox SET status = 'failed', last_error = $1 WHERE id = $2`, "bounced: "+in.Bounce, row.id); err != nil {
			return nil, fmt.Errorf("mark outbox row %d bounced: %w", row.id, err)
		}
	}
	if err := o.bounceAlert(row, in, txn); err != nil {
		return nil, err
	}
	return &Delivery{Ticket: o.t.id, Queue: o.queue.Name, Kind: TxBounce}, nil
}
