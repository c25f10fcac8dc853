package mailstore

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
)

// Login by mail: a person proves who they are by their mailbox, as the
// mail commands do. RequestLoginCode mails a one-time code to the address
// sak has for the login; RedeemLoginCode trades it for an API token.

// KindLoginCode is the outbox kind of the mail that carries a login code.
const KindLoginCode = "login-code"

// Limits of login codes.
const (
	LoginCodeDigits = 8
	LoginCodeLife   = 10 * time.Minute
	LoginCodeTries  = 5
	// At most loginPerLogin codes for one login, and loginPerClient for
	// one client address, in loginWindow.
	loginPerLogin  = 5
	loginPerClient = 20
	loginWindow    = time.Hour
	// LoginTokenLife is how long a token got by a login code lasts.
	LoginTokenLife = 90 * 24 * time.Hour
)

// WithSystemAddress sets the From address of the mail sak sends that is
// about no ticket (login codes). The default is sak-noreply at the domain
// of the first queue.
func WithSystemAddress(addr string) Option { return func(s *Store) { s.systemAddr = addr } }

// systemAddress is the From of mail about no ticket.
func (s *Store) systemAddress(ctx context.Context, q querier) (string, error) {
	if s.systemAddr != "" {
		return s.systemAddr, nil
	}
	var addr string
	err := q.QueryRowContext(ctx, `SELECT address FROM queues ORDER BY id LIMIT 1`).Scan(&addr)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read a queue address: %w", err)
	}
	_, domain, ok := strings.Cut(addr, "@")
	if !ok || domain == "" {
		domain = "localhost"
	}
	return "sak-noreply@" + domain, nil
}

// codeHash is the HMAC of a code for a login under the store's secret: a
// stolen table does not give the codes by a look-up table.
func codeHash(secret []byte, login, code string) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "login-code\x00%s\x00%s", strings.ToLower(login), code)
	return hex.EncodeToString(m.Sum(nil))
}

func newLoginCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return fmt.Sprintf("%0*d", LoginCodeDigits, n.Int64())
}

// RequestLoginCode mails a one-time login code for login to the address
// sak has for the user, through the outbox, asked from the client address
// client. An unknown, disabled or requestor-only login gets no mail and the
// same answer (nil), so that the answer tells nothing of who exists; the
// request counts against the rate limits all the same (ErrLimited: at most
// 5 an hour for a login, 20 for a client address).
func (s *Store) RequestLoginCode(ctx context.Context, login, client string) error {
	login = strings.ToLower(strings.TrimSpace(login))
	if !isName(login, false) {
		return refuse(ErrInvalid, "login %q is not valid", login)
	}
	var sentTo string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		o := s.newOp(ctx, tx)
		since := o.now - loginWindow.Microseconds()
		var byLogin, byClient int
		if err := tx.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN login = $1 THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN client = $2 THEN 1 ELSE 0 END), 0)
			FROM login_codes WHERE (login = $1 OR client = $2) AND created > $3`, login, client, since).Scan(&byLogin, &byClient); err != nil {
			return fmt.Errorf("count login codes: %w", err)
		}
		if byLogin >= loginPerLogin || byClient >= loginPerClient {
			return refuse(ErrLimited, "too many login codes asked for: try again in an hour")
		}
		secret, err := s.replySecret(ctx, tx)
		if err != nil {
			return err
		}
		code := newLoginCode()
		var userID sql.NullInt64
		hash := ""
		u, err := userByLogin(ctx, tx, login)
		switch {
		case err == nil && !u.Disabled:
			userID = sql.NullInt64{Int64: u.ID, Valid: true}
			hash = codeHash(secret, login, code)
		case err != nil && !errors.Is(err, ErrUnknownUser):
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_codes (login, user_id, client, hash, created, expires) VALUES ($1, $2, $3, $4, $5, $6)`,
			login, userID, client, hash, o.now, o.now+LoginCodeLife.Microseconds()); err != nil {
			return fmt.Errorf("store login code: %w", err)
		}
		if !userID.Valid {
			return nil
		}
		sentTo = u.Email
		return s.queueLoginCode(o, secret, u, code, client)
	})
	if err != nil {
		return err
	}
	if sentTo != "" {
		s.log.Info("login code mailed", "user", login, "client", client)
	} else {
		s.log.Info("login code asked for no active user", "login", login, "client", client)
	}
	return nil
}

// queueLoginCode writes the mail that carries code to u's address into the
// outbox, about no ticket.
func (s *Store) queueLoginCode(o *op, secret []byte, u *User, code, client string) error {
	from, err := s.systemAddress(o.ctx, o.tx)
	if err != nil {
		return err
	}
	// The first queue writes it, in its first language: its template
	// when it has one.
	var q *Queue
	var qid int64
	err = o.tx.QueryRowContext(o.ctx, `SELECT id FROM queues ORDER BY id LIMIT 1`).Scan(&qid)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		q = &Queue{Name: "sak", Lang: LangEN}
	case err != nil:
		return fmt.Errorf("read the first queue: %w", err)
	default:
		if q, err = queueByID(o.ctx, o.tx, qid); err != nil {
			return err
		}
	}
	override := ""
	if q.ID != 0 {
		if override, err = s.override(o.ctx, o.tx, q, TmplLogin); err != nil {
			return err
		}
	}
	r := s.render(TmplLogin, q, override, &TemplateData{
		User:  TemplateUser{Login: u.Login, Name: u.Name, Email: u.Email},
		Login: &TemplateLogin{Code: code, Minutes: int(LoginCodeLife / time.Minute), Client: client},
	})
	var h mail.Header
	h.SetDate(time.UnixMicro(o.now))
	h.SetAddressList("From", []*mail.Address{{Name: "sak", Address: from}})
	h.SetAddressList("To", []*mail.Address{{Name: u.Name, Address: u.Email}})
	h.Set("Subject", encodeSubject(r.subject))
	h.Set("Content-Language", r.lang)
	var rb [9]byte
	rand.Read(rb[:])
	_, domain, _ := strings.Cut(from, "@")
	msgid := fmt.Sprintf("sak.login.%s@%s", hex.EncodeToString(rb[:]), domain)
	h.SetMessageID(msgid)
	h.Set("Auto-Submitted", "auto-generated")
	h.Set(LoopHeader, loopValue(secret, msgid))
	text := r.body
	var buf bytes.Buffer
	if err := writeText(&buf, &h, text); err != nil {
		return fmt.Errorf("compose login code mail: %w", err)
	}
	// Null reverse-path: a bounce of an automatic mail goes nowhere.
	_, err = o.tx.ExecContext(o.ctx, `INSERT INTO outbox (ticket_id, txn_id, kind, msgid, mail_from, rcpt, raw, next_attempt, created)
		VALUES (NULL, NULL, $1, $2, '', $3, $4, $5, $5)`, KindLoginCode, msgid, u.Email, buf.Bytes(), o.now)
	if err != nil {
		return fmt.Errorf("queue login code mail to %s: %w", u.Email, err)
	}
	return nil
}

// RedeemLoginCode trades the code last mailed for login for a new API
// token named name, lasting LoginTokenLife. A code works once, within
// LoginCodeLife, and only the newest code of a login does; each wrong try
// counts, and after LoginCodeTries the code is dead. A wrong code, a dead
// one and an unknown login are the same ErrUnauthenticated.
func (s *Store) RedeemLoginCode(ctx context.Context, login, code, name string) (*Token, string, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	code = strings.TrimSpace(code)
	bad := refuse(ErrUnauthenticated, "wrong or expired login code: ask for a new one with 'sak login'")
	var tok *Token
	var secretTok string
	var wrong bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := micros(s.now())
		var id int64
		var userID sql.NullInt64
		var hash string
		var tries int
		var used sql.NullInt64
		var expires int64
		err := tx.QueryRowContext(ctx, `SELECT id, user_id, hash, tries, used, expires FROM login_codes
			WHERE login = $1 ORDER BY created DESC, id DESC LIMIT 1`+s.d.forUpdate, login).Scan(&id, &userID, &hash, &tries, &used, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return bad
		}
		if err != nil {
			return fmt.Errorf("read login code: %w", err)
		}
		if !userID.Valid || used.Valid || tries >= LoginCodeTries || now >= expires {
			return bad
		}
		secret, err := s.replySecret(ctx, tx)
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare([]byte(codeHash(secret, login, code)), []byte(hash)) != 1 {
			if _, err := tx.ExecContext(ctx, `UPDATE login_codes SET tries = tries + 1 WHERE id = $1`, id); err != nil {
				return fmt.Errorf("count login code try: %w", err)
			}
			wrong = true
			return nil // commit the try
		}
		if _, err := tx.ExecContext(ctx, `UPDATE login_codes SET used = $1 WHERE id = $2`, now, id); err != nil {
			return fmt.Errorf("use login code: %w", err)
		}
		u, err := actorUser(ctx, tx, login)
		if err != nil {
			return bad
		}
		secretTok = newTokenSecret()
		exp := now + LoginTokenLife.Microseconds()
		var tid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, hash, created, expires) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			u.ID, strings.TrimSpace(name), tokenHash(secretTok), now, exp).Scan(&tid); err != nil {
			return fmt.Errorf("make token for %s: %w", u.Login, err)
		}
		e := fromMicros(exp)
		tok = &Token{ID: tid, User: u.Login, Name: strings.TrimSpace(name), Created: fromMicros(now), Expires: &e}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if wrong {
		s.log.Info("wrong login code", "login", login)
		return nil, "", bad
	}
	s.log.Info("logged in by code", "user", tok.User, "token", tok.ID)
	return tok, secretTok, nil
}
