package mailstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"sak/parse"
)

// Mail is a message to store on a ticket: the raw bytes exactly as they
// came or went, and what the parser decoded from them.
type Mail struct {
	Raw       []byte
	MessageID string // without angle brackets
	From      string // address
	FromName  string
	Subject   string
	Date      time.Time // zero when unknown
	Header    string    // decoded header block, "Name: value" lines
	Text      string    // UTF-8 text for people and search
	// HTML is the body's HTML form as the parser found it (parse.Message's
	// HTML, unsanitised), "" for none: what a caseworker's answer relays
	// beside the text. It is not stored; the raw mail holds it.
	HTML        string
	Attachments []Attachment
	Flags       []string
	Outgoing    bool

	hash    string // Hash, once computed
	hashLen int    // of Raw's length then
	fp      string // Fingerprint, once computed
	fpLen   int    // of Raw's length then
}

// ParsedMail is the stored form of a mail as package parse read it: its
// ids, decoded header block, text, sender and attachments, flagged
// unparseable when the parser found defects and neither text nor a From.
// Delivery and every import store mail through it.
func ParsedMail(raw []byte, msg *parse.Message) Mail {
	m := Mail{Raw: raw, MessageID: msg.MessageID, Subject: msg.Subject, Date: msg.Date, Text: msg.Text, HTML: msg.HTML}
	if msg.From != nil {
		m.From, m.FromName = strings.ToLower(msg.From.Addr), msg.From.Name
	}
	var h strings.Builder
	for _, f := range msg.Header {
		h.WriteString(f.Name)
		h.WriteString(": ")
		h.WriteString(f.Value)
		h.WriteByte('\n')
	}
	m.Header = h.String()
	for _, a := range msg.Attachments {
		m.Attachments = append(m.Attachments, Attachment{Name: a.Name, ContentType: a.ContentType, Size: a.Size,
			Inline: a.Inline, Header: a.Header, Body: a.Body, ContentID: a.ContentID})
	}
	if len(msg.Defects) > 0 && msg.Text == "" && msg.From == nil {
		m.Flags = append(m.Flags, FlagUnparseable)
	}
	return m
}

// Hash is the hex SHA-256 of the raw bytes. It is computed once; Deliver
// computes it before a delivery waits for the single committer.
func (m *Mail) Hash() string {
	if m.hash == "" || m.hashLen != len(m.Raw) {
		h := sha256.Sum256(m.Raw)
		m.hash, m.hashLen = hex.EncodeToString(h[:]), len(m.Raw)
	}
	return m.hash
}

// rawChunk is the size of the pieces a large mail is stored in: the first
// in messages.raw, the rest in message_chunks. The database driver copies
// a value it is given, and SQLite copies it again into the row it writes;
// in pieces, a mail of 20 MiB is held in memory once, not three times.
const rawChunk = 1 << 20

// firstChunk is the piece of raw its own row holds.
func firstChunk(raw []byte) []byte { return raw[:min(len(raw), rawChunk)] }

// writeChunks stores what of raw follows its firstChunk as rows (id, seq,
// data) of insert, seq counting from 1.
func writeChunks(ctx context.Context, q querier, insert string, id int64, raw []byte) error {
	for seq, off := 1, rawChunk; off < len(raw); seq, off = seq+1, off+rawChunk {
		if _, err := q.ExecContext(ctx, insert, id, seq, raw[off:min(len(raw), off+rawChunk)]); err != nil {
			return err
		}
	}
	return nil
}

// readChunks returns a mail of size bytes from its first piece and the
// pieces that query (by id, in order) reads; first alone when it is whole.
func readChunks(ctx context.Context, q querier, query string, id int64, first []byte, size int64) ([]byte, error) {
	if int64(len(first)) >= size {
		return first, nil
	}
	rows, err := q.QueryContext(ctx, query, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	whole := make([]byte, 0, size)
	whole = append(whole, first...)
	for rows.Next() {
		var chunk []byte
		if err := rows.Scan(&chunk); err != nil {
			return nil, err
		}
		whole = append(whole, chunk...)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if int64(len(whole)) != size {
		return nil, fmt.Errorf("%d of its %d bytes are stored", len(whole), size)
	}
	return whole, nil
}

// storeMessage stores m on the locked ticket under transaction txn.
func (o *op) storeMessage(txn int64, m *Mail) (int64, error) {
	var date any
	if !m.Date.IsZero() {
		date = micros(m.Date)
	}
	first := firstChunk(m.Raw)
	cols, vals := "", ""
	args := []any{o.t.id, txn, m.MessageID, m.Outgoing, strings.ToLower(m.From), m.Subject, date, len(m.Raw), m.Hash(), m.Fingerprint(),
		m.Header, m.Text, strings.Join(m.Flags, ","), first}
	if o.s.d.foldInGo {
		// The search vector is made of the text folded here (pgfold.go).
		cols, vals = ", fold_text", ", $15"
		args = append(args, pgFold(m.Text))
	}
	id, err := o.insertWithID(&o.nextMsg, "messages", `ticket_id, txn_id, msgid, outgoing, from_addr, subject, date, size, sha256, fingerprint, headers, text, flags, raw`+cols,
		`$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14`+vals, args)
	if err != nil {
		return 0, fmt.Errorf("store message on ticket %d: %w", o.t.id, err)
	}
	if err := writeChunks(o.ctx, o.tx, `INSERT INTO message_chunks (message_id, seq, data) VALUES ($1, $2, $3)`, id, m.Raw); err != nil {
		return 0, fmt.Errorf("store message on ticket %d: %w", o.t.id, err)
	}
	for _, a := range m.Attachments {
		if _, err := o.tx.ExecContext(o.ctx, `INSERT INTO attachments (message_id, name, content_type, size) VALUES ($1, $2, $3, $4)`,
			id, a.Name, a.ContentType, a.Size); err != nil {
			return 0, fmt.Errorf("store attachment of message %d: %w", id, err)
		}
	}
	// A trigger (migration 8) indexes m's Message-ID for threading.
	return id, nil
}

// indexMessageID remembers that a Message-ID belongs to the ticket. The
// first ticket to claim an id keeps it. Mail stored or queued is indexed by
// triggers (migration 8); this is for ids of no stored mail.
func (o *op) indexMessageID(msgid string) error {
	if msgid == "" {
		return nil
	}
	if _, err := o.tx.ExecContext(o.ctx, `INSERT INTO message_ids (msgid, ticket_id) VALUES ($1, $2) ON CONFLICT (msgid) DO NOTHING`, msgid, o.t.id); err != nil {
		return fmt.Errorf("index message id: %w", err)
	}
	return nil
}
