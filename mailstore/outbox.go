package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// OutboxRow is one outgoing mail to one recipient.
type OutboxRow struct {
	ID          int64      `json:"id"`
	TicketID    int64      `json:"ticket"`
	Kind        string     `json:"kind"`
	MessageID   string     `json:"message_id"`
	MailFrom    string     `json:"mail_from"` // the queue address, "" for <>; ClaimOutbox gives the signed return path
	Rcpt        string     `json:"rcpt"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	NextAttempt time.Time  `json:"next_attempt"`
	LastError   string     `json:"last_error"`
	Created     time.Time  `json:"created"`
	Sent        *time.Time `json:"sent"`
	Raw         []byte     `json:"-"`
}

// enqueue writes m to the outbox, one row per recipient, in the operation's
// transaction; a trigger indexes its Message-ID so that replies thread back.
func (o *op) enqueue(kind string, txn int64, m *Mail, rcpts []string) error {
	return o.enqueueFrom(o.queue.Address, kind, txn, m, 0, rcpts)
}

// enqueueFrom is enqueue with another envelope sender ("" for the null
// reverse-path of automatic responses). A body other than 0 is the
// outbox_bodies row that follows m, which is then a header alone.
func (o *op) enqueueFrom(mailFrom, kind string, txn int64, m *Mail, body int64, rcpts []string) error {
	var bodyID, ticketID, txnID any // NULL for 0: a digest has no ticket
	if body != 0 {
		bodyID = body
	}
	if o.t.id != 0 {
		ticketID = o.t.id
	}
	if txn != 0 {
		txnID = txn
	}
	for _, r := range rcpts {
		_, err := o.tx.ExecContext(o.ctx, `INSERT INTO outbox (ticket_id, txn_id, kind, msgid, mail_from, rcpt, raw, body_id, next_attempt, created)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
			ticketID, txnID, kind, m.MessageID, mailFrom, r, m.Raw, bodyID, o.now)
		if err != nil {
			return fmt.Errorf("queue %s mail to %s: %w", kind, r, err)
		}
	}
	o.s.queued.wrote(o.tx)
	return nil // a trigger (migration 8) indexes the Message-ID
}

// send queues m to each recipient as a copy of its own whose Reply-To is
// signed for that recipient, so that a reply to it threads back even
// without the subject tag. mailFrom is the envelope sender ("" for the null
// reverse-path of automatic responses).
func (o *op) send(mailFrom, kind string, txn int64, m *outMail, rcpts []string) error {
	if len(rcpts) == 0 {
		return nil
	}
	secret, err := o.s.replySecret(o.ctx, o.tx)
	if err != nil {
		return err
	}
	purpose, base := KindCorrespond, o.queue.Address
	if kind == KindComment {
		purpose, base = KindComment, o.queue.CommentAddress
	}
	var shared *mixedBody
	var bodyID int64
	if (len(m.attachments) > 0 || m.html != nil) && len(rcpts) > 1 {
		// The copies differ in their header alone: their body, which
		// holds the attachments, is queued once for all of them.
		if shared, err = m.body(); err != nil {
			return fmt.Errorf("compose mail: %w", err)
		}
		if err := o.tx.QueryRowContext(o.ctx, `INSERT INTO outbox_bodies (data) VALUES ($1) RETURNING id`, shared.data).Scan(&bodyID); err != nil {
			return fmt.Errorf("queue %s mail: %w", kind, err)
		}
	}
	for _, r := range rcpts {
		c := *m
		c.shared = shared
		c.replyTo = replyAddress(secret, base, o.t.id, r, purpose)
		mail, err := o.compose(&c)
		if err != nil {
			return err
		}
		if err := o.enqueueFrom(mailFrom, kind, txn, mail, bodyID, []string{r}); err != nil {
			return err
		}
	}
	return nil
}

// OutboxFilter selects outbox rows; zero values select everything.
type OutboxFilter struct {
	Status string
	Ticket int64
	Limit  int
}

// Outbox lists outbox rows, oldest first.
func (s *Store) Outbox(ctx context.Context, f OutboxFilter) ([]OutboxRow, error) {
	q := `SELECT id, COALESCE(ticket_id, 0), kind, msgid, mail_from, rcpt, status, attempts, next_attempt, last_error, created, sent FROM outbox WHERE 1 = 1`
	var args []any
	if f.Status != "" {
		args = append(args, f.Status)
		q += fmt.Sprintf(" AND status = $%d", len(args))
	}
	if f.Ticket != 0 {
		args = append(args, f.Ticket)
		q += fmt.Sprintf(" AND ticket_id = $%d", len(args))
	}
	q += " ORDER BY id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxRow
	for rows.Next() {
		var r OutboxRow
		var next, created int64
		var sent sql.NullInt64
		if err := rows.Scan(&r.ID, &r.TicketID, &r.Kind, &r.MessageID, &r.MailFrom, &r.Rcpt, &r.Status, &r.Attempts, &next, &r.LastError, &created, &sent); err != nil {
			return nil, err
		}
		r.NextAttempt, r.Created, r.Sent = fromMicros(next), fromMicros(created), nullTime(sent)
		out = append(out, r)
	}
	return out, rows.Err()
}

// outboxMail selects the columns of an outbox row's mail, which outboxRaw
// puts together: its raw and, for a copy that shares its body with other
// copies, that body.
const outboxMail = `raw, (SELECT b.data FROM outbox_bodies b WHERE b.id = outbox.body_id)`

func outboxRaw(raw, body []byte) []byte {
	if body == nil {
		return raw
	}
	return append(raw[:len(raw):len(raw)], body...)
}

// OutboxRaw returns the bytes of one outbox row's mail.
func (s *Store) OutboxRaw(ctx context.Context, id int64) ([]byte, error) {
	var raw, body []byte
	err := s.db.QueryRowContext(ctx, `SELECT `+outboxMail+` FROM outbox WHERE id = $1`, id).Scan(&raw, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, refuse(ErrNotFound, "no outbox row %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read outbox row %d: %w", id, err)
	}
	return outboxRaw(raw, body), nil
}

// people lists the addresses of the ticket's requestors or Ccs.
func (o *op) people(role string) ([]string, error) {
	return o.addresses(`SELECT u.email FROM ticket_people p JOIN users u ON u.id = p.user_id
		WHERE p.ticket_id = $1 AND p.role = $2 ORDER BY u.email`, o.t.id, role)
}

// without drops the given addresses (and sak's own queue addresses).
func (o *op) without(addrs []string, drop ...string) []string {
	var out []string
	for _, a := range addrs {
		skip := strings.EqualFold(a, o.queue.Address) || strings.EqualFold(a, o.queue.CommentAddress)
		for _, d := range drop {
			skip = skip || strings.EqualFold(a, d)
		}
		if !skip {
			out = append(out, a)
		}
	}
	return out
}

// references returns the Message-ID of the ticket's newest message and the
// ticket's thread (oldest first, at most 10) for References.
func (o *op) references() (string, []string, error) {
	if o.t.justCreated && o.t.firstMsgID != "" {
		return o.t.firstMsgID, []string{o.t.firstMsgID}, nil
	}
	// Only mail the requestors saw: a note's Message-ID would tell them
	// that there is mail on the ticket they were not shown.
	rows, err := o.tx.QueryContext(o.ctx, `SELECT m.msgid FROM messages m JOIN transactions x ON x.id = m.txn_id
		WHERE m.ticket_id = $1 AND m.msgid <> '' AND x.type IN ('create', 'correspond') ORDER BY m.id DESC LIMIT 10`, o.t.id)
	if err != nil {
		return "", nil, fmt.Errorf("read thread of ticket %d: %w", o.t.id, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", nil, err
		}
		ids = append([]string{id}, ids...)
	}
	if len(ids) == 0 {
		return "", nil, rows.Err()
	}
	return ids[len(ids)-1], ids, rows.Err()
}

// LastQueued lists whom the ticket's newest answer (correspondence) is
// queued for, every recipient of it: what 'ticket reply' reports after a
// reply. nil when nothing is queued.
func (s *Store) LastQueued(ctx context.Context, ticket int64) ([]string, error) {
	ticket, err := s.Resolve(ctx, ticket)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT rcpt FROM outbox WHERE ticket_id = $1 AND kind = $2 AND txn_id =
		(SELECT MAX(txn_id) FROM outbox WHERE ticket_id = $1 AND kind = $2) ORDER BY id`, ticket, KindCorrespond)
	if err != nil {
		return nil, fmt.Errorf("read the outbox of ticket %d: %w", ticket, err)
	}
	defer rows.Close()
	var rcpts []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		rcpts = append(rcpts, r)
	}
	return rcpts, rows.Err()
}
