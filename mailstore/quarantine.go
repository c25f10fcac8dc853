package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Quarantined is a mail held back instead of becoming a ticket: marked as
// spam by the MTA's filter, or over the part limits.
type Quarantined struct {
	ID       int64      `json:"id"`
	Created  time.Time  `json:"created"`
	Reason   string     `json:"reason"`
	MailFrom string     `json:"mail_from"`
	Rcpts    []string   `json:"rcpts"`
	From     string     `json:"from"`
	Subject  string     `json:"subject"`
	Size     int64      `json:"size"`
	Status   string     `json:"status"` // held, released, dropped
	Ticket   *int64     `json:"ticket"`
	Decided  *time.Time `json:"decided"`
}

// Quarantine holds a mail back. rcpts are the envelope recipients. A mail
// over rawChunk is stored in pieces, as messages are.
func (s *Store) Quarantine(ctx context.Context, reason, mailFrom string, rcpts []string, from, subject string, raw []byte) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = quarantine(ctx, tx, micros(s.now()), reason, mailFrom, rcpts, from, subject, raw)
		return err
	})
	return id, err
}

// quarantine holds a mail back in tx, as Quarantine does.
func quarantine(ctx context.Context, tx querier, now int64, reason, mailFrom string, rcpts []string, from, subject string, raw []byte) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO quarantine (created, reason, mail_from, rcpts, from_addr, subject, size, raw)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		now, reason, mailFrom, strings.Join(rcpts, ","), strings.ToLower(from), subject, len(raw), firstChunk(raw)).Scan(&id)
	if err == nil {
		err = writeChunks(ctx, tx, `INSERT INTO quarantine_chunks (quarantine_id, seq, data) VALUES ($1, $2, $3)`, id, raw)
	}
	if err != nil {
		return 0, fmt.Errorf("quarantine mail: %w", err)
	}
	return id, nil
}

const quarantineCols = `id, created, reason, mail_from, rcpts, from_addr, subject, size, status, ticket_id, decided`

// scanQuarantined scans a row of quarantineCols, and into more any columns
// that follow them.
func scanQuarantined(row interface{ Scan(...any) error }, more ...any) (*Quarantined, error) {
	var q Quarantined
	var created int64
	var rcpts string
	var ticket, decided sql.NullInt64
	if err := row.Scan(append([]any{&q.ID, &created, &q.Reason, &q.MailFrom, &rcpts, &q.From, &q.Subject, &q.Size, &q.Status, &ticket, &decided}, more...)...); err != nil {
		return nil, err
	}
	q.Created, q.Decided = fromMicros(created), nullTime(decided)
	q.Rcpts = strings.Split(rcpts, ",")
	if ticket.Valid {
		q.Ticket = &ticket.Int64
	}
	return &q, nil
}

// QuarantineList lists quarantined mail, newest first; status "" lists all.
func (s *Store) QuarantineList(ctx context.Context, status string, limit int) ([]Quarantined, error) {
	return s.quarantineList(ctx, status, limit, nil)
}

// quarantineList is QuarantineList of the mail u sees (Reader); all for
// a sysadmin or a nil u.
func (s *Store) quarantineList(ctx context.Context, status string, limit int, u *User) ([]Quarantined, error) {
	if limit <= 0 {
		limit = 100
	}
	args := []any{status, limit}
	sees := ""
	if u != nil && !u.Sysadmin {
		sees, args = " AND "+s.seesQuarantined("x", "$3"), append(args, u.ID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+quarantineCols+` FROM quarantine x WHERE ($1 = '' OR status = $1)`+sees+` ORDER BY id DESC LIMIT $2`, args...)
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	defer rows.Close()
	var qs []Quarantined
	for rows.Next() {
		q, err := scanQuarantined(rows)
		if err != nil {
			return nil, err
		}
		qs = append(qs, *q)
	}
	return qs, rows.Err()
}

// QuarantineGet reads one quarantined mail with its bytes.
func (s *Store) QuarantineGet(ctx context.Context, id int64) (*Quarantined, []byte, error) {
	var raw []byte
	q, err := scanQuarantined(s.db.QueryRowContext(ctx, `SELECT `+quarantineCols+`, raw FROM quarantine WHERE id = $1`, id), &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, refuse(ErrNotFound, "no quarantined mail %d: see 'sak quarantine list'", id)
	}
	if err == nil {
		raw, err = readChunks(ctx, s.db, `SELECT data FROM quarantine_chunks WHERE quarantine_id = $1 ORDER BY seq`, id, raw, q.Size)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read quarantined mail %d: %w", id, err)
	}
	return q, raw, nil
}

// RequireSysadmin refuses unless actor is an active sysadmin.
func (s *Store) RequireSysadmin(ctx context.Context, actor, what string) error {
	_, err := requireSysadmin(ctx, s.db, actor, what)
	return err
}

// RequireSysadminOrFirst is RequireSysadmin, except that anyone may while
// the store has no active sysadmin yet: what fills a new store (an import
// that brings the old tracker's admins) follows AddUser's bootstrap rule.
func (s *Store) RequireSysadminOrFirst(ctx context.Context, actor, what string) error {
	n, err := activeSysadmins(ctx, s.db)
	if err != nil || n == 0 {
		return err
	}
	return s.RequireSysadmin(ctx, actor, what)
}

// requireSysadmin reads the acting user through q and refuses unless a
// sysadmin, saying what they may not do.
func requireSysadmin(ctx context.Context, q querier, actor, what string) (*User, error) {
	a, err := actorUser(ctx, q, actor)
	if err != nil {
		return nil, err
	}
	if !a.Sysadmin {
		return nil, refuse(ErrPermission, "only a sysadmin may %s, and %s is not one", what, a.Login)
	}
	return a, nil
}

// QuarantineDrop drops a held mail for good. Caseworkers and managers of
// a queue it was sent to may, and sysadmins; a mail is released or
// dropped once.
func (s *Store) QuarantineDrop(ctx context.Context, actor string, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := s.lockHeld(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		return s.decided(ctx, tx, a, id, "dropped", nil)
	})
}

// Release delivers a held mail as if it had just arrived, without the
// checks that held it back, and records it released onto the ticket it
// reached, in one transaction: refused, with nothing delivered, unless
// actor may decide on it (as QuarantineDrop) and the mail is still held. in is the mail as
// delivery builds it from the held bytes and envelope (smtpd's
// Deliverer.ReleaseQuarantined).
func (s *Store) Release(ctx context.Context, actor string, id int64, in *Incoming) (*Delivery, error) {
	ctx, err := prepareDelivery(ctx, in)
	if err != nil {
		return nil, err
	}
	in.released = true // a person's decision: no check holds it again
	var d *Delivery
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := s.lockHeld(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if d, err = s.deliverOnce(ctx, tx, in); err != nil {
			return err
		}
		return s.decided(ctx, tx, a, id, "released", d.Ticket)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// lockHeld locks quarantined mail id for a decision, refusing unless
// actor may decide on it (mayDecide) and the mail is still held.
func (s *Store) lockHeld(ctx context.Context, tx *sql.Tx, actor string, id int64) (*User, error) {
	a, err := actorUser(ctx, tx, actor)
	if err != nil {
		return nil, err
	}
	var cur, rcpts string
	err = tx.QueryRowContext(ctx, `SELECT status, rcpts FROM quarantine WHERE id = $1`+s.d.forUpdate, id).Scan(&cur, &rcpts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, refuse(ErrNotFound, "no quarantined mail %d: see 'sak quarantine list'", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read quarantined mail %d: %w", id, err)
	}
	if err := s.mayDecide(ctx, tx, a, id, rcpts); err != nil {
		return nil, err
	}
	if cur != "held" {
		return nil, refuse(ErrConflict, "quarantined mail %d was %s already", id, cur)
	}
	return a, nil
}

// mayDecide refuses a's decision on quarantined mail id, sent to rcpts
// (queue addresses, comma-separated), unless a is a sysadmin or may work
// a queue it was sent to. One who does not see the mail learns nothing of
// it.
func (s *Store) mayDecide(ctx context.Context, tx *sql.Tx, a *User, id int64, rcpts string) error {
	if a.Sysadmin {
		return nil
	}
	var names []string
	for _, addr := range strings.Split(rcpts, ",") {
		q, _, err := queueByAddress(ctx, tx, addr)
		if errors.Is(err, ErrUnknownQueue) {
			continue
		}
		if err != nil {
			return err
		}
		ok, err := canWork(ctx, tx, a, q.ID)
		if err != nil || ok {
			return err
		}
		names = append(names, q.Name)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM quarantine x WHERE x.id = $1 AND `+s.seesQuarantined("x", "$2"), id, a.ID).Scan(&n); err != nil {
		return fmt.Errorf("read quarantined mail %d: %w", id, err)
	}
	if n == 0 {
		return refuse(ErrNotFound, "no quarantined mail %d: see 'sak quarantine list'", id)
	}
	return refuse(ErrPermission, "%s may not release or drop quarantined mail %d: only caseworkers and managers of queue %s and sysadmins may", a.Login, id, strings.Join(names, ", "))
}

// decided records a's decision on quarantined mail id: released (onto
// ticket) or dropped.
func (s *Store) decided(ctx context.Context, tx *sql.Tx, a *User, id int64, status string, ticket any) error {
	_, err := tx.ExecContext(ctx, `UPDATE quarantine SET status = $1, ticket_id = $2, decided = $3, decided_by = $4 WHERE id = $5`,
		status, ticket, micros(s.now()), a.ID, id)
	if err != nil {
		return fmt.Errorf("record the decision on quarantined mail %d: %w", id, err)
	}
	return nil
}

// Promote turns a mail kept as an internal note because its sender was not
// on the ticket into the sender's correspondence: the sender becomes a Cc,
// and the ticket records the promotion. Nobody is mailed: the mail was
// already on the ticket, and a caseworker made the decision. Caseworkers of
// the queue may.
func (s *Store) Promote(ctx context.Context, actor string, ticket, txnID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		o := s.newOp(ctx, tx)
		var err error
		if o.actor, err = actorUser(ctx, tx, actor); err != nil {
			return err
		}
		if err := o.lock(ticket); err != nil {
			return err
		}
		if err := o.mustWork("promote mail on"); err != nil {
			return err
		}
		var typ, from, flags, text string
		var msgTicket int64
		err = tx.QueryRowContext(ctx, `SELECT x.type, m.from_addr, m.flags, m.text, m.ticket_id FROM transactions x JOIN messages m ON m.txn_id = x.id WHERE x.id = $1`, txnID).
			Scan(&typ, &from, &flags, &text, &msgTicket)
		if errors.Is(err, sql.ErrNoRows) {
			return refuse(ErrNotFound, "transaction %d holds no mail", txnID)
		}
		if err != nil {
			return fmt.Errorf("read transaction %d: %w", txnID, err)
		}
		if id, err := resolveMerged(ctx, tx, msgTicket); err != nil || id != o.t.id {
			return refuse(ErrInvalid, "transaction %d is not on ticket %d", txnID, o.t.id)
		}
		if typ != TxNote || !strings.Contains(flags, FlagNonParticipant) {
			return refuse(ErrConflict, "transaction %d is not mail from a non-participant: nothing to promote", txnID)
		}
		if err := o.addPerson(from, "", "cc"); err != nil {
			return err
		}
		if _, err := o.record(TxAddCc, "", from, fmt.Sprintf("promoted from transaction %d", txnID)); err != nil {
			return err
		}
		_, err = o.record(TxPromote, TxNote, TxCorrespond, fmt.Sprintf("transaction %d from %s", txnID, from))
		return err
	})
}
