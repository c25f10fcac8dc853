package parse

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
)

// Limits on the work done for one message.
const (
	maxDepth = 50     // multipart nesting deeper than this is not split
	maxParts = 10_000 // MIME parts beyond this are ignored

	maxDefects = 100 // defects listed per message
)

// Address is one mailbox from an address header.
type Address struct {
	Name string // display name, decoded to UTF-8
	Addr string // addr-spec as written; see Normalize
}

// Attachment describes a MIME part that is not part of the body text.
type Attachment struct {
	Name        string // filename (RFC 2231 / 2047 decoded), "" if none
	ContentType string // e.g. "application/pdf"
	Size        int64  // decoded size in bytes
	Inline      bool
	ContentID   string // Content-ID without angle brackets, "" if none: what cid: URLs name (RFC 2392)
	// Header is a header to send the part on under, made from what was
	// read of it (internal/mimepart; each line ending in CRLF), and Body
	// its body still in its transfer encoding, a slice of the parsed
	// message. Both are empty for a part the parser did not take apart
	// (nested too deep).
	Header string
	Body   []byte
}

// HeaderField is one header field, name in canonical form, value unfolded
// and decoded to UTF-8.
type HeaderField struct {
	Name, Value string
}

// Report is what a delivery status notification (RFC 3464) says.
type Report struct {
	Action            string   // worst action among recipients: failed, delayed, relayed, expanded, delivered
	Recipients        []string // final (else original) recipients
	Status            string   // e.g. 5.1.1, of a recipient with the worst action
	Diagnostic        string   // its diagnostic code, without the "smtp;" type
	OriginalMessageID string   // Message-ID of the returned message, no brackets
}

// Message is what sak keeps of a parsed mail message.
type Message struct {
	MessageID  string   // without angle brackets; "" when absent
	InReplyTo  []string // message ids without brackets
	References []string // without brackets, in order
	Subject    string   // decoded, whitespace folded, trimmed

	From    *Address // nil if absent or unparseable
	Sender  *Address
	ReplyTo []Address
	To, Cc  []Address

	Date time.Time // zero if absent or unparseable

	AutoSubmitted   string // lower-cased, "" if absent
	Precedence      string // lower-cased
	ListID          string // value of List-Id
	ListUnsubscribe bool   // List-Unsubscribe present

	Header []HeaderField // all header fields in order

	Text        string // body text for people, valid UTF-8
	HTMLOnly    bool   // Text was converted from HTML
	HTML        string // the body's HTML (UTF-8, untrusted: SanitizeHTML) when each piece of Text has an HTML form, its source or HTML alternative; else ""
	Attachments []Attachment
	Report      *Report  // non-nil for delivery status notifications
	Defects     []string // what was malformed, never fatal
}

// Get is the decoded value of the first header field called name (case
// does not matter), or "".
func (m *Message) Get(name string) string {
	for _, f := range m.Header {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Parse parses a raw message. It never returns nil: malformed input gives
// a best-effort result with the problems listed in Defects.
func Parse(raw []byte) (msg *Message) {
	p := newParser()
	defer func() {
		if r := recover(); r != nil {
			p.defect(fmt.Sprintf("internal error: %v", r))
			msg = p.msg
		}
	}()
	raw = p.prepare(raw)
	h, body := p.readHeader(raw, "message")
	p.topHeader(h)
	p.walk(h, body, 0, env{defaultType: "text/plain"})
	p.finish()
	return p.msg
}

// ParseReader reads a whole message from r and parses it. The only error
// is one from reading.
func ParseReader(r io.Reader) (*Message, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	return Parse(raw), nil
}

// parser holds the state of one Parse call.
type parser struct {
	msg   *Message
	wd    *mime.WordDecoder
	segs  []segment // body text found so far
	parts int       // MIME parts seen
	seen  map[string]bool
}

// segment is one piece of body text.
type segment struct {
	text string
	html bool
	// markup is the HTML form of the text: the HTML it was made from, or
	// (on the first segment of a plain alternative) the HTML alternative.
	// covered marks the later segments of such an alternative, whose HTML
	// form is the first's.
	markup  string
	covered bool
}

// env is what a part inherits from the multipart that holds it.
type env struct {
	defaultType string // text/plain, or message/rfc822 in multipart/digest
	related     bool   // a non-root part of multipart/related
}

func newParser() *parser {
	p := &parser{msg: &Message{}, seen: map[string]bool{}}
	p.wd = &mime.WordDecoder{CharsetReader: p.wordCharsetReader}
	return p
}

// defect records a problem once, and at most maxDefects problems.
func (p *parser) defect(s string) {
	if p.seen[s] || len(p.msg.Defects) > maxDefects {
		return
	}
	p.seen[s] = true
	if len(p.msg.Defects) == maxDefects {
		s = "too many defects; the rest are not listed"
	}
	p.msg.Defects = append(p.msg.Defects, s)
}

func (p *parser) defectf(format string, args ...any) {
	p.defect(fmt.Sprintf(format, args...))
}

// prepare strips what precedes the header and repairs line endings.
func (p *parser) prepare(raw []byte) []byte {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if hasOnlyCR(raw) {
		p.defect("lines end in bare cr; read as lf")
		raw = bytes.ReplaceAll(raw, []byte("\r"), []byte("\n"))
	}
	if bytes.HasPrefix(raw, []byte("From ")) { // mbox separator
		_, next := nextLine(raw, 0)
		raw = raw[next:]
	}
	return raw
}

// hasOnlyCR reports whether b has CR line breaks and no LF at all.
func hasOnlyCR(b []byte) bool {
	cr := false
	for _, c := range b {
		switch c {
		case '\n':
			return false
		case '\r':
			cr = true
		}
	}
	return cr
}

// finish joins the body text.
func (p *parser) finish() {
	var parts []string
	html := len(p.segs) > 0
	for _, s := range p.segs {
		parts = append(parts, s.text)
		html = html && s.html
	}
	p.msg.Text = strings.Join(parts, "\n\n")
	p.msg.HTMLOnly = html
	p.msg.HTML = p.markup()
}

// markup joins the HTML forms of the body text, or is "" when a piece
// has none.
func (p *parser) markup() string {
	var parts []string
	for _, s := range p.segs {
		switch {
		case s.markup != "":
			parts = append(parts, s.markup)
		case !s.covered:
			return ""
		}
	}
	return strings.Join(parts, "\n")
}

// addText adds a piece of body text unless it is blank.
func (p *parser) addText(text string, html bool) {
	text = trimBlankLines(cleanText(text))
	if text == "" {
		return
	}
	p.segs = append(p.segs, segment{text: text, html: html})
}

// addHTML adds the text of an HTML body part, which keeps its source.
func (p *parser) addHTML(src string) {
	n := len(p.segs)
	p.addText(htmlToText(src), true)
	if len(p.segs) > n {
		p.segs[n].markup = src
	}
}
