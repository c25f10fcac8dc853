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

func replyToken(secret []byte, ticket int64, rcpt, purpose string) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "%d\x00%s\x00%s", ticket, strings.ToLower(rcpt), purpose)
	return tokenEncoding.EncodeToString(m.Sum(nil))[:12]
}

// replyAddress is base+tID-TOKEN for the recipient.
func replyAddress(secret []byte, base string, ticket int64, rcpt, purpose string) string {
	local, domain, _ := strings.Cut(base, "@")
	return fmt.Sprintf("%s+t%d-%s@%s", local, ticket, replyToken(secret, ticket, rcpt, purpose), domain)
}

var detailRE = regexp.MustCompile(`^t([0-9]{1,18})-([a-z2-7]{12})$`)

// checkReplyDetail returns the ticket a +detail names when its token is
// valid for the sender and purpose, or 0.
func checkReplyDetail(secret []byte, detail, sender, purpose string) int64 {
	m := detailRE.FindStringSubmatch(strings.ToLower(detail))
	if m == nil || sender == "" {
		return 0
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0
	}
	want := replyToken(secret, id, sender, purpose)
	if !hmac.Equal([]byte(want), []byte(m[2])) {
		return 0
	}
	return id
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
