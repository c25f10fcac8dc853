package mailstore

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
)

// LoopHeader marks every mail sak sends; inbound mail carrying it is sak's
// own, and is never answered automatically.
const LoopHeader = "X-Sak-Loop"

// Kinds of outgoing mail.
const (
	KindAutoReply  = "autoreply"
	KindCorrespond = "correspond"
	KindComment    = "comment"
	KindNotify     = "notify"
	KindError      = "error"
)

// outMail is a mail sak composes.
type outMail struct {
	kind      string
	fromName  string
	fromAddr  string
	to, cc    []string
	subject   string
	text      string
	inReplyTo string
	refs      []string
	replyTo   string // default fromAddr
}

// newMessageID makes a Message-ID in the queue address's domain that
// threading recognises once it is indexed.
func newMessageID(ticket int64, addr string) string {
	var b [9]byte
	rand.Read(b[:])
	_, domain, _ := strings.Cut(addr, "@")
	if domain == "" {
		domain = "sak.invalid"
	}
	return fmt.Sprintf("sak.%d.%s@%s", ticket, hex.EncodeToString(b[:]), domain)
}

// subjectTag is "[TAG #ID]".
func subjectTag(q *Queue, id int64) string {
	return fmt.Sprintf("[%s #%d]", q.Tag, id)
}

// taggedSubject puts the ticket's tag in front of subject unless it is there.
func taggedSubject(q *Queue, id int64, subject string) string {
	tag := subjectTag(q, id)
	if strings.Contains(strings.ToLower(subject), strings.ToLower(tag)) {
		return subject
	}
	return strings.TrimSpace(tag + " " + subject)
}

// compose renders m as RFC 5322 bytes, with the headers every mail of sak's
// carries: Message-ID, Date, Auto-Submitted, the loop header.
func (o *op) compose(m *outMail) (*Mail, error) {
	var h mail.Header
	h.SetDate(time.UnixMicro(o.now))
	h.SetAddressList("From", []*mail.Address{{Name: m.fromName, Address: m.fromAddr}})
	replyTo := m.replyTo
	if replyTo == "" {
		replyTo = m.fromAddr
	}
	h.SetAddressList("Reply-To", []*mail.Address{{Address: replyTo}})
	if len(m.to) > 0 {
		h.SetAddressList("To", addrList(m.to))
	}
	if len(m.cc) > 0 {
		h.SetAddressList("Cc", addrList(m.cc))
	}
	h.SetSubject(m.subject)
	msgid := newMessageID(o.t.id, m.fromAddr)
	h.SetMessageID(msgid)
	if m.inReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{m.inReplyTo})
	}
	if len(m.refs) > 0 {
		h.SetMsgIDList("References", m.refs)
	}
	switch m.kind {
	case KindAutoReply:
		h.Set("Auto-Submitted", "auto-replied")
		h.Set("Precedence", "bulk")
	case KindCorrespond:
		// A person wrote it: no Auto-Submitted, no Precedence (RFC 3834).
	default:
		h.Set("Auto-Submitted", "auto-generated")
		h.Set("Precedence", "bulk")
	}
	h.Set(LoopHeader, o.queue.Address)
	h.Set("X-Sak-Ticket", fmt.Sprint(o.t.id))
	h.Set("Content-Type", "text/plain; charset=utf-8")
	var buf bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("compose mail: %w", err)
	}
	text := m.text
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	if _, err := w.Write([]byte(text)); err != nil {
		return nil, fmt.Errorf("compose mail: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("compose mail: %w", err)
	}
	return &Mail{
		Raw:       buf.Bytes(),
		MessageID: msgid,
		From:      m.fromAddr,
		FromName:  m.fromName,
		Subject:   m.subject,
		Date:      time.UnixMicro(o.now).UTC(),
		Header:    headerText(h),
		Text:      m.text,
		Outgoing:  true,
	}, nil
}

// composeNote renders text a caseworker typed into the CLI as the mail it
// stands for, so every message on a ticket has raw bytes.
func (o *op) composeNote(subject, text string) *Mail {
	m, err := o.compose(&outMail{kind: KindNotify, fromName: o.actor.Name, fromAddr: o.actor.Email, subject: subject, text: text})
	if err != nil {
		// Composing into memory fails only on an invalid header value,
		// which the fields above cannot hold.
		panic(err)
	}
	m.Outgoing = false
	return m
}

func addrList(addrs []string) []*mail.Address {
	l := make([]*mail.Address, len(addrs))
	for i, a := range addrs {
		l[i] = &mail.Address{Address: a}
	}
	return l
}

func headerText(h mail.Header) string {
	var b strings.Builder
	fields := h.Fields()
	for fields.Next() {
		v, err := fields.Text()
		if err != nil {
			v = fields.Value()
		}
		b.WriteString(fields.Key() + ": " + v + "\n")
	}
	return b.String()
}
