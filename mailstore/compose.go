package mailstore

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"sak/internal/mimepart"
)

// LoopHeader marks every mail sak sends with a value only this instance
// makes (loopValue); inbound mail carrying that value is sak's own
// (Store.OwnMail), and is never answered automatically.
const LoopHeader = "X-Sak-Loop"

// Kinds of outgoing mail.
const (
	KindAutoReply  = "autoreply"
	KindCorrespond = "correspond"
	KindComment    = "comment"
	KindNotify     = "notify"
	KindError      = "error"
	KindResolved   = "resolved" // the resolve notice to requestors
	KindDigest     = "digest"   // a caseworker's daily digest
)

// outMail is a mail sak composes.
type outMail struct {
	kind      string
	fromName  string
	fromAddr  string
	to, cc    []string
	subject   string
	text      string
	lang      string // Content-Language, "" for none
	inReplyTo string
	refs      []string
	replyTo   string // default fromAddr
	// keep: the mail is stored on the ticket, not only queued, and its
	// Mail has the Header text that messages hold.
	keep bool
	// shared is the body, with the attachments, that copies of the mail
	// to several recipients share in the outbox (see send): compose then
	// writes the copy's header alone.
	shared *mixedBody
	// attachments follow the text, each under its Header with its Body
	// as it is (a relayed part still in its transfer encoding).
	attachments []Attachment
	// html, when set, is the text's HTML alternative (a relayed mail's).
	html *htmlBody
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
	h.Set("Subject", encodeSubject(m.subject))
	if m.lang != "" {
		h.Set("Content-Language", m.lang)
	}
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
	secret, err := o.s.replySecret(o.ctx, o.tx)
	if err != nil {
		return nil, err
	}
	h.Set(LoopHeader, loopValue(secret, msgid))
	if o.t.id != 0 { // 0: a digest, of no one ticket
		h.Set("X-Sak-Ticket", fmt.Sprint(o.t.id))
	}
	var buf bytes.Buffer
	switch {
	case m.shared != nil:
		err = writeMultipartHeader(&buf, &h, m.shared)
	case len(m.attachments) == 0 && m.html == nil:
		err = writeText(&buf, &h, m.bodyText())
	default:
		var body *mixedBody
		if body, err = m.body(); err == nil {
			err = writeMultipart(&buf, &h, body)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("compose mail: %w", err)
	}
	out := &Mail{
		Raw:         buf.Bytes(),
		MessageID:   msgid,
		From:        m.fromAddr,
		FromName:    m.fromName,
		Subject:     m.subject,
		Date:        time.UnixMicro(o.now).UTC(),
		Text:        m.text,
		Attachments: m.attachments,
		Outgoing:    true,
	}
	if m.keep {
		out.Header = headerText(h)
	}
	return out, nil
}

// encodeSubject is subject as a header field value: ASCII words as they
// are, each run of words with other characters as RFC 2047 encoded words
// (UTF-8, Q) short enough that the field folds at their spaces within 78
// characters (go-message's SetSubject makes encoded words of 75, which
// cannot fold). A word that looks like an encoded word is encoded too.
func encodeSubject(subject string) string {
	words := strings.Split(subject, " ")
	plain := func(w string) bool {
		for i := 0; i < len(w); i++ {
			if w[i] < 0x20 || w[i] > 0x7e {
				return false
			}
		}
		return !strings.Contains(w, "=?")
	}
	var out []string
	for i := 0; i < len(words); {
		if plain(words[i]) {
			out = append(out, words[i])
			i++
			continue
		}
		j := i + 1
		for j < len(words) && !plain(words[j]) {
			j++
		}
		out = append(out, encodeWords(strings.Join(words[i:j], " "))...)
		i = j
	}
	return strings.Join(out, " ")
}

// maxEncodedWord is the longest encoded word encodeSubject writes: with
// "Subject: " before it, a line holds one and the folding space.
const maxEncodedWord = 60

// encodeWords encodes s as Q encoded words of at most maxEncodedWord
// characters each, split between characters; the spaces between them are
// not part of the text (RFC 2047 6.2), so s comes back whole.
func encodeWords(s string) []string {
	const pre, post = "=?utf-8?q?", "?="
	var words []string
	var w strings.Builder
	for _, r := range s {
		var c string
		switch {
		case r == ' ':
			c = "_"
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!*+-/", r)):
			c = string(r)
		default:
			var b [utf8.UTFMax]byte
			for _, x := range b[:utf8.EncodeRune(b[:], r)] {
				c += fmt.Sprintf("=%02X", x)
			}
		}
		if w.Len() > 0 && len(pre)+w.Len()+len(c)+len(post) > maxEncodedWord {
			words = append(words, pre+w.String()+post)
			w.Reset()
		}
		w.WriteString(c)
	}
	if w.Len() > 0 {
		words = append(words, pre+w.String()+post)
	}
	return words
}

// bodyText is the mail's text as sent: ending in a newline.
func (m *outMail) bodyText() string {
	if strings.HasSuffix(m.text, "\n") {
		return m.text
	}
	return m.text + "\n"
}

// writeText writes a text/plain mail of h and text, quoted-printable. It
// sets h's MIME fields. (go-message's CreateSingleInlineWriter does the
// same with two copies of the header and a parse of its Content-Type: a
// third of composing an auto-reply.)
func writeText(w io.Writer, h *mail.Header, text string) error {
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	h.Set("MIME-Version", "1.0")
	if err := textproto.WriteHeader(w, h.Header.Header); err != nil {
		return err
	}
	qw := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qw, text); err != nil {
		return err
	}
	return qw.Close()
}

// mixedBody is the body of a multipart mail: the text (with its HTML
// alternative, when it has one), then each attachment under its Header
// (mimepart's) with its Body as it is, not decoded and encoded again.
type mixedBody struct {
	typ      string // multipart/mixed, or multipart/alternative: an HTML mail with no attachments
	boundary string
	data     []byte
}

// entity is one MIME part to write: its header and its body as sent.
type entity struct {
	h    textproto.Header
	data []byte
}

func newMixedBody(text string, atts []Attachment) (*mixedBody, error) {
	t, err := textEntity("text/plain", text)
	if err != nil {
		return nil, err
	}
	return newMultipart("multipart/mixed", append([]entity{t}, attachmentEntities(atts, false)...))
}

// body is the body of m as a multipart mail: its text, its HTML
// alternative (multipart/related with the images it shows) and its
// attachments.
func (m *outMail) body() (*mixedBody, error) {
	if m.html == nil {
		return newMixedBody(m.bodyText(), m.attachments)
	}
	t, err := textEntity("text/plain", m.bodyText())
	if err != nil {
		return nil, err
	}
	h, err := textEntity("text/html", m.html.doc)
	if err != nil {
		return nil, err
	}
	if len(m.html.related) > 0 {
		rel, err := newMultipart("multipart/related", append([]entity{h}, attachmentEntities(m.html.related, true)...))
		if err != nil {
			return nil, err
		}
		h = rel.entity(map[string]string{"type": "text/html"})
	}
	alt, err := newMultipart("multipart/alternative", []entity{t, h})
	if err != nil || len(m.attachments) == 0 {
		return alt, err
	}
	return newMultipart("multipart/mixed", append([]entity{alt.entity(nil)}, attachmentEntities(m.attachments, false)...))
}

// entity is b as a part of another multipart, with the parameters
// params besides its boundary.
func (b *mixedBody) entity(params map[string]string) entity {
	p := map[string]string{"boundary": b.boundary}
	for k, v := range params {
		p[k] = v
	}
	var h textproto.Header
	h.Set("Content-Type", mime.FormatMediaType(b.typ, p))
	return entity{h: h, data: b.data}
}

// textEntity is text as a part of type typ, UTF-8, quoted-printable.
func textEntity(typ, text string) (entity, error) {
	var h textproto.Header
	h.Set("Content-Type", typ+"; charset=utf-8")
	h.Set("Content-Disposition", "inline")
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	var b bytes.Buffer
	qw := quotedprintable.NewWriter(&b)
	if _, err := io.WriteString(qw, text); err != nil {
		return entity{}, err
	}
	err := qw.Close()
	return entity{h: h, data: b.Bytes()}, err
}

// attachmentEntities are atts as parts, each under its Header, with its
// Content-ID when withID is set (the images of multipart/related).
func attachmentEntities(atts []Attachment, withID bool) []entity {
	var out []entity
	for _, a := range atts {
		// WriteHeader writes the fields last added first.
		lines := strings.Split(strings.TrimSuffix(a.Header, "\r\n"), "\r\n")
		var ah textproto.Header
		if withID {
			ah.Add("Content-ID", "<"+a.ContentID+">")
		}
		for i := len(lines) - 1; i >= 0; i-- {
			if k, v, ok := strings.Cut(lines[i], ": "); ok {
				ah.Add(k, v)
			}
		}
		out = append(out, entity{h: ah, data: mimepart.CRLF(a.Body)})
	}
	return out
}

// newMultipart is a body of the multipart type typ holding parts.
func newMultipart(typ string, parts []entity) (*mixedBody, error) {
	var body bytes.Buffer
	mw := textproto.NewMultipartWriter(&body)
	for _, p := range parts {
		pw, err := mw.CreatePart(p.h)
		if err != nil {
			return nil, err
		}
		if _, err := pw.Write(p.data); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return &mixedBody{typ: typ, boundary: mw.Boundary(), data: body.Bytes()}, nil
}

// writeMixed writes a multipart/mixed mail of h, text and atts. It sets
// h's MIME fields.
func writeMixed(w io.Writer, h *mail.Header, text string, atts []Attachment) error {
	body, err := newMixedBody(text, atts)
	if err != nil {
		return err
	}
	return writeMultipart(w, h, body)
}

// writeMultipart writes a multipart mail of h and body. It sets h's MIME
// fields.
func writeMultipart(w io.Writer, h *mail.Header, body *mixedBody) error {
	if err := writeMultipartHeader(w, h, body); err != nil {
		return err
	}
	_, err := w.Write(body.data)
	return err
}

// writeMultipartHeader writes h as the header of a multipart mail whose
// body is body. It sets h's MIME fields.
func writeMultipartHeader(w io.Writer, h *mail.Header, body *mixedBody) error {
	h.SetContentType(body.typ, map[string]string{"boundary": body.boundary})
	h.Set("MIME-Version", "1.0")
	return textproto.WriteHeader(w, h.Header.Header)
}

// composeNote renders text a caseworker typed into the CLI as the mail it
// stands for, so every message on a ticket has raw bytes.
func (o *op) composeNote(subject, text string) *Mail {
	m, err := o.compose(&outMail{kind: KindNotify, fromName: o.actor.Name, fromAddr: o.actor.Email, subject: subject, text: text, keep: true})
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
