package mailstore

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// autoReply queues the acknowledgement of a new ticket to its requestor,
// unless the sender has had autoReplyLimit of them within the window or
// the instance ackCap within the last minute (a flood of forged senders
// would otherwise have sak send mail to each: backscatter). It is sent
// with a null reverse-path, as RFC 3834 asks of automatic responses.
func (o *op) autoReply(txn int64, to string) error {
	// A new ticket's first look-up counted the auto-replies already
	// (firstLook); otherwise they are counted here. The row is written
	// without waiting for an answer. Concurrent transactions on
	// PostgreSQL may each pass the last free place: the limits are
	// approximate by a few.
	var replies, recent int64
	if l := o.look; l != nil && l.replies.Valid && l.recentReplies.Valid && strings.EqualFold(l.addr, to) {
		replies, recent = l.replies.Int64, l.recentReplies.Int64
	} else {
		since, minute := o.replyWindows()
		if err := o.tx.QueryRowContext(o.ctx, `SELECT `+fmt.Sprintf(senderReplies, "$1", "$2")+`, `+fmt.Sprintf(recentReplies, "$3"),
			to, since, minute).Scan(&replies, &recent); err != nil {
			return fmt.Errorf("count auto-replies to %s: %w", to, err)
		}
	}
	if replies >= int64(o.s.autoReplyLimit) || (o.s.ackCap > 0 && recent >= int64(o.s.ackCap)) {
		o.s.log.Info("auto-reply rate limit reached", "sender", to, "ticket", o.t.id,
			"limit", o.s.autoReplyLimit, "window", o.s.autoReplyWindow, "per_minute", o.s.ackCap)
		return nil
	}
	if _, err := o.tx.ExecContext(o.ctx, `INSERT INTO autoreplies (sender, created) VALUES ($1, $2)`, to, o.now); err != nil {
		return fmt.Errorf("record auto-reply to %s: %w", to, err)
	}
	inReplyTo, refs, err := o.references()
	if err != nil {
		return err
	}
	r, err := o.mailText(TmplAutoReply, &TemplateData{Requestor: to})
	if err != nil {
		return err
	}
	return o.send("", KindAutoReply, txn, &outMail{
		kind: KindAutoReply, fromAddr: o.queue.Address, fromName: o.queue.Name,
		to: []string{to}, subject: taggedSubject(o.queue, o.t.id, r.subject), lang: r.lang,
		inReplyTo: inReplyTo, refs: refs, text: r.body,
	}, []string{to})
}

// The counts of auto-replies autoReply limits, as subqueries:
// senderReplies those to the sender %[1]s since %[2]s, recentReplies
// those to anyone since %[1]s.
const (
	senderReplies = `(SELECT COUNT(*) FROM autoreplies WHERE sender = %[1]s AND created > %[2]s)`
	recentReplies = `(SELECT COUNT(*) FROM autoreplies WHERE created > %[1]s)`
)

// replyWindows are when the windows of the auto-reply limits start: the
// sender's (autoReplyWindow) and the instance's minute (ackCap).
func (o *op) replyWindows() (sender, minute int64) {
	return o.now - o.s.autoReplyWindow.Microseconds(), o.now - time.Minute.Microseconds()
}

// resolvedNotice tells the ticket's requestors that it is resolved (a
// queue's choice: NotifyResolved), as an automatic response from the
// null reverse-path.
func (o *op) resolvedNotice(txn int64) error {
	reqs, err := o.people("requestor")
	if err != nil {
		return err
	}
	if o.actor != nil {
		reqs = o.without(reqs, o.actor.Email)
	}
	if len(reqs) == 0 {
		return nil
	}
	inReplyTo, refs, err := o.references()
	if err != nil {
		return err
	}
	r, err := o.mailText(TmplResolved, &TemplateData{Requestor: reqs[0]})
	if err != nil {
		return err
	}
	return o.send("", KindResolved, txn, &outMail{
		kind: KindResolved, fromAddr: o.queue.Address, fromName: o.queue.Name,
		to: reqs, subject: taggedSubject(o.queue, o.t.id, r.subject), lang: r.lang,
		inReplyTo: inReplyTo, refs: refs, text: r.body,
	}, reqs)
}

// notifyStaff tells the ticket's staff about a requestor's mail: the owner,
// or the queue's watchers when nobody owns the ticket (and on a new
// ticket), and the ticket's watchers always.
// The watchers hear of one sender's new tickets at most once in
// notifyFold; the notice after that lists the tickets in between.
func (o *op) notifyStaff(what string, txn int64, in *Incoming, from *User) error {
	var owner any // the queue's watchers only, on a new or unowned ticket
	told := NotifyNew
	if o.t.ownerID.Valid && what != TxCreate {
		owner, told = o.t.ownerID, NotifyAll
	}
	// lockRow read a follow-up's staff with the ticket: the ticket's
	// owner and queue are as it read them.
	known := what != TxCreate && o.t.staff != nil && o.t.staff.owner == o.t.ownerID && o.t.staff.queue == o.t.queueID
	fromName, sender := "", ""
	if from != nil {
		fromName, sender = from.Name, from.Email
		if fromName == "" {
			fromName = from.Email
		}
	}
	// A new ticket's notice may be folded into the next (foldNotice):
	// the notices of its sender's new tickets are read with the staff.
	fold, key := what == TxCreate && sender != "" && o.s.notifyFold > 0, ""
	if fold {
		key = fmt.Sprintf("%d %s", o.t.queueID, sender)
	}
	var rcpts []string
	var notices noticeState
	var err error
	if known {
		rcpts = o.t.staff.addrs
	} else if rcpts, notices, err = o.staffWithNotices(owner, told, noticeNewTicket, key); err != nil {
		return err
	}
	rcpts = o.without(rcpts, sender)
	if len(rcpts) == 0 {
		return nil
	}
	d := &TemplateData{Sender: sender, New: what == TxCreate, Text: in.Text}
	if fold {
		if send, err := o.foldNoticeOf(notices, noticeNewTicket, key, o.s.notifyFold, d); err != nil || !send {
			return err
		}
	}
	var atts []Attachment
	atts, d.Left = o.attachments(in)
	r, err := o.mailText(TmplNotify, d)
	if err != nil {
		return err
	}
	return o.send(o.queue.Address, KindNotify, txn, &outMail{
		kind: KindNotify, fromName: fromName + " via " + o.queue.Name, fromAddr: o.queue.Address,
		to: rcpts, subject: taggedSubject(o.queue, o.t.id, r.subject), lang: r.lang,
		inReplyTo:   in.MessageID,
		text:        r.body,
		attachments: atts,
	}, rcpts)
}

// Kinds of the notices to staff that are rate-limited (the notices table).
const (
	noticeUnverified = "unverified" // key: the caseworker's address
	noticeNewTicket  = "new-ticket" // key: the queue's id and the sender
)

// unverifiedWindow is how often at most a caseworker is told that mail in
// their name was kept as an unverified note: a forger's flood makes one.
const unverifiedWindow = time.Hour

// foldNotice decides whether a notice of kind about key goes out now: not
// when one went within window, and the locked ticket is then folded into
// the next; else it is recorded as sent, and d names the tickets folded
// into it and when the next may come.
func (o *op) foldNotice(kind, key string, window time.Duration, d *TemplateData) (bool, error) {
	n, err := o.notices(kind, key)
	if err != nil {
		return false, err
	}
	return o.foldNoticeOf(n, kind, key, window, d)
}

// foldNoticeOf is foldNotice with the notices of kind about key read.
func (o *op) foldNoticeOf(n noticeState, kind, key string, window time.Duration, d *TemplateData) (bool, error) {
	if n.sent && n.last > o.now-window.Microseconds() {
		return false, o.fold(kind, key)
	}
	if err := o.noticeSent(kind, key); err != nil {
		return false, err
	}
	if ids := n.folded; len(ids) > 0 {
		d.Folded = &TemplateFolded{Count: len(ids), Since: clock(n.first), Tickets: ids[:min(len(ids), maxListed)], More: max(len(ids)-maxListed, 0)}
	}
	d.FoldUntil = clock(o.now + window.Microseconds())
	return true, nil
}

// lastNotice is when the last notice of kind about key was sent, and
// whether one was.
func (o *op) lastNotice(kind, key string) (int64, bool, error) {
	n, err := o.notices(kind, key)
	return n.last, n.sent, err
}

// noticeState is what the notices table holds of kind about key.
type noticeState struct {
	last   int64 // when the last notice was sent
	sent   bool  // whether one was
	folded []int64
	first  int64 // when the first folded ticket was
}

// notices reads the notices of kind about key, in one statement: the
// last one sent and the tickets folded into the next.
func (o *op) notices(kind, key string) (noticeState, error) {
	var n noticeState
	rows, err := o.tx.QueryContext(o.ctx, `SELECT ticket_id, created, folded FROM notices WHERE kind = $1 AND key = $2 ORDER BY created, ticket_id`, kind, key)
	if err != nil {
		return n, fmt.Errorf("read %s notices of %s: %w", kind, key, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var folded bool
		if err := rows.Scan(&id, &at, &folded); err != nil {
			return n, fmt.Errorf("read %s notices of %s: %w", kind, key, err)
		}
		n.add(id, at, folded)
	}
	return n, rows.Err()
}

// add takes in a row of the notices table, read in the order of created
// and ticket_id.
func (n *noticeState) add(id, at int64, folded bool) {
	if !folded {
		n.last, n.sent = max(n.last, at), true
		return
	}
	if len(n.folded) == 0 {
		n.first = at
	}
	n.folded = append(n.folded, id)
}

// noticeSent records a notice of kind about key for the locked ticket, and
// forgets the earlier ones and the tickets folded into this one.
func (o *op) noticeSent(kind, key string) error {
	if _, err := o.tx.ExecContext(o.ctx, `DELETE FROM notices WHERE kind = $1 AND key = $2`, kind, key); err != nil {
		return fmt.Errorf("record %s notice of %s: %w", kind, key, err)
	}
	if _, err := o.tx.ExecContext(o.ctx, `INSERT INTO notices (kind, key, created, ticket_id) VALUES ($1, $2, $3, $4)`, kind, key, o.now, o.t.id); err != nil {
		return fmt.Errorf("record %s notice of %s: %w", kind, key, err)
	}
	return nil
}

// fold records the locked ticket as one the next notice of kind about key
// names.
func (o *op) fold(kind, key string) error {
	if _, err := o.tx.ExecContext(o.ctx, `INSERT INTO notices (kind, key, created, ticket_id, folded) VALUES ($1, $2, $3, $4, TRUE)`, kind, key, o.now, o.t.id); err != nil {
		return fmt.Errorf("fold %s notice of %s: %w", kind, key, err)
	}
	return nil
}

// maxListed is how many ticket numbers a notice lists; it counts the rest.
const maxListed = 50

// clock is a stored time as the notices write it.
func clock(micros int64) string { return fromMicros(micros).Format("2006-01-02 15:04 UTC") }

// relay sends a verified caseworker's mail on: correspondence to requestors
// and Ccs, comments to the owner and watchers.
func (o *op) relay(kind string, txn int64, in *Incoming) error {
	var rcpts, cc []string
	var err error
	fromAddr := o.queue.Address
	if kind == KindComment {
		fromAddr = o.queue.CommentAddress
		if rcpts, err = o.staff(NotifyNew); err != nil {
			return err
		}
	} else {
		if rcpts, err = o.people("requestor"); err != nil {
			return err
		}
		if cc, err = o.people("cc"); err != nil {
			return err
		}
	}
	rcpts, cc = o.without(rcpts, o.actor.Email), o.without(cc, o.actor.Email)
	if len(rcpts)+len(cc) == 0 {
		return nil
	}
	inReplyTo, refs, err := o.references()
	if err != nil {
		return err
	}
	name := o.actor.Name
	if name == "" {
		name = o.actor.Login
	}
	envelope := append(slices.Clip(rcpts), cc...)
	if kind != KindComment {
		if envelope, err = o.withWatchers(envelope); err != nil {
			return err
		}
	}
	d := &TemplateData{Sender: o.actor.Email, Text: in.Text}
	var atts []Attachment
	atts, d.Left = o.attachments(in)
	r, err := o.mailText(kind, d) // the kinds of mail are the templates' names
	if err != nil {
		return err
	}
	html, atts, err := o.relayHTML(kind, in, *d, atts)
	if err != nil {
		return err
	}
	return o.send(o.queue.Address, kind, txn, &outMail{
		kind: kind, fromName: name, fromAddr: fromAddr, to: rcpts, cc: cc,
		subject: taggedSubject(o.queue, o.t.id, r.subject), lang: r.lang, text: r.body,
		inReplyTo: inReplyTo, refs: refs, attachments: atts, html: html,
	}, envelope)
}

// attachLimit bounds the attachment bytes (encoded, as sent) of a mail sak
// sends: a relayed mail's, or a reply's or comment's with files from the
// CLI. The copies to several recipients share one queued body (send).
const attachLimit = 10 << 20

// attachments are the attachments of in that a mail relaying it carries,
// in order, each that still fits attachLimit, and the names of those it
// does not carry, each "name (N bytes)".
func (o *op) attachments(in *Incoming) ([]Attachment, []string) {
	var atts []Attachment
	var left []string
	total := 0
	for _, a := range in.Attachments {
		if a.Header != "" && total+len(a.Body) <= attachLimit {
			atts = append(atts, a)
			total += len(a.Body)
			continue
		}
		name := a.Name
		if name == "" {
			name = a.ContentType
		}
		left = append(left, fmt.Sprintf("%s (%d bytes)", name, a.Size))
	}
	return atts, left
}

// commandFailed tells a caseworker that the commands of their mail were
// refused, and which subject tag would work.
func (o *op) commandFailed(in *Incoming, from *User) error {
	ce := in.refused
	txn, err := o.record(TxNote, "", "", "refused by mail: ["+ce.action.String()+"]: "+ce.err.Error())
	if err != nil {
		return err
	}
	if _, err := o.storeMessage(txn, &in.Mail); err != nil {
		return err
	}
	r, err := o.mailText(TmplRefused, &TemplateData{Command: "[" + ce.action.String() + "]", Reason: ce.err.Error(), Hint: commandHint(ce)})
	if err != nil {
		return err
	}
	return o.tellCaseworker(in, from, txn, r)
}

// unverifiedNote tells a caseworker, at their address in sak, that mail in
// their name was kept as an unverified note (txn), and why; at most once
// in unverifiedWindow, and never in answer to automatic mail. Only the
// real caseworker reads it, so a forger learns nothing, and the caseworker
// learns of the forgery.
func (o *op) unverifiedNote(in *Incoming, from *User, txn int64) error {
	if in.Quiet || in.NoAutoReply != "" {
		return nil
	}
	last, ok, err := o.lastNotice(noticeUnverified, from.Email)
	if err != nil {
		return err
	}
	if ok && last > o.now-unverifiedWindow.Microseconds() {
		o.s.log.Info("unverified note: caseworker told already", "caseworker", from.Email, "ticket", o.t.id)
		return nil
	}
	if err := o.noticeSent(noticeUnverified, from.Email); err != nil {
		return err
	}
	why := in.AuthReason
	if why == "" {
		why = "no DKIM signature aligned with your address, and no trusted Authentication-Results header"
	}
	r, err := o.mailText(TmplUnverified, &TemplateData{MailSubject: strings.TrimSpace(in.Subject), Reason: why})
	if err != nil {
		return err
	}
	return o.tellCaseworker(in, from, txn, r)
}

// tellCaseworker mails a caseworker, through the outbox, what became of
// their mail in, as r says.
func (o *op) tellCaseworker(in *Incoming, from *User, txn int64, r rendered) error {
	return o.send(o.queue.Address, KindError, txn, &outMail{
		kind: KindError, fromAddr: o.queue.Address, fromName: o.queue.Name,
		to: []string{from.Email}, subject: taggedSubject(o.queue, o.t.id, r.subject), lang: r.lang,
		inReplyTo: in.MessageID, text: r.body,
	}, []string{from.Email})
}

// commandHint names the template's hint for a refused command: "steal",
// "take", "queue", "user" or "".
func commandHint(ce *commandError) string {
	msg := ce.err.Error()
	switch {
	case strings.Contains(msg, "steal it instead"):
		return "steal"
	case strings.Contains(msg, "take it instead"):
		return "take"
	case errors.Is(ce.err, ErrUnknownQueue):
		return "queue"
	case errors.Is(ce.err, ErrUnknownUser):
		return "user"
	}
	return ""
}

// watchers lists the queue's active watchers: all of them for told
// NotifyNew, those told of correspondence too for NotifyAll.
func (o *op) watchers(told string) ([]string, error) {
	return o.addresses(`SELECT DISTINCT u.email FROM user_roles r JOIN users u ON u.id = r.user_id
		WHERE r.queue_id = $1 AND r.role = 'watcher' AND r.notify IN ('all', $2) AND u.disabled = FALSE ORDER BY u.email`, o.t.queueID, told)
}

// staff lists the owner (if any and active), the queue's watchers as
// watchers does, and the ticket's own watchers.
func (o *op) staff(told string) ([]string, error) { return o.staffOf(o.t.ownerID, told) }

// staffOf is staff with owner (nil: none), in one query. A watcher of
// the ticket is told only while they see it: one whose role on its queue
// was taken away, or whose ticket moved to another queue, gets no more of
// its mail.
func (o *op) staffOf(owner any, told string) ([]string, error) {
	return o.addresses(`SELECT u.email FROM users u WHERE `+staffWhere+` ORDER BY u.email`, owner, o.t.queueID, told, o.t.id)
}

// staffWhere is the condition on users u of staffOf, with the owner
// (nil: none) $1, the queue $2, told $3 and the ticket $4.
var staffWhere = staffCond("$1", "$2", "$3", "$4")

// staffCond makes staffOf's condition on users u of the expressions of
// the owner, the queue, told and the ticket.
func staffCond(owner, queue, told, ticket string) string {
	return `u.disabled = FALSE AND (u.id = ` + owner + `
		OR u.id IN (SELECT user_id FROM user_roles WHERE queue_id = ` + queue + ` AND role = 'watcher' AND notify IN ('all', ` + told + `))
		OR (u.id IN (SELECT user_id FROM ticket_watchers WHERE ticket_id = ` + ticket + `) AND (u.sysadmin OR ` + holdsRole("u.id", queue) + `)))`
}

// followUpStaff is the staff a requestor's follow-up on ticket t tells
// (notifyStaff): the owner and the watchers told of all, or with nobody
// owning it the watchers told of new tickets; the ticket's watchers
// always. Their addresses in order, a line each (lockRow).
func followUpStaff(d *dialect) string {
	return `(SELECT ` + fmt.Sprintf(d.lines, "s.email") + ` FROM (SELECT u.email FROM users u WHERE ` +
		staffCond("t.owner_id", "t.queue_id", "CASE WHEN t.owner_id IS NULL THEN '"+NotifyNew+"' ELSE '"+NotifyAll+"' END", "t.id") +
		` ORDER BY u.email) s)`
}

// staffWithNotices is staffOf and, when key is not "", the notices of
// kind about key (notices), in one statement: each is a round trip to a
// database on another machine.
func (o *op) staffWithNotices(owner any, told, kind, key string) ([]string, noticeState, error) {
	var n noticeState
	if key == "" {
		addrs, err := o.staffOf(owner, told)
		return addrs, n, err
	}
	rows, err := o.tx.QueryContext(o.ctx, `SELECT 0, u.email, 0, 0, FALSE FROM users u WHERE `+staffWhere+`
		UNION ALL SELECT 1, '', ticket_id, created, folded FROM notices WHERE kind = $5 AND key = $6
		ORDER BY 1, 2, 4, 3`, owner, o.t.queueID, told, o.t.id, kind, key)
	if err != nil {
		return nil, n, fmt.Errorf("read recipients of ticket %d: %w", o.t.id, err)
	}
	defer rows.Close()
	var addrs []string
	for rows.Next() {
		var notice int
		var addr string
		var id, at int64
		var folded bool
		if err := rows.Scan(&notice, &addr, &id, &at, &folded); err != nil {
			return nil, n, fmt.Errorf("read recipients of ticket %d: %w", o.t.id, err)
		}
		if notice == 0 {
			addrs = append(addrs, addr)
		} else {
			n.add(id, at, folded)
		}
	}
	return addrs, n, rows.Err()
}

// withWatchers is the recipients of a caseworker's correspondence and
// the queue's watchers told of it (NotifyAll), each once, the actor left
// out: RT's AdminCcs get a copy of the correspondence.
func (o *op) withWatchers(rcpts []string) ([]string, error) {
	ws, err := o.watchers(NotifyAll)
	if err != nil {
		return nil, err
	}
	return append(slices.Clip(rcpts), o.without(ws, append([]string{o.actor.Email}, rcpts...)...)...), nil
}

func (o *op) addresses(query string, args ...any) ([]string, error) {
	rows, err := o.tx.QueryContext(o.ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read recipients of ticket %d: %w", o.t.id, err)
	}
	defer rows.Close()
	var addrs []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		addrs = append(addrs, a)
	}
	return addrs, rows.Err()
}
