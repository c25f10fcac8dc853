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
	// NewText is what the sender newly wrote, above quotes and signature.
	// A caseworker's mail with commands and no new text relays nothing.
	NewText string
	// Verified is true when the sender is authenticated (DKIM aligned with
	// From, or a trusted Authentication-Results). Mail that claims a
	// caseworker's address acts and reaches requestors only when verified.
	Verified   bool
	AuthReason string // why Verified is false
	// NoAutoReply says why no automatic reply may be sent ("" when one
	// may): auto-submitted, bulk, list, null sender, sak's own mail.
	NoAutoReply string
	// BounceOf is, for a delivery report, the Message-ID of the mail it
	// reports on; Bounce a one-line summary of it.
	BounceOf string
	Bounce   string
	// At is the time to record (imports keep the mail's date); zero: now.
	At time.Time
	// Quiet sends nothing: no auto-reply, no notification (imports).
	Quiet bool

	refused *commandError // set on the second attempt after a refusal
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
	// 1. The same mail again. Every stored mail's Message-ID is in
	// message_ids (a trigger puts it there), so a mail whose Message-ID
	// is not is new, and known, it threads the mail (thread).
	var own msgidLookup
	if in.MessageID != "" {
		var err error
		if own.ticket, own.found, err = lookupMessageID(ctx, o.tx, in.MessageID); err != nil {
			return nil, err
		}
	}
	if in.MessageID == "" || own.found {
		var dup int64
		err := o.tx.QueryRowContext(ctx, `SELECT ticket_id FROM messages WHERE msgid = $1 AND sha256 = $2`, in.MessageID, in.Hash()).Scan(&dup)
		if err == nil {
			if id, err := resolveMerged(ctx, o.tx, dup); err == nil {
				dup = id
			}
			return &Delivery{Ticket: dup, Duplicate: true, Kind: "duplicate"}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("look for duplicate: %w", err)
		}
	}
	// 2. A delivery report about a mail sak sent goes on its ticket.
	if in.BounceOf != "" {
		if id, ok, err := lookupMessageID(ctx, o.tx, in.BounceOf); err != nil {
			return nil, err
		} else if ok {
			return o.bounce(id, in)
		}
	}
	// 3. Threading: a known subject tag, a signed reply address, then
	// Message-IDs.
	id, signed, err := o.thread(in, own)
	if err != nil {
		return nil, err
	}
	from, err := o.sender(in)
	if err != nil {
		return nil, err
	}
	if id == 0 {
		return o.create(in, from)
	}
	if err := o.lock(id); err != nil {
		return nil, err
	}
	return o.followUp(in, from, signed, runCommands)
}

// msgidLookup is what message_ids said of a Message-ID.
type msgidLookup struct {
	ticket int64
	found  bool
}

// thread finds the ticket a mail belongs to, or 0, and whether a signed
// reply address named it. own is what message_ids said of the mail's own
// Message-ID (deliver asked).
func (o *op) thread(in *Incoming, own msgidLookup) (int64, bool, error) {
	ctx, tx := o.ctx, o.tx
	for _, t := range in.Tags {
		// A tag of the tracker sak replaced (RT's $rtname or an RT
		// queue's tag) names the ticket that RT ticket became.
		if id, ok, err := importedTicket(ctx, tx, t.Tag, t.ID); err != nil || ok {
			return id, false, err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM queues WHERE LOWER(tag) = LOWER($1)`, t.Tag).Scan(&n); err != nil {
			return 0, false, fmt.Errorf("look up subject tag: %w", err)
		}
		if n == 0 {
			continue // another tracker's tag
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE id = $1`, t.ID).Scan(&n); err != nil {
			return 0, false, fmt.Errorf("look up ticket %d: %w", t.ID, err)
		}
		if n > 0 {
			signed, err := o.signedTicket(in)
			return t.ID, signed == t.ID, err
		}
	}
	if id, err := o.signedTicket(in); err != nil || id != 0 {
		return id, id != 0, err
	}
	// The mail's own Message-ID known already (the same mail with other
	// bytes: resent, or delivered through another path), then its parents.
	if own.found {
		return own.ticket, false, nil
	}
	ids := append([]string(nil), in.InReplyTo...)
	for i := len(in.References) - 1; i >= 0; i-- {
		ids = append(ids, in.References[i])
	}
	for _, msgid := range ids {
		if msgid == "" {
			continue
		}
		if id, ok, err := lookupMessageID(ctx, tx, msgid); err != nil || ok {
			return id, false, err
		}
	}
	return 0, false, nil
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

// sender is the user the mail is from, created on first mail; nil when the
// mail names no address at all.
func (o *op) sender(in *Incoming) (*User, error) {
	addr := in.From
	if addr == "" {
		addr = in.MailFrom
	}
	if addr == "" {
		return nil, nil
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
			if _, err := o.addUser(from, "requestor"); err != nil {
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
	seen := map[int64]bool{route.Queue.ID: true}
	for _, r := range in.Routes[1:] {
		if seen[r.Queue.ID] {
			continue
		}
		seen[r.Queue.ID] = true
		if _, err := o.tx.ExecContext(o.ctx, `INSERT INTO ticket_also (ticket_id, queue_id) VALUES ($1, $2)`, o.t.id, r.Queue.ID); err != nil {
			return nil, fmt.Errorf("record other queue: %w", err)
		}
		if _, err := o.record(TxAlsoSentTo, "", r.Queue.Name, ""); err != nil {
			return nil, err
		}
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
			if err := o.autoReply(txn, from.Email, subject); err != nil {
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
		if _, err := o.addUser(u, "cc"); err != nil {
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
		on, err := o.onTicket(from.ID)
		if err != nil {
			return nil, err
		}
		participant = on || signed
	}
	comment := in.Routes[0].Comment
	o.actor = from
	switch {
	case staff && in.Verified:
		if runCommands {
			for _, a := range in.Commands {
				if a.Name == "comment" {
					comment = true
					continue
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
		if txn, err = o.note(in, d.Flags); err == nil && !in.Verified {
			err = o.unverifiedNote(in, from, txn)
		}
	case participant && !comment:
		d.Kind = TxCorrespond
		err = o.requestorReply(in, from)
	default:
		d.Kind, d.Flags = TxNote, []string{FlagNonParticipant}
		_, err = o.note(in, d.Flags)
	}
	if err != nil {
		return nil, err
	}
	d.Queue = o.queue.Name
	return d, nil
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
func (o *op) bounce(id int64, in *Incoming) (*Delivery, error) {
	if err := o.lock(id); err != nil {
		return nil, err
	}
	txn, err := o.record(TxBounce, "", in.BounceOf, in.Bounce)
	if err != nil {
		return nil, err
	}
	if _, err := o.storeMessage(txn, &in.Mail); err != nil {
		return nil, err
	}
	return &Delivery{Ticket: o.t.id, Queue: o.queue.Name, Kind: TxBounce}, nil
}
