package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Transaction types of reminders. They do not touch the ticket's updated
// time: a reminder is not work on the ticket, and a ticket that is only
// being reminded about stays stale for 'ticket list --updated-before'.
const (
	TxReminder     = "reminder"      // new_value: "#ID for LOGIN due TIME"; note: the text
	TxReminderSent = "reminder-sent" // new_value: "#ID to ADDRESS"
	TxReminderDone = "reminder-done" // new_value: "#ID"
)

// MaxReminderText is the longest reminder text, in characters.
const MaxReminderText = 2000

// Reminder is a note to a caseworker about a ticket, mailed to them once
// when it is due, and open until someone marks it done.
type Reminder struct {
	ID        int64      `json:"id"`
	TicketID  int64      `json:"ticket"`
	To        string     `json:"to"` // login of the caseworker reminded
	Due       time.Time  `json:"due"`
	Text      string     `json:"text"`
	Done      bool       `json:"done"`
	Sent      *time.Time `json:"sent"`
	CreatedBy string     `json:"created_by"`
	Created   time.Time  `json:"created"`
}

// ReminderFilter selects reminders; zero values select everything.
type ReminderFilter struct {
	User   string // login of the caseworker reminded
	Ticket int64
	Open   bool // only those not done
}

// AddReminder reminds the caseworker to (a login; "" for actor) about a
// ticket at due. The actor and the one reminded must both be caseworkers
// of the ticket's queue. A due time in the past is mailed at once.
func (s *Store) AddReminder(ctx context.Context, actor string, ticketID int64, due time.Time, to, text string) (*Reminder, error) {
	var r *Reminder
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		o := s.newOp(ctx, tx)
		var err error
		if o.actor, err = actorUser(ctx, tx, actor); err != nil {
			return err
		}
		if err := o.lock(ticketID); err != nil {
			return err
		}
		r, err = o.remind(due, to, text)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// remind reminds to (a login; "" for the actor) about the locked ticket
// at due: AddReminder's work, and a caseworker's [remind 2d] by mail.
func (o *op) remind(due time.Time, to, text string) (*Reminder, error) {
	ctx, tx := o.ctx, o.tx
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return nil, refuse(ErrInvalid, "a reminder needs a text")
	case utf8.RuneCountInString(text) > MaxReminderText:
		return nil, refuse(ErrInvalid, "the reminder text is longer than %d characters", MaxReminderText)
	case due.IsZero():
		return nil, refuse(ErrInvalid, "a reminder needs a time")
	}
	if err := o.mustWork("set reminders on"); err != nil {
		return nil, err
	}
	u := o.actor
	if to != "" && !strings.EqualFold(to, o.actor.Login) {
		var err error
		if u, err = userByLogin(ctx, tx, to); err != nil {
			return nil, err
		}
		if u.Disabled {
			return nil, refuse(ErrDisabled, "user %s is disabled", u.Login)
		}
		ok, err := canWork(ctx, tx, u, o.t.queueID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, refuse(ErrPermission, "cannot remind %s of ticket %d: not a caseworker of queue %s", u.Login, o.t.id, o.queue.Name)
		}
	}
	r := &Reminder{TicketID: o.t.id, To: u.Login, CreatedBy: o.actor.Login, Created: fromMicros(o.now), Due: fromMicros(micros(due)), Text: text}
	if err := tx.QueryRowContext(ctx, `INSERT INTO reminders (ticket_id, user_id, created_by, created, due, text) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		o.t.id, u.ID, o.actor.ID, o.now, micros(due), text).Scan(&r.ID); err != nil {
		return nil, fmt.Errorf("add reminder to ticket %d: %w", o.t.id, err)
	}
	_, err := o.insertTxn(TxReminder, "", fmt.Sprintf("#%d for %s due %s", r.ID, u.Login, r.Due.Format(time.RFC3339)), text, 0)
	return r, err
}

// Reminders lists reminders, by due time.
func (s *Store) Reminders(ctx context.Context, f ReminderFilter) ([]Reminder, error) {
	return s.reminders(ctx, f, nil)
}

// reminders lists the reminders on tickets u sees now (a reminder on a
// merged ticket is on the ticket holding it); all for a nil u.
func (s *Store) reminders(ctx context.Context, f ReminderFilter, u *User) ([]Reminder, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.User != "" {
		u, err := userByLogin(ctx, s.db, f.User)
		if err != nil {
			return nil, err
		}
		where = append(where, "r.user_id = "+arg(u.ID))
	}
	if f.Ticket != 0 {
		where = append(where, "r.ticket_id = "+arg(f.Ticket))
	}
	if f.Open {
		where = append(where, "r.done = FALSE")
	}
	from := ""
	if sees := seesNow(u, "t", arg); len(sees) > 0 {
		from = ` JOIN tickets x ON x.id = r.ticket_id JOIN tickets t ON t.id = COALESCE(x.merged_into, x.id)`
		where = append(where, sees...)
	}
	q := `SELECT r.id, r.ticket_id, COALESCE(u.login, u.email), COALESCE(c.login, c.email), r.created, r.due, r.text, r.done, r.sent
		FROM reminders r JOIN users u ON u.id = r.user_id JOIN users c ON c.id = r.created_by` + from
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY r.due, r.id"
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list reminders: %w", err)
	}
	defer rows.Close()
	out := []Reminder{}
	for rows.Next() {
		var r Reminder
		var created, due int64
		var sent sql.NullInt64
		if err := rows.Scan(&r.ID, &r.TicketID, &r.To, &r.CreatedBy, &created, &due, &r.Text, &r.Done, &sent); err != nil {
			return nil, fmt.Errorf("list reminders: %w", err)
		}
		r.Created, r.Due, r.Sent = fromMicros(created), fromMicros(due), nullTime(sent)
		out = append(out, r)
	}
	return out, rows.Err()
}

// DoneReminder marks a reminder on a ticket done; any caseworker of the
// ticket's queue may. A reminder not yet mailed is then never mailed.
func (s *Store) DoneReminder(ctx context.Context, actor string, ticketID, reminderID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		o := s.newOp(ctx, tx)
		var err error
		if o.actor, err = actorUser(ctx, tx, actor); err != nil {
			return err
		}
		// The reminder's row first, then the ticket's: the order
		// SendDueReminders locks them in.
		var onTicket int64
		var done bool
		err = tx.QueryRowContext(ctx, `SELECT ticket_id, done FROM reminders WHERE id = $1`+s.d.forUpdate, reminderID).Scan(&onTicket, &done)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read reminder %d: %w", reminderID, err)
		}
		missing := err != nil
		if err := o.lock(ticketID); err != nil {
			return err
		}
		// Whether the reminder exists, and where, is said only to one
		// who may work the ticket.
		if err := o.mustWork("mark reminders done on"); err != nil {
			return err
		}
		if missing {
			return refuse(ErrNotFound, "no reminder %d", reminderID)
		}
		if onTicket != ticketID {
			// The reminder may be on a ticket merged into this one.
			held, err := resolveMerged(ctx, tx, onTicket)
			if err != nil {
				return err
			}
			if held != o.t.id {
				return refuse(ErrNotFound, "reminder %d is not on ticket %d", reminderID, ticketID)
			}
		}
		if done {
			return refuse(ErrConflict, "reminder %d is done already", reminderID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reminders SET done = TRUE WHERE id = $1`, reminderID); err != nil {
			return fmt.Errorf("mark reminder %d done: %w", reminderID, err)
		}
		_, err = o.insertTxn(TxReminderDone, "", fmt.Sprintf("#%d", reminderID), "", 0)
		return err
	})
}

// SendDueReminders mails every due reminder not yet mailed or done to its
// caseworker, through the outbox, and records it on the ticket: one SQL
// transaction per reminder, in which the reminder is claimed, its mail
// queued and the reminder marked sent. Several processes may call it at
// once on one database: on PostgreSQL each claims different reminders
// (FOR UPDATE SKIP LOCKED); SQLite runs one writer at a time. It returns
// how many reminders it sent.
func (s *Store) SendDueReminders(ctx context.Context) (int, error) {
	sent := 0
	for {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		var did bool
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			var err error
			did, err = s.sendReminder(ctx, tx)
			return err
		})
		if err != nil {
			return sent, err
		}
		if !did {
			return sent, nil
		}
		sent++
	}
}

// sendReminder claims and mails one due reminder; false when none is due.
func (s *Store) sendReminder(ctx context.Context, tx *sql.Tx) (bool, error) {
	o := s.newOp(ctx, tx)
	var r Reminder
	var userID, byID, due int64
	err := tx.QueryRowContext(ctx, `SELECT id, ticket_id, user_id, created_by, due, text FROM reminders
		WHERE sent IS NULL AND done = FALSE AND due <= $1 ORDER BY due, id LIMIT 1`+s.d.skipLocked, o.now).
		Scan(&r.ID, &r.TicketID, &userID, &byID, &due, &r.Text)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim due reminder: %w", err)
	}
	r.Due = fromMicros(due)
	if err := o.lock(r.TicketID); err != nil {
		return false, err
	}
	var to, by User
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(login, ''), email, name, disabled FROM users WHERE id = $1`, userID).
		Scan(&to.Login, &to.Email, &to.Name, &to.Disabled); err != nil {
		return false, fmt.Errorf("read user %d: %w", userID, err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(login, email) FROM users WHERE id = $1`, byID).Scan(&by.Login); err != nil {
		return false, fmt.Errorf("read user %d: %w", byID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE reminders SET sent = $1 WHERE id = $2`, o.now, r.ID); err != nil {
		return false, fmt.Errorf("mark reminder %d sent: %w", r.ID, err)
	}
	if to.Disabled {
		_, err := o.insertTxn(TxReminderSent, "", fmt.Sprintf("#%d", r.ID), fmt.Sprintf("not mailed: %s is disabled", to.Login), 0)
		return true, err
	}
	txn, err := o.insertTxn(TxReminderSent, "", fmt.Sprintf("#%d to %s", r.ID, to.Email), "", 0)
	if err != nil {
		return false, err
	}
	inReplyTo, refs, err := o.references()
	if err != nil {
		return false, err
	}
	text, err := o.mailText(TmplReminder, &TemplateData{
		User:     TemplateUser{Login: to.Login, Name: to.Name, Email: to.Email},
		Reminder: &TemplateReminder{ID: r.ID, By: by.Login, To: to.Login, Due: r.Due.In(s.loc), Text: r.Text},
	})
	if err != nil {
		return false, err
	}
	// From the comment address: a caseworker who answers the reminder
	// comments on the ticket, and never writes to its requestors.
	m, err := o.compose(&outMail{
		kind: KindNotify, fromName: o.queue.Name + " reminders", fromAddr: o.queue.CommentAddress,
		to: []string{to.Email}, subject: taggedSubject(o.queue, o.t.id, text.subject), lang: text.lang,
		inReplyTo: inReplyTo, refs: refs, text: text.body,
	})
	if err != nil {
		return false, err
	}
	if err := o.enqueue(KindNotify, txn, m, []string{to.Email}); err != nil {
		return false, err
	}
	s.log.Info("reminder sent", "reminder", r.ID, "ticket", o.t.id, "to", to.Login)
	return true, nil
}

func indentText(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}
