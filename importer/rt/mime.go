package rt

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"regexp"
	"strings"

	"sak/internal/mimepart"
)

// Part is one row of RT's Attachments table: a MIME part of a
// transaction's message.
type Part struct {
	ID              int64
	TransactionID   int64
	Parent          int64 // 0 for the root
	MessageID       string
	Subject         string
	Filename        string
	ContentType     string // bare type, no parameters
	ContentEncoding string // none, base64, quoted-printable, or "" for NULL
	Content         []byte // as stored; nil for NULL
	HasContent      bool   // Content was not NULL
	Headers         string // the part's header block, decoded to UTF-8 by RT
}

// Decoded returns the part's content bytes: Content decoded from how RT
// stored it (ContentEncoding), which says nothing of how the mail carried
// it.
func (p *Part) Decoded() ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(p.ContentEncoding)) {
	case "", "none":
		return p.Content, nil
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, p.Content)
		b, err := base64.StdEncoding.DecodeString(string(clean))
		if err != nil {
			// RT writes no padding sometimes.
			b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(string(clean), "="))
		}
		if err != nil {
			return nil, fmt.Errorf("decode base64 of attachment %d: %w", p.ID, err)
		}
		return b, nil
	case "quoted-printable":
		b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(p.Content)))
		if err != nil {
			return nil, fmt.Errorf("decode quoted-printable of attachment %d: %w", p.ID, err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("attachment %d: unknown ContentEncoding %q", p.ID, p.ContentEncoding)
}

// field is one header field as RT stored it, continuation lines included.
type field struct {
	name  string
	lines []string
}

func (f *field) value() string {
	v := strings.Join(f.lines, " ")
	_, v, _ = strings.Cut(v, ":")
	return strings.TrimSpace(v)
}

func (f *field) set(v string) { f.lines = []string{f.name + ": " + v} }

func splitHeader(h string) []*field {
	var fs []*field
	h = strings.ReplaceAll(h, "\r\n", "\n")
	for _, line := range strings.Split(h, "\n") {
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(fs) > 0 {
			fs[len(fs)-1].lines = append(fs[len(fs)-1].lines, line)
			continue
		}
		name, _, _ := strings.Cut(line, ":")
		fs = append(fs, &field{name: strings.TrimSpace(name), lines: []string{line}})
	}
	return fs
}

func lookup(fs []*field, name string) *field {
	for _, f := range fs {
		if strings.EqualFold(f.name, name) {
			return f
		}
	}
	return nil
}

var boundaryRE = regexp.MustCompile(`(?i)boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))`)

func boundaryOf(fs []*field) string {
	f := lookup(fs, "Content-Type")
	if f == nil {
		return ""
	}
	if _, params, err := mime.ParseMediaType(f.value()); err == nil && params["boundary"] != "" {
		return params["boundary"]
	}
	if m := boundaryRE.FindStringSubmatch(f.value()); m != nil {
		return m[1] + m[2]
	}
	return ""
}

// Rebuild makes the raw bytes of a mail from the Attachments rows of one
// transaction (in id order). Each part gets the header RT stored (without
// RT's Content-Length, which counts the decoded bytes) and its content
// decoded from RT's storage and encoded again as the part's own
// Content-Transfer-Encoding says; multipart containers get their children
// between the boundary of their Content-Type, message/rfc822 parts the
// message they hold. Lines end in CRLF. Text that RT converted to UTF-8
// stays UTF-8 (RT rewrote its charset parameter); where the part's own
// encoding cannot carry the bytes (7bit for 8-bit text, none for a binary)
// the Content-Transfer-Encoding is changed to one that can.
//
// It returns the bytes and the parts not reached from the first root.
func Rebuild(parts []Part) ([]byte, []Part, error) {
	if len(parts) == 0 {
		return nil, nil, fmt.Errorf("no parts")
	}
	children := map[int64][]*Part{}
	var root *Part
	byID := map[int64]bool{}
	for i := range parts {
		byID[parts[i].ID] = true
	}
	for i := range parts {
		p := &parts[i]
		switch {
		case p.Parent == 0 && root == nil:
			root = p
		case p.Parent != 0 && byID[p.Parent]:
			children[p.Parent] = append(children[p.Parent], p)
		}
	}
	if root == nil {
		return nil, parts, fmt.Errorf("no root part")
	}
	var b bytes.Buffer
	reached := map[int64]bool{}
	if err := render(&b, root, children, reached, 0); err != nil {
		return nil, nil, err
	}
	var lost []Part
	for _, p := range parts {
		if !reached[p.ID] {
			lost = append(lost, p)
		}
	}
	return b.Bytes(), lost, nil
}

func render(w *bytes.Buffer, p *Part, children map[int64][]*Part, reached map[int64]bool, depth int) error {
	if depth > 50 {
		return fmt.Errorf("attachment %d: parts nested too deep", p.ID)
	}
	reached[p.ID] = true
	fs := splitHeader(p.Headers)
	kids := children[p.ID]
	ctype := strings.ToLower(p.ContentType)
	if ctype == "" {
		if f := lookup(fs, "Content-Type"); f != nil {
			ctype, _, _ = mime.ParseMediaType(f.value())
		}
	}
	switch {
	case len(kids) > 0 && (strings.HasPrefix(ctype, "multipart/") || !strings.HasPrefix(ctype, "message/")) && !p.HasContent:
		boundary := boundaryOf(fs)
		if boundary == "" {
			boundary = newBoundary()
			f := lookup(fs, "Content-Type")
			mt := ctype
			if !strings.HasPrefix(mt, "multipart/") {
				mt = "multipart/mixed"
			}
			v := mime.FormatMediaType(mt, map[string]string{"boundary": boundary})
			if f == nil {
				fs = append(fs, &field{name: "Content-Type"})
				f = fs[len(fs)-1]
			}
			f.set(v)
		}
		writeHeader(w, fs)
		for _, k := range kids {
			w.WriteString("--" + boundary + "\r\n")
			if err := render(w, k, children, reached, depth+1); err != nil {
				return err
			}
			w.WriteString("\r\n")
		}
		w.WriteString("--" + boundary + "--\r\n")
		return nil
	case len(kids) > 0 && !p.HasContent:
		// message/rfc822: the message it holds is its child.
		writeHeader(w, fs)
		for _, k := range kids {
			if err := render(w, k, children, reached, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	content, err := p.Decoded()
	if err != nil {
		return err
	}
	cte := ""
	f := lookup(fs, "Content-Transfer-Encoding")
	if f != nil {
		cte = strings.ToLower(f.value())
	}
	text := strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "message/") || ctype == ""
	setCTE := func(v string) {
		if f == nil {
			fs = append(fs, &field{name: "Content-Transfer-Encoding"})
			f = fs[len(fs)-1]
		}
		f.set(v)
	}
	switch cte {
	case "base64":
	case "quoted-printable":
	default:
		switch {
		case text && bytes.IndexByte(content, 0) < 0:
			switch {
			case hasLongLines(content):
				cte = "quoted-printable"
				setCTE(cte)
			case cte != "8bit" && cte != "binary" && !is7bit(content):
				cte = "8bit"
				setCTE(cte)
			}
		default:
			// A binary part, carried as is: base64 keeps every byte.
			cte = "base64"
			setCTE(cte)
		}
	}
	writeHeader(w, fs)
	switch cte {
	case "base64":
		w.Write(mimepart.Base64(content))
	case "quoted-printable":
		qw := quotedprintable.NewWriter(w)
		qw.Binary = !text
		qw.Write(content)
		qw.Close()
	default:
		w.Write(mimepart.CRLF(content))
	}
	return nil
}

func writeHeader(w *bytes.Buffer, fs []*field) {
	for _, f := range fs {
		if strings.EqualFold(f.name, "Content-Length") {
			continue
		}
		for _, l := range f.lines {
			w.WriteString(l)
			w.WriteString("\r\n")
		}
	}
	w.WriteString("\r\n")
}

func is7bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 || c == 0 {
			return false
		}
	}
	return true
}

func hasLongLines(b []byte) bool {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return len(b) > 998
		}
		if i > 998 {
			return true
		}
		b = b[i+1:]
	}
	return false
}

func newBoundary() string {
	var b [12]byte
	rand.Read(b[:])
	return "sak-rt-" + hex.EncodeToString(b[:])
}
