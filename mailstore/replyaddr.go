package mailstore

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Signed reply addresses: mail sak sends to a person about a ticket carries
// a Reply-To such as support+t42-k3x9q7mz2a@example.org, whose token is an
// HMAC, under a secret shared by every sak process on the database, over
// the ticket, the recipient and the purpose (correspond or comment). A
// reply to it threads to the ticket without the subject tag and shows that
// its sender received sak's mail. It is never authentication for commands.

const replySecretKey = "reply_secret"

// replySecret reads the secret, making it on first use. It never changes,
// so the store keeps it once read.
func (s *Store) replySecret(ctx context.Context, q querier) ([]byte, error) {
	if v, ok := s.secret.Load().([]byte); ok {
		return v, nil
	}
	v, err := readReplySecret(ctx, q)
	if err == nil {
		s.secret.Store(v)
	}
	return v, err
}

func readReplySecret(ctx context.Context, q querier) ([]byte, error) {
	var b [32]byte
	rand.Read(b[:])
	if _, err := q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
		replySecretKey, hex.EncodeToString(b[:])); err != nil {
		return nil, fmt.Errorf("make reply secret: %w", err)
	}
	var v string
	if err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, replySecretKey).Scan(&v); err != nil {
		return nil, fmt.Errorf("read reply secret: %w", err)
	}
	return hex.DecodeString(v)
}

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Purposes of tokens other than reply addresses' (KindCorrespond,
// KindComment): each purpose signs its own thing, so that no token made
// for one is good for another.
const (
	purposeBounce = "bounce" // a return path: the outbox row
	purposeLoop   = "loop"   // the loop header: the mail's Message-ID
)

// token is the one MAC of the instance's secret that every signed value
// sak makes uses: over a number (ticket, outbox row), an address or
// Message-ID, and the purpose.
func token(secret []byte, n int64, s, purpose string) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "%d\x00%s\x00%s", n, strings.ToLower(s), purpose)
	return tokenEncoding.EncodeToString(m.Sum(nil))[:12]
}

// replyAddress is base+tID-TOKEN for the recipient.
func replyAddress(secret []byte, base string, ticket int64, rcpt, purpose string) string {
	return detailAddress(base, 't', ticket, token(secret, ticket, rcpt, purpose))
}

// detailAddress is base with the +detail KIND ID - TOKEN.
func detailAddress(base string, kind byte, id int64, tok string) string {
	local, domain, _ := strings.Cut(base, "@")
	return fmt.Sprintf("%s+%c%d-%s@%s", local, kind, id, tok, domain)
}

var detailRE = regexp.MustCompile(`^([tb])([0-9]{1,18})-([a-z2-7]{12})$`)

// parseDetail reads a signed +detail: its kind ('t' a reply address, 'b'
// a return path), the number it names and the token, unchecked. ok is
// false for anything else.
func parseDetail(detail string) (kind byte, id int64, tok string, ok bool) {
	m := detailRE.FindStringSubmatch(strings.ToLower(detail))
	if m == nil {
		return 0, 0, "", false
	}
	id, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil {
		return 0, 0, "", false
	}
	return m[1][0], id, m[3], true
}

// checkDetail returns the number a +detail of the kind names when its
// token is valid for s and purpose, or 0.
func checkDetail(secret []byte, detail string, kind byte, s, purpose string) int64 {
	k, id, tok, ok := parseDetail(detail)
	if !ok || k != kind {
		return 0
	}
	if !hmac.Equal([]byte(token(secret, id, s, purpose)), []byte(tok)) {
		return 0
	}
	return id
}

// checkReplyDetail returns the ticket a +detail names when its token is
// valid for the sender and purpose, or 0.
func checkReplyDetail(secret []byte, detail, sender, purpose string) int64 {
	if sender == "" {
		return 0
	}
	return checkDetail(secret, detail, 't', sender, purpose)
}

// Signed return paths: every mail sak sends with an envelope sender has as
// its return path (MAIL FROM) the queue's address with the +detail
// b<outbox row>-TOKEN, signed by the same secret, so that a delivery
// report is known for a report on that very mail (the ticket it belongs
// to, the recipient who bounced) and a stranger's fake report, which
// cannot name such an address, is not. The outbound worker sets it as it
// claims the row (ClaimOutbox): the row's id is known only then.

// returnPath is the signed return path of the outbox row id sent from
// the queue address base.
func returnPath(secret []byte, base string, id int64) string {
	return detailAddress(base, 'b', id, token(secret, id, "", purposeBounce))
}

// checkReturnPath returns the outbox row a +detail names when it is a
// return path sak signed, or 0.
func checkReturnPath(secret []byte, detail string) int64 {
	return checkDetail(secret, detail, 'b', "", purposeBounce)
}

// The loop header: every mail sak sends carries LoopHeader with a value
// only this instance can make, the MAC of its Message-ID; a mail coming
// in with that value is sak's own mail come back (OwnMail). A foreign or
// forged value is ignored. The version lets the form change.

const loopVersion = "1"

// loopValue is the loop header's value for a mail with the Message-ID
// msgid (without angle brackets).
func loopValue(secret []byte, msgid string) string {
	return loopVersion + "." + token(secret, 0, strings.Trim(msgid, "<> "), purposeLoop)
}

// OwnMail reports whether a mail with the Message-ID msgid and the loop
// header's value loop (both as they came) is one sak itself sent: the one
// place that decides whether a mail is sak's own. An empty or foreign
// value is not.
func (s *Store) OwnMail(ctx context.Context, msgid, loop string) (bool, error) {
	loop = strings.TrimSpace(loop)
	if loop == "" || msgid == "" {
		return false, nil
	}
	secret, err := s.replySecret(ctx, s.db)
	if err != nil {
		return false, err
	}
	return hmac.Equal([]byte(loopValue(secret, msgid)), []byte(strings.ToLower(loop))), nil
}

// signedTicket finds the ticket a signed reply address of the mail's
// routes names for its sender, or 0.
func (o *op) signedTicket(in *Incoming) (int64, error) {
	for _, r := range in.Routes {
		if r.Detail == "" {
			continue
		}
		secret, err := o.s.replySecret(o.ctx, o.tx)
		if err != nil {
			return 0, err
		}
		purpose := KindCorrespond
		if r.Comment {
			purpose = KindComment
		}
		if id := checkReplyDetail(secret, r.Detail, in.From, purpose); id != 0 {
			var n int
			err := o.tx.QueryRowContext(o.ctx, `SELECT COUNT(*) FROM tickets WHERE id = $1`, id).Scan(&n)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return 0, err
			}
			if n > 0 {
				return id, nil
			}
		}
	}
	return 0, nil
}
