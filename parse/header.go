package parse

import (
	"bytes"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// field is a header field as read: canonical name, unfolded raw value.
type field struct {
	name, value string
}

// header is a list of fields in the order they appeared.
type header []field

// get returns the raw value of the first field with the canonical name.
func (h header) get(name string) string {
	for _, f := range h {
		if f.name == name {
			return f.value
		}
	}
	return ""
}

// all returns the raw values of every field with the canonical name.
func (h header) all(name string) []string {
	var vs []string
	for _, f := range h {
		if f.name == name {
			vs = append(vs, f.value)
		}
	}
	return vs
}

func (h header) has(name string) bool {
	for _, f := range h {
		if f.name == name {
			return true
		}
	}
	return false
}

// readHeader splits b into its header fields and the body that follows the
// blank line. It repairs what it can: white space before the first field is
// skipped, a line that is not a field is skipped when a field follows it,
// and otherwise taken as the start of a body that lacks the blank line.
// what names the entity in defects.
func (p *parser) readHeader(b []byte, what string) (header, []byte) {
	var h header
	for pos := 0; pos < len(b); {
		line, next := nextLine(b, pos)
		trimmed := bytes.TrimLeft(line, " \t")
		switch {
		case len(line) == 0:
			return h, b[next:]
		case fieldColon(line) > 0:
			var f field
			f, next = readField(b, pos)
			h = append(h, f)
		case len(h) == 0 && len(trimmed) == 0:
			p.defectf("%s header starts with white space", what)
		case len(h) == 0 && fieldColon(trimmed) > 0:
			p.defectf("%s header starts with white space", what)
			var f field
			f, next = readField(b, pos+len(line)-len(trimmed))
			h = append(h, f)
		case next < len(b) && fieldColon(firstLine(b[next:])) > 0:
			p.defectf("%s header has a malformed line; skipped", what)
		case len(h) == 0:
			p.defectf("%s has no header", what)
			return nil, b
		default:
			p.defectf("%s header is not followed by a blank line", what)
			return h, b[pos:]
		}
		pos = next
	}
	return h, nil
}

// readField reads the field starting at pos with its continuation lines
// and returns it with the position after it.
func readField(b []byte, pos int) (field, int) {
	first, next := nextLine(b, pos)
	colon := fieldColon(first)
	name := string(bytes.TrimRight(first[:colon], " \t"))
	var v strings.Builder
	v.Write(bytes.Trim(first[colon+1:], " \t"))
	for next < len(b) && isWSP(b[next]) {
		var line []byte
		line, next = nextLine(b, next)
		if line = bytes.Trim(line, " \t"); len(line) > 0 {
			if v.Len() > 0 {
				v.WriteByte(' ')
			}
			v.Write(line)
		}
	}
	return field{name: textproto.CanonicalMIMEHeaderKey(name), value: v.String()}, next
}

// nextLine returns the line starting at pos without its line ending, and
// the position after the line ending.
func nextLine(b []byte, pos int) (line []byte, next int) {
	i := bytes.IndexByte(b[pos:], '\n')
	if i < 0 {
		line, next = b[pos:], len(b)
	} else {
		line, next = b[pos:pos+i], pos+i+1
	}
	return bytes.TrimSuffix(line, []byte("\r")), next
}

func firstLine(b []byte) []byte {
	line, _ := nextLine(b, 0)
	return line
}

func isWSP(c byte) bool { return c == ' ' || c == '\t' }

// fieldColon returns the index of the colon ending a field name at the start
// of line, or -1 when line does not start a header field.
func fieldColon(line []byte) int {
	i := 0
	for i < len(line) && line[i] > ' ' && line[i] < 0x7f && line[i] != ':' {
		i++
	}
	if i == 0 {
		return -1
	}
	for j := i; j < len(line); j++ {
		switch {
		case line[j] == ':':
			return j
		case !isWSP(line[j]):
			return -1
		}
	}
	return -1
}

// text decodes a raw header value for display: 8-bit bytes as UTF-8 or
// windows-1252, then RFC 2047 encoded words.
func (p *parser) text(name, raw string) string {
	return cleanString(p.decodeWords(p.headerUTF8(name, raw)))
}

// decodeWords decodes the RFC 2047 encoded words in s.
func (p *parser) decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	if d, err := p.wd.DecodeHeader(padWords(s)); err == nil {
		return d
	}
	return s
}

// b64WordRE matches a "B" encoded word.
var b64WordRE = lazyRegexp(`=\?[^?\s]+\?[bB]\?[A-Za-z0-9+/]*\?=`)

// padWords adds the '=' padding that some mailers leave off "B" encoded
// words and that mime.WordDecoder requires.
func padWords(s string) string {
	return b64WordRE().ReplaceAllStringFunc(s, func(w string) string {
		text := w[strings.LastIndexByte(w[:len(w)-2], '?')+1 : len(w)-2]
		if len(text)%4 < 2 {
			return w
		}
		return w[:len(w)-2] + strings.Repeat("=", 4-len(text)%4) + "?="
	})
}

// headerUTF8 returns raw as valid UTF-8, noting raw 8-bit bytes that were not.
func (p *parser) headerUTF8(name, raw string) string {
	s, ok := toUTF8(raw)
	if !ok {
		p.defectf("%s header has raw 8-bit bytes; read as windows-1252", strings.ToLower(name))
	}
	return s
}

// topHeader fills the message fields that come from the top-level header.
func (p *parser) topHeader(h header) {
	m := p.msg
	for _, f := range h {
		m.Header = append(m.Header, HeaderField{Name: f.name, Value: p.text(f.name, f.value)})
	}
	m.Subject = foldSpace(p.text("Subject", h.get("Subject")))
	m.MessageID = p.messageID(h)
	m.InReplyTo = p.msgIDs("In-Reply-To", h.get("In-Reply-To"))
	m.References = p.msgIDs("References", strings.Join(h.all("References"), " "))
	m.From = p.mailbox(h, "From")
	m.Sender = p.mailbox(h, "Sender")
	m.ReplyTo = p.addressList(h, "Reply-To")
	m.To = p.addressList(h, "To")
	m.Cc = p.addressList(h, "Cc")
	m.Date = p.date(h.get("Date"))
	m.AutoSubmitted = strings.ToLower(p.text("Auto-Submitted", h.get("Auto-Submitted")))
	m.Precedence = strings.ToLower(p.text("Precedence", h.get("Precedence")))
	m.ListID = p.text("List-Id", h.get("List-Id"))
	m.ListUnsubscribe = h.has("List-Unsubscribe")
}

// messageID returns the Message-ID without brackets.
func (p *parser) messageID(h header) string {
	ids := p.msgIDs("Message-Id", h.get("Message-Id"))
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// msgIDs extracts message identifiers from a Message-ID, In-Reply-To or
// References value. Identifiers in angle brackets are taken and anything
// between them (phrases, comments) ignored; a value without brackets is
// split on white space and commas.
func (p *parser) msgIDs(name, raw string) []string {
	v := cleanString(p.headerUTF8(name, raw))
	if strings.TrimSpace(v) == "" {
		return nil
	}
	if !strings.Contains(v, "<") {
		p.defectf("%s has no angle brackets", strings.ToLower(name))
		return bareIDs(v, name == "Message-Id")
	}
	var ids []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			return ids
		}
		v = v[i+1:]
		j := strings.IndexByte(v, '>')
		if j < 0 {
			j = len(v)
			p.defectf("%s has an unclosed angle bracket", strings.ToLower(name))
		}
		if id := cleanID(v[:j]); id != "" {
			ids = append(ids, id)
		}
		v = v[j:]
	}
}

// bareIDs splits a value without angle brackets. Tokens without '@' are
// kept only for a Message-ID, which has a single token.
func bareIDs(v string, single bool) []string {
	var ids []string
	for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || isSpace(r) }) {
		if id := cleanID(tok); id != "" && (single || strings.Contains(id, "@")) {
			ids = append(ids, id)
		}
		if single && len(ids) > 0 {
			break
		}
	}
	return ids
}

// cleanID removes white space (folding inside an id) and stray brackets.
func cleanID(s string) string {
	s = strings.Join(strings.Fields(s), "")
	return strings.Trim(s, "<>")
}

// date parses a Date value; it tolerates the common deviations.
func (p *parser) date(raw string) time.Time {
	v := foldSpace(cleanString(p.headerUTF8("Date", raw)))
	if v == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	if t, ok := looseDate(v); ok {
		return t
	}
	p.defect("date is unparseable")
	return time.Time{}
}

// looseDate tries the layouts seen in the wild after removing a trailing
// comment and a weekday written with a dot.
func looseDate(v string) (time.Time, bool) {
	if i := strings.IndexByte(v, '('); i > 0 {
		v = strings.TrimSpace(v[:i])
	}
	v = strings.Replace(v, ".,", ",", 1)
	layouts := [...]string{
		"Mon, 2 Jan 2006 15:04:05 -0700",
		"2 Jan 2006 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04 -0700",
		"Mon, 2 Jan 2006 15:04:05 MST",
		"Mon, 2 Jan 2006 15:04:05",
		"Mon, 2 Jan 06 15:04:05 -0700",
		"Mon, 2 Jan 06 15:04:05 MST",
		"Mon, 2 January 2006 15:04:05 -0700",
		"Mon, Jan 2 2006 15:04:05 -0700",
		"Mon Jan 2 15:04:05 2006",
		"Mon Jan 2 15:04:05 MST 2006",
		"Mon Jan 2 15:04:05 -0700 2006",
		"2006-01-02 15:04:05 -0700",
		"2006-01-02 15:04:05",
		time.RFC3339,
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
