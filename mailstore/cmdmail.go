package mailstore

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// The answers to a caseworker's command mail that did not do all it
// asked: a subject tag that is no command (unknownCommands), a ticket
// number their queue does not have (noSuchTicket), a ticket of a queue
// they do not work (refusedElsewhere). Refused commands on a ticket of
// their own queue are commandFailed's.

// noticeRefused is the notices kind of refusedElsewhere; key: the
// caseworker's address.
const noticeRefused = "refused"

// commandList writes actions as the subject tags they came from,
// "[take] [give bob]".
func commandList(acts []Action) string {
	tags := make([]string, len(acts))
	for i, a := range acts {
		tags[i] = "[" + a.String() + "]"
	}
	return strings.Join(tags, " ")
}

// unknownCommands tells a verified caseworker that the subject of their
// mail on the locked ticket held tags that look like commands sak does not
// know (in.Unknown), and which commands exist. The known ones ran, unless
// they were refused (commandFailed said why).
func (o *op) unknownCommands(in *Incoming, from *User) error {
	ran := ""
	if in.refused == nil {
		ran = commandList(in.Commands)
	}
	r, err := o.mailText(TmplUnknown, &TemplateData{Unknown: in.Unknown, Command: ran})
	if err != nil {
		return err
	}
	// About the mail, not one change of the ticket: no transaction.
	return o.tellCaseworker(in, from, 0, r)
}

// noSuchTicket holds back a verified caseworker's mail whose subject tag
// is one of their queue's (now or before) with a ticket number that does not exist (the
// mail threaded nowhere): made a new ticket, it would have the caseworker
// as its requestor and auto-reply to them. The mail is kept in
// quarantine, where a sysadmin can release it as a new ticket, and the
// caseworker is told. It returns nil when the mail is not such a mail:
// anyone else's mail with an unknown number makes a new ticket, as mail
// without a tag does.
func (o *op) noSuchTicket(in *Incoming, from *User) (*Delivery, error) {
	if !in.Verified || in.Quiet || in.released || from == nil || from.Login == "" || from.Disabled {
		return nil, nil
	}
	for _, t := range in.Tags {
		var qid int64
		err := o.tx.QueryRowContext(o.ctx, `SELECT q.id FROM queues q JOIN `+queueTags+` n ON n.queue_id = q.id
			WHERE LOWER(n.tag) = LOWER($1) AND q.disabled = FALSE ORDER BY q.id LIMIT 1`, t.Tag).Scan(&qid)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				continue // another tracker's tag
			}
			return nil, fmt.Errorf("look up subject tag: %w", err)
		}
		if ok, err := canWork(o.ctx, o.tx, from, qid); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		q, err := queueByID(o.ctx, o.tx, qid)
		if err != nil {
			return nil, err
		}
		why := refuse(ErrNotFound, "no ticket %d in %s", t.ID, q.Name)
		held, err := quarantine(o.ctx, o.tx, o.now, why.Error()+" (a caseworker's mail, "+from.Login+")", in.MailFrom, RouteAddresses(in.Routes), from.Email, in.Subject, in.Raw)
		if err != nil {
			return nil, err
		}
		if in.NoAutoReply == "" {
			if err := o.noTicketMail(in, from, q, t.ID, held); err != nil {
				return nil, err
			}
		}
		o.s.log.Info("mail to an unknown ticket of the sender's queue held", "quarantine", held, "queue", q.Name, "ticket", t.ID, "caseworker", from.Login)
		return &Delivery{Queue: q.Name, Kind: "quarantine", Quarantine: held, Refused: why}, nil
	}
	return nil, nil
}

// refusedElsewhere tells a verified caseworker whose mail with commands
// came to the locked ticket, of a queue they do not work, that the
// commands were not run (the mail was kept as a note, txn): at most once
// in unverifiedWindow, as the notice of unverified mail. One who may read
// the ticket hears why, as a caseworker of the queue would; one who may
// not learns nothing of it, not even that it exists. The refusal goes in
// d.Refused.
func (o *op) refusedElsewhere(in *Incoming, from *User, txn int64, d *Delivery) error {
	a := in.Commands[0]
	why := o.mustWork(a.Name)
	if why == nil {
		return nil // cannot be: the sender does not work the queue
	}
	if !errors.Is(why, ErrPermission) && !errors.Is(why, ErrNotFound) {
		return why
	}
	d.Refused = why
	if in.Quiet || in.NoAutoReply != "" {
		return nil
	}
	last, ok, err := o.lastNotice(noticeRefused, from.Email)
	if err != nil {
		return err
	}
	if ok && last > o.now-unverifiedWindow.Microseconds() {
		o.s.log.Info("refused mail command: caseworker told already", "caseworker", from.Email, "ticket", o.t.id)
		return nil
	}
	if err := o.noticeSent(noticeRefused, from.Email); err != nil {
		return err
	}
	if errors.Is(why, ErrNotFound) {
		return o.noTicketMail(in, from, in.Routes[0].Queue, o.t.id, 0)
	}
	r, err := o.mailText(TmplRefused, &TemplateData{Command: "[" + a.String() + "]", Reason: why.Error()})
	if err != nil {
		return err
	}
	return o.tellCaseworker(in, from, txn, r)
}

// noTicketMail tells a caseworker that their mail named ticket number,
// which q has not for them (held: the quarantine number of the mail, or
// 0). It is about no ticket: no tag, no reply address that threads, so
// that it tells nothing of a ticket the caseworker may not read.
func (o *op) noTicketMail(in *Incoming, from *User, q *Queue, number, held int64) error {
	override, err := o.s.override(o.ctx, o.tx, q, TmplNoTicket)
	if err != nil {
		return err
	}
	r := o.s.render(TmplNoTicket, q, override, &TemplateData{
		Ticket:      TemplateTicket{ID: number},
		Queue:       TemplateQueue{Name: q.Name, Address: q.Address, CommentAddress: q.CommentAddress},
		MailSubject: strings.TrimSpace(in.Subject),
		Command:     commandList(in.Commands),
		Quarantine:  held,
	})
	t, queue := o.t, o.queue
	o.t, o.queue = &ticketRow{}, q
	defer func() { o.t, o.queue = t, queue }()
	m, err := o.compose(&outMail{
		kind: KindError, fromAddr: q.Address, fromName: q.Name,
		to: []string{from.Email}, subject: r.subject, lang: r.lang,
		inReplyTo: in.MessageID, text: r.body,
	})
	if err != nil {
		return err
	}
	return o.enqueueFrom(q.Address, KindError, 0, m, 0, []string{from.Email})
}
