package archive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Variant is the mbox dialect: how "From " lines inside messages were
// quoted when the file was written.
type Variant int

const (
	// MboxRD quotes every line matching ^>*From  with one more '>'; the
	// reader removes one. The default, and right for mboxo files except
	// for lines that began ">From " in the original.
	MboxRD Variant = iota
	// MboxO quotes only ^From ; the reader turns ^>From  back into
	// ^From , and cannot tell which of them were quoted.
	MboxO
	// MboxCL2 does not quote; a Content-Length header gives the body's
	// length. Messages without one are split at "From " lines.
	MboxCL2
)

// ParseVariant reads "mboxrd", "mboxo" or "mboxcl2" (the "mbox" prefix is
// optional).
func ParseVariant(s string) (Variant, error) {
	switch strings.TrimPrefix(strings.ToLower(s), "mbox") {
	case "rd", "":
		return MboxRD, nil
	case "o":
		return MboxO, nil
	case "cl2", "cl":
		return MboxCL2, nil
	}
	return 0, fmt.Errorf("unknown mbox variant %q: use mboxrd, mboxo or mboxcl2", s)
}

func (v Variant) String() string {
	switch v {
	case MboxO:
		return "mboxo"
	case MboxCL2:
		return "mboxcl2"
	}
	return "mboxrd"
}

// MboxOptions configure an Mbox reader.
type MboxOptions struct {
	Variant Variant
	// MaxSize is the largest message read into memory; larger ones are
	// reported with ErrTooLarge. 0 means DefaultMaxSize.
	MaxSize int64
	// Offset is where in the file the reader starts (the file is already
	// positioned there): the start of a message, as a previous reader's
	// Message.End gave it. Reported offsets count from the file's start.
	Offset int64
}

// Mbox reads messages from an mbox file. A message starts at a line
// beginning "From " at the start of the input or after a blank line; a
// "From " line after a blank line inside a message must also carry a
// date (a time and a year), as every mbox writer's separator does. A
// Content-Length header is honoured when the bytes it counts end exactly
// at the end of the input or before a "From " line.
type Mbox struct {
	r       *bufio.Reader
	pending []byte // bytes given back after a Content-Length that did not fit
	pos     int64  // offset of the next byte read
	bol     bool   // the next byte read starts a line
	opts    MboxOptions

	started bool
	yielded bool   // a message was returned
	sep     []byte // the "From " line of the next message, read already
	sepOff  int64
	err     error
}

// NewMbox reads an mbox from r.
func NewMbox(r io.Reader, opts MboxOptions) *Mbox {
	if opts.MaxSize <= 0 {
		opts.MaxSize = DefaultMaxSize
	}
	return &Mbox{r: bufio.NewReaderSize(r, 64<<10), pos: opts.Offset, bol: true, opts: opts}
}

// Offset is where the reader is in the file: the end of the last message
// returned.
func (m *Mbox) Offset() int64 {
	if m.sep != nil {
		return m.sepOff
	}
	return m.pos
}

// line is one line of input, or the part of a line that fits the buffer.
type line struct {
	b   []byte // valid until the next read
	off int64
	bol bool // starts a line
	eol bool // ends with '\n'
}

func (l line) blank() bool {
	return l.bol && l.eol && (len(l.b) == 1 || len(l.b) == 2 && l.b[0] == '\r')
}

// next reads the next line, or io.EOF.
func (m *Mbox) next() (line, error) {
	l := line{off: m.pos, bol: m.bol}
	if len(m.pending) > 0 {
		if i := bytes.IndexByte(m.pending, '\n'); i >= 0 {
			l.b, m.pending = m.pending[:i+1], m.pending[i+1:]
		} else {
			// The rest of the line is in the reader: join them, so that a
			// "From " line split by a bad Content-Length is still seen.
			rest, err := m.r.ReadSlice('\n')
			if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
				return line{}, err
			}
			l.b = append(append([]byte{}, m.pending...), rest...)
			m.pending = nil
		}
	} else {
		b, err := m.r.ReadSlice('\n')
		switch {
		case err == nil, errors.Is(err, bufio.ErrBufferFull):
		case err == io.EOF:
			if len(b) == 0 {
				return line{}, io.EOF
			}
		default:
			return line{}, err
		}
		l.b = b
	}
	l.eol = l.b[len(l.b)-1] == '\n'
	m.pos += int64(len(l.b))
	m.bol = l.eol
	return l, nil
}

// peek returns up to n of the next bytes without reading them.
func (m *Mbox) peek(n int) []byte {
	if len(m.pending) >= n {
		return m.pending[:n]
	}
	b, _ := m.r.Peek(n - len(m.pending))
	return append(append([]byte{}, m.pending...), b...)
}

// readN reads up to n bytes, fewer only at the end of the input.
func (m *Mbox) readN(n int64) ([]byte, error) {
	b := make([]byte, n)
	k := copy(b, m.pending)
	m.pending = m.pending[k:]
	got, err := io.ReadFull(m.r, b[k:])
	got += k
	m.pos += int64(got)
	if got > 0 {
		m.bol = b[got-1] == '\n'
	}
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return b[:got], err
}

// unread gives back bytes just read by readN.
func (m *Mbox) unread(b []byte, bol bool) {
	m.pending = append(b, m.pending...)
	m.pos -= int64(len(b))
	m.bol = bol
}

// Next returns the next message, or io.EOF after the last. Errors other
// than io.EOF are the underlying reader's; a message too large to read has
// Err set and is not an error of Next.
func (m *Mbox) Next() (*Message, error) {
	if m.err != nil {
		return nil, m.err
	}
	msg, err := m.read()
	if err != nil {
		m.err = err
		return nil, err
	}
	return msg, nil
}

func (m *Mbox) read() (*Message, error) {
	if !m.started {
		m.started = true
		if bytes.HasPrefix(m.peek(5), []byte("From ")) {
			l, err := m.next()
			if err != nil {
				return nil, err
			}
			m.sep, m.sepOff = append([]byte{}, l.b...), l.off
		} else if len(m.peek(1)) == 0 {
			return nil, io.EOF
		}
	}
	msg := &Message{Offset: m.pos, Start: m.pos}
	if m.sep != nil {
		msg.Offset = m.sepOff
		msg.Sender, msg.Date = parseFromLine(m.sep)
		m.sep = nil
	} else if m.yielded && len(m.peek(1)) == 0 {
		return nil, io.EOF
	}
	m.yielded = true
	var (
		buf       []byte
		size      int64
		header    = true
		clen      = int64(-1)
		prevBlank bool
		lastBlank int // length of the last line when blank, else 0
	)
	add := func(b []byte) {
		size += int64(len(b))
		if size > m.opts.MaxSize {
			buf, msg.Err = nil, ErrTooLarge
		}
		if msg.Err == nil {
			buf = append(buf, b...)
		}
	}
	finish := func(end int64) *Message {
		msg.End = end
		msg.RawEnd = end - int64(lastBlank)
		msg.Size = msg.RawEnd - msg.Start
		if msg.Err == nil {
			buf = buf[:len(buf)-lastBlank]
			if !msg.ContentLength {
				buf = Unquote(buf, m.opts.Variant)
			}
			msg.Raw = buf
			if msg.Raw == nil {
				msg.Raw = []byte{}
			}
		}
		return msg
	}
	for {
		l, err := m.next()
		if err == io.EOF {
			return finish(m.pos), nil
		}
		if err != nil {
			return nil, err
		}
		if prevBlank && l.bol && l.eol && isFromLine(l.b) {
			m.sep, m.sepOff = append([]byte{}, l.b...), l.off
			return finish(l.off), nil
		}
		add(l.b)
		if l.bol {
			prevBlank = l.blank()
			lastBlank = 0
			if prevBlank {
				lastBlank = len(l.b)
			}
		} else {
			prevBlank, lastBlank = false, 0
		}
		if !header || !l.bol {
			continue
		}
		if l.blank() {
			header = false
			if clen < 0 || msg.Err != nil || clen > m.opts.MaxSize-size {
				continue
			}
			ok, err := m.contentLength(clen, add)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			msg.ContentLength = true
			lastBlank = 0
			// The blank line after the body, then the next "From " line.
			if p := m.peek(2); len(p) > 0 && (p[0] == '\n' || p[0] == '\r' && len(p) == 2 && p[1] == '\n') {
				b, err := m.next()
				if err != nil {
					return nil, err
				}
				lastBlank = len(b.b)
				buf = append(buf, b.b...)
			}
			end := m.pos
			if bytes.HasPrefix(m.peek(5), []byte("From ")) {
				l, err := m.next()
				if err != nil {
					return nil, err
				}
				m.sep, m.sepOff = append([]byte{}, l.b...), l.off
			}
			return finish(end), nil
		}
		if v, ok := cutFieldName(l.b, "content-length"); ok && m.opts.Variant != MboxO {
			if n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64); err == nil && n >= 0 {
				clen = n
			}
		}
	}
}

// contentLength reads a body of n bytes if the input after them is the
// end or a "From " line, optionally after one blank line. Otherwise it
// gives the bytes back.
func (m *Mbox) contentLength(n int64, add func([]byte)) (bool, error) {
	bol := m.bol
	body, err := m.readN(n)
	if err != nil {
		return false, err
	}
	if int64(len(body)) == n && boundary(m.peek(7)) {
		add(body)
		return true, nil
	}
	m.unread(body, bol)
	return false, nil
}

// boundary reports whether b, the bytes after a Content-Length body, is
// the end of the input or a separator: "From ", "\nFrom ", "\r\nFrom ",
// or a last blank line.
func boundary(b []byte) bool {
	switch {
	case len(b) == 0, bytes.HasPrefix(b, []byte("From ")):
		return true
	case b[0] == '\n':
		return len(b) == 1 || bytes.HasPrefix(b[1:], []byte("From "))
	case len(b) >= 2 && b[0] == '\r' && b[1] == '\n':
		return len(b) == 2 || bytes.HasPrefix(b[2:], []byte("From "))
	}
	return false
}

// cutFieldName returns the value of a header line if it is the named field.
func cutFieldName(b []byte, name string) ([]byte, bool) {
	if len(b) <= len(name) || b[len(name)] != ':' || !strings.EqualFold(string(b[:len(name)]), name) {
		return nil, false
	}
	return b[len(name)+1:], true
}

// isFromLine reports whether a line after a blank line separates messages:
// "From " with a time (h:mm) and a four-digit year after it, as
// "From pat@example.com Sat Jan  3 01:05:34 1996" has.
func isFromLine(b []byte) bool {
	if !bytes.HasPrefix(b, []byte("From ")) {
		return false
	}
	b = b[5:]
	clock, year := false, false
	for i := 0; i < len(b); i++ {
		if b[i] < '0' || b[i] > '9' {
			continue
		}
		j := i
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		switch {
		case j-i <= 2 && j+2 < len(b) && b[j] == ':' && isDigit(b[j+1]) && isDigit(b[j+2]):
			clock = true
		case j-i == 4:
			year = true
		}
		i = j
	}
	return clock && year
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// fromLayouts are the dates "From " lines carry, after strings.Fields has
// folded their spaces.
var fromLayouts = []string{
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon Jan 2 15:04:05 -0700 2006",
	"Mon Jan 2 15:04:05 2006 -0700",
	"Mon Jan 2 15:04 2006",
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05 -0700",
}

// parseFromLine reads the sender and date of a "From " line.
func parseFromLine(b []byte) (string, time.Time) {
	f := strings.Fields(string(bytes.TrimPrefix(b, []byte("From "))))
	if len(f) == 0 {
		return "", time.Time{}
	}
	sender := f[0]
	if sender == "-" {
		sender = "" // Thunderbird and others write "From - DATE"
	}
	// Try the longest run of fields first: "remote from HOST" and other
	// trailers may follow the date.
	for n := len(f) - 1; n >= 3; n-- {
		s := strings.Join(f[1:1+n], " ")
		for _, layout := range fromLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return sender, t
			}
		}
	}
	return sender, time.Time{}
}

// isQuotedFrom reports whether a line is a quoted "From " line of the
// variant.
func isQuotedFrom(b []byte, v Variant) bool {
	switch v {
	case MboxRD:
		i := 0
		for i < len(b) && b[i] == '>' {
			i++
		}
		return i > 0 && bytes.HasPrefix(b[i:], []byte("From "))
	case MboxO:
		return bytes.HasPrefix(b, []byte(">From "))
	}
	return false
}

// Unquote undoes the ">From " quoting of the variant in a message, line by
// line. It returns b itself when nothing was quoted.
func Unquote(b []byte, v Variant) []byte {
	if v == MboxCL2 || !bytes.Contains(b, []byte(">From ")) {
		return b
	}
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n') + 1
		if i == 0 {
			i = len(b)
		}
		l := b[:i]
		if isQuotedFrom(l, v) {
			l = l[1:]
		}
		out = append(out, l...)
		b = b[i:]
	}
	return out
}

// Quote applies mboxrd quoting (or mboxo with MboxO) to a message, as a
// writer must before putting it in an mbox.
func Quote(b []byte, v Variant) []byte {
	if v == MboxCL2 || !bytes.Contains(b, []byte("From ")) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n') + 1
		if i == 0 {
			i = len(b)
		}
		l := b[:i]
		if bytes.HasPrefix(l, []byte("From ")) || v == MboxRD && isQuotedFrom(l, MboxRD) {
			out = append(out, '>')
		}
		out = append(out, l...)
		b = b[i:]
	}
	return out
}

// MboxWriter writes messages as an mboxrd file: a "From " line, the
// message quoted, and a blank line. Line endings follow the message's:
// a message with CRLF lines gets a CRLF "From " line and blank line.
type MboxWriter struct {
	W       io.Writer
	Variant Variant // MboxRD, MboxO, or MboxCL2 (adds no Content-Length: the message must have a right one)
}

// Write appends one message sent by sender at date.
func (w *MboxWriter) Write(sender string, date time.Time, raw []byte) error {
	if sender == "" {
		sender = "MAILER-DAEMON"
	}
	nl := "\n"
	if i := bytes.IndexByte(raw, '\n'); i > 0 && raw[i-1] == '\r' {
		nl = "\r\n"
	}
	body := Quote(raw, w.Variant)
	if len(body) > 0 && body[len(body)-1] != '\n' {
		body = append(append([]byte{}, body...), nl...)
	}
	if _, err := fmt.Fprintf(w.W, "From %s %s%s", sender, date.UTC().Format(time.ANSIC), nl); err != nil {
		return err
	}
	if _, err := w.W.Write(body); err != nil {
		return err
	}
	_, err := io.WriteString(w.W, nl)
	return err
}
