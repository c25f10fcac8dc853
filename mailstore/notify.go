package mailstore

import (
	"errors"
	"fmt"
	"strings"
)

// autoReply queues the acknowledgement of a new ticket to its requestor,
// unless the sender has had autoReplyLimit of them within the window. It is
// sent with a null reverse-path, as RFC 3834 asks of automatic responses.
func (o *op) autoReply(txn int64, to, subject string) error {
	// One statement counts and records: the row is written only while the
	// sender is under the limit.
	since := o.now - o.s.autoReplyWindow.Microseconds()
	res, err := o.tx.ExecContext(o.ctx, `INSERT INTO autoreplies (sender, created)
		SELECT CAST($1 AS TEXT), CAST($2 AS BIGINT) WHERE (SELECT COUNT(*) FROM autoreplies WHERE sender = $1 AND created > $3) < $4`,
		to, o.now, since, o.s.autoReplyLimit)
	if err != nil {
		return fmt.Errorf("count auto-replies to %s: %w", to, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("count auto-replies to %s: %w", to, err)
	} else if n == 0 {
		o.s.log.Info("auto-reply rate limit reached", "sender", to, "ticket", o.t.id, "limit", o.s.autoReplyLimit)
		return nil
	}
	tag := subjectTag(o.queue, o.t.id)
	inReplyTo, refs, err := o.references()
	if err != nil {
		return err
	}
	return o.send("", KindAutoReply, txn, &outMail{
		kind: KindAutoReply, fromAddr: o.queue.Address, fromName: o.queue.Name,
		to: []string{to}, subject: taggedSubject(o.queue, o.t.id, "Received: "+subject),
		inReplyTo: inReplyTo, refs: refs,
		text: fmt.Sprintf(`Your message has been received and given ticket number %d in the queue %s.

Please keep %s in the subject of any further mail about this request,
or simply reply to this message.

Subject: %s
`, o.t.id, o.queue.Name, tag, subject),
	}, []string{to})
}

// notifyStaff tells the ticket's staff about a requestor's mail: the owner,
// or the queue's watchers when nobody owns the ticket (and on a new ticket).
func (o *op) notifyStaff(what string, txn int64, in *Incoming, from *User) error {
	var rcpts []string
	var err error
	if o.t.ownerID.Valid && what != TxCreate {
		rcpts, err = o.staffOwner()
	} else {
		rcpts, err = o.watchers()
	}
	if err != nil {
		return err
	}
	fromName, sender := "", ""
	if from != nil {
		fromName, sender = from.Name, from.Email
		if fromName == "" {
			fromName = from.Email
		}
	}
	rcpts = o.without(rcpts, sender)
	if len(rcpts) == 0 {
		return nil
	}
	intro := "New ticket"
	if what != TxCreate {
		intro = "Reply"
	}
	atts, left := o.attachments(in)
	return o.send(o.queue.Address, KindNotify, txn, &outMail{
		kind: KindNotify, fromName: fromName + " via " + o.queue.Name, fromAddr: o.queue.Address,
		to: rcpts, subject: taggedSubject(o.queue, o.t.id, o.t.subject),
		inReplyTo:   in.MessageID,
		text:        fmt.Sprintf("%s from %s in queue %s:\n\n%s%s", intro, sender, o.queue.Name, in.Text, left),
		attachments: atts,
	}, rcpts)
}

// relay sends a verified caseworker's mail on: correspondence to requestors
// and Ccs, comments to the owner and watchers.
func (o *op) relay(kind string, txn int64, in *Incoming) error {
	var rcpts, cc []string
	var err error
	fromAddr := o.queue.Address
	subject := taggedSubject(o.queue, o.t.id, o.t.subject)
	if kind == KindComment {
		fromAddr = o.queue.CommentAddress
		subject = taggedSubject(o.queue, o.t.id, "Comment: "+o.t.subject)
		if rcpts, err = o.staff(); err != nil {
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
	atts, left := o.attachments(in)
	return o.send(o.queue.Address, kind, txn, &outMail{
		kind: kind, fromName: name, fromAddr: fromAddr, to: rcpts, cc: cc,
		subject: subject, text: in.Text + left, inReplyTo: inReplyTo, refs: refs,
		attachments: atts,
	}, append(rcpts, cc...))
}

// attachLimit bounds the attachment bytes (encoded, as sent) of a mail sak
// sends: a relayed mail's, or a reply's or comment's with files from the
// CLI. The copies to several recipients share one queued body (send).
const attachLimit = 10 << 20

// attachments are the attachments of in that a mail relaying it carries,
// in order, each that still fits attachLimit, and a line for its text
// naming those it does not carry ("" when it carries all).
func (o *op) attachments(in *Incoming) ([]Attachment, string) {
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
	if len(left) == 0 {
		return atts, ""
	}
	return atts, fmt.Sprintf("\n[Not attached here, kept on ticket %d: %s]\n", o.t.id, strings.Join(left, ", "))
}

// commandFailed tells a caseworker that the commands of their mail were
// refused, and which subject tag would work.
func (o *op) commandFailed(in *Incoming, from *User) error {
	ce := in.refused
	hint := commandHint(ce)
	txn, err := o.record(TxNote, "", "", "refused by mail: ["+ce.action.String()+"]: "+ce.err.Error())
	if err != nil {
		return err
	}
	if _, err := o.storeMessage(txn, &in.Mail); err != nil {
		return err
	}
	text := fmt.Sprintf(`Your command [%s] on ticket %d was not carried out:

    %v

Nothing was changed by the commands of your mail; your text was kept on the ticket.
`, ce.action, o.t.id, ce.err)
	if hint != "" {
		text += "\n" + hint + "\n"
	}
	return o.send(o.queue.Address, KindError, txn, &outMail{
		kind: KindError, fromAddr: o.queue.Address, fromName: o.queue.Name,
		to: []string{from.Email}, subject: taggedSubject(o.queue, o.t.id, "Command refused: "+o.t.subject),
		inReplyTo: in.MessageID, text: text,
	}, []string{from.Email})
}

func commandHint(ce *commandError) string {
	msg := ce.err.Error()
	switch {
	case strings.Contains(msg, "steal it instead"):
		return "To take it over, put [steal] in the subject."
	case strings.Contains(msg, "take it instead"):
		return "To become its owner, put [take] in the subject."
	case errors.Is(ce.err, ErrUnknownQueue):
		return "Name a queue that exists: [move QUEUE]; 'sak queue list' shows them."
	case errors.Is(ce.err, ErrUnknownUser):
		return "Name a caseworker's login: [give LOGIN]."
	}
	return ""
}

// staffOwner lists the owner's address when the owner is active.
func (o *op) staffOwner() ([]string, error) {
	return o.addresses(`SELECT email FROM users WHERE id = $1 AND disabled = FALSE`, o.t.ownerID)
}

// watchers lists the queue's active watchers.
func (o *op) watchers() ([]string, error) {
	return o.addresses(`SELECT u.email FROM queue_roles r JOIN users u ON u.id = r.user_id
		WHERE r.queue_id = $1 AND r.role = 'watcher' AND u.disabled = FALSE ORDER BY u.email`, o.t.queueID)
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
