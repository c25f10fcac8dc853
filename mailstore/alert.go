package mailstore

import (
	"fmt"
	"strings"
	"time"
)

// Alerts tell a ticket's staff, the owner or the queue's watchers when it
// is unowned, of mail that landed on the ticket without reaching anyone:
// a bounce of sak's own mail (TmplBounce), and a non-participant's mail
// kept as an internal note (TmplNonParticipant), with the command that
// promotes it. They are rate-limited per recipient in alertWindow (the
// notices table): a bounce storm or a flood of strangers' mail makes one
// alert, and the next one after the window names the tickets in between.

// KindAlert is the outbox kind of an alert.
const KindAlert = "alert"

// Kinds of alert notices (the notices table); the key is whom the alert
// goes to (alertKey).
const (
	noticeBounce         = "bounce"
	noticeNonParticipant = "non-participant"
)

// alertWindow is how often at most one recipient key gets an alert of a
// kind; those in between are folded into the next.
const alertWindow = 15 * time.Minute

// TemplateAlert is what an alert is about (bounce, non-participant).
type TemplateAlert struct {
	// Transaction is the bounce's or the note's transaction on the ticket.
	Transaction int64
	// Recipient is the address sak's mail bounced from, and Report the
	// delivery report's summary (bounce).
	Recipient string
	Report    string
	// Promote is the command that makes the note the sender's
	// correspondence (non-participant).
	Promote string
}

// bounceAlert tells the ticket's staff that sak's mail on the locked
// ticket bounced (txn records it): never for a report that is only a
// delay, never for sak's own mail come back, never about an alert that
// bounced (which would loop), and never to the address that bounced.
func (o *op) bounceAlert(row *bouncedRow, in *Incoming, txn int64) error {
	if in.Quiet || !in.BounceFailed {
		return nil
	}
	var kind string
	if err := o.tx.QueryRowContext(o.ctx, `SELECT kind FROM outbox WHERE id = $1`, row.id).Scan(&kind); err != nil {
		return fmt.Errorf("read bounced outbox row %d: %w", row.id, err)
	}
	if kind == KindAlert {
		o.s.log.Info("an alert bounced: no alert about it", "ticket", o.t.id, "rcpt", row.rcpt)
		return nil
	}
	return o.alert(noticeBounce, TmplBounce, txn, row.rcpt, in, &TemplateData{
		Alert: &TemplateAlert{Transaction: txn, Recipient: row.rcpt, Report: in.Bounce},
	})
}

// noteAlert tells the ticket's staff that a non-participant's mail was
// kept as a note (txn), and how to promote it; not for automatic mail
// (sak's own, a list's, an auto-reply, a mail system's), which no one
// promotes.
func (o *op) noteAlert(in *Incoming, from *User, txn int64) error {
	if in.Quiet || in.NoAutoReply != "" {
		return nil
	}
	sender := ""
	if from != nil {
		sender = from.Email
	}
	return o.alert(noticeNonParticipant, TmplNonParticipant, txn, sender, in, &TemplateData{
		Sender: sender, MailSubject: strings.TrimSpace(in.Subject), Text: in.Text,
		Alert: &TemplateAlert{Transaction: txn, Promote: fmt.Sprintf("sak ticket promote %d %d", o.t.id, txn)},
	})
}

// alert sends the alert tmpl renders from d to the owner of the locked
// ticket, or the queue's watchers when it has none (or the owner is the
// address not to tell), except not. Each recipient key hears of a kind
// at most once in alertWindow; the tickets in between are folded into the
// next alert.
func (o *op) alert(kind, tmpl string, txn int64, not string, in *Incoming, d *TemplateData) error {
	rcpts, key, err := o.alertRcpts(not)
	if err != nil || len(rcpts) == 0 {
		return err
	}
	if send, err := o.foldNotice(kind, key, alertWindow, d); err != nil {
		return err
	} else if !send {
		o.s.log.Info("alert folded into the next", "alert", kind, "key", key, "ticket", o.t.id)
		return nil
	}
	r, err := o.mailText(tmpl, d)
	if err != nil {
		return err
	}
	return o.send(o.queue.Address, KindAlert, txn, &outMail{
		kind: KindAlert, fromAddr: o.queue.Address, fromName: o.queue.Name,
		to: rcpts, subject: taggedSubject(o.queue, o.t.id, r.subject), lang: r.lang,
		inReplyTo: in.MessageID, text: r.body,
	}, rcpts)
}

// alertRcpts is whom an alert about the locked ticket goes to, never
// not: its active owner, else the queue's watchers; and the key its
// notices are counted under.
func (o *op) alertRcpts(not string) ([]string, string, error) {
	if o.t.ownerID.Valid {
		owner, err := o.addresses(`SELECT email FROM users WHERE id = $1 AND disabled = FALSE`, o.t.ownerID)
		if err != nil {
			return nil, "", err
		}
		if owner = o.without(owner, not); len(owner) > 0 {
			return owner, fmt.Sprintf("owner %d", o.t.ownerID.Int64), nil
		}
	}
	w, err := o.watchers(NotifyNew) // every watcher of the queue
	return o.without(w, not), fmt.Sprintf("watchers %d", o.t.queueID), err
}
