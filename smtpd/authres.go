package smtpd

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// arResult is one resinfo of an Authentication-Results header (RFC 8601
// section 2.2): a method, its result, the reason, and the properties,
// keyed "ptype.property" in lower case ("header.d", "smtp.mailfrom").
type arResult struct {
	Method string // lower case, without a method version
	Value  string // lower case: pass, fail, none …
	Reason string
	Props  map[string]string
}

// arHeader is a parsed Authentication-Results header.
type arHeader struct {
	ID      string // the authserv-id
	Results []arResult
}

// errAuthRes is a header that does not follow RFC 8601.
var errAuthRes = errors.New("malformed Authentication-Results")

// parseAuthRes parses the value of an Authentication-Results header
// field as RFC 8601 defines it, with comments (CFWS) and quoted strings
// anywhere the grammar allows them, as OpenDKIM, OpenDMARC, rspamd and
// Postfix's policy daemons write them:
//
//	mx.example.org; dkim=pass (1024-bit key; unprotected) header.d=example.org header.b="ab/c="
//
// A ";" inside a comment or a quoted string is text, never the start of
// a result. Anything the grammar does not allow is an error: a header
// sak cannot read is never half-believed.
func parseAuthRes(v string) (*arHeader, error) {
	p := &arParser{s: v}
	h := &arHeader{}
	if err := p.cfws(); err != nil {
		return nil, err
	}
	id, err := p.value()
	if err != nil {
		return nil, fmt.Errorf("%w: authserv-id: %w", errAuthRes, err)
	}
	h.ID = id
	if err := p.cfws(); err != nil {
		return nil, err
	}
	if d := p.digits(); d != "" {
		if d != "1" {
			return nil, fmt.Errorf("%w: version %s", errAuthRes, d)
		}
		if err := p.cfws(); err != nil {
			return nil, err
		}
	}
	for !p.eof() {
		if !p.next(';') {
			return nil, p.errorf("want ';'")
		}
		if err := p.cfws(); err != nil {
			return nil, err
		}
		if p.eof() {
			break // a trailing ';', as some writers leave
		}
		m := p.keyword()
		if m == "" {
			return nil, p.errorf("want a method")
		}
		if err := p.cfws(); err != nil {
			return nil, err
		}
		if strings.EqualFold(m, "none") && (p.eof() || p.peek() == ';') {
			if len(h.Results) > 0 || !p.eof() {
				return nil, p.errorf("'none' among results")
			}
			break
		}
		r, err := p.resinfo(strings.ToLower(m))
		if err != nil {
			return nil, err
		}
		h.Results = append(h.Results, r)
	}
	return h, nil
}

// resinfo reads the rest of one result after its method name.
func (p *arParser) resinfo(method string) (arResult, error) {
	r := arResult{Method: method, Props: map[string]string{}}
	if p.next('/') { // method-version
		if err := p.cfws(); err != nil {
			return r, err
		}
		if p.digits() == "" {
			return r, p.errorf("want a method version")
		}
		if err := p.cfws(); err != nil {
			return r, err
		}
	}
	if !p.next('=') {
		return r, p.errorf("want '=' after %s", method)
	}
	if err := p.cfws(); err != nil {
		return r, err
	}
	if r.Value = strings.ToLower(p.keyword()); r.Value == "" {
		return r, p.errorf("want the result of %s", method)
	}
	for {
		ws := p.pos
		if err := p.cfws(); err != nil {
			return r, err
		}
		if p.eof() || p.peek() == ';' {
			return r, nil
		}
		if p.pos == ws {
			return r, p.errorf("want white space or a comment")
		}
		k := strings.ToLower(p.keyword())
		if k == "" {
			return r, p.errorf("want a property")
		}
		if err := p.cfws(); err != nil {
			return r, err
		}
		if k == "reason" && p.peek() == '=' {
			if r.Reason != "" || len(r.Props) > 0 {
				return r, p.errorf("reason out of place")
			}
			p.pos++
			if err := p.cfws(); err != nil {
				return r, err
			}
			v, err := p.value()
			if err != nil {
				return r, fmt.Errorf("%w: reason: %w", errAuthRes, err)
			}
			r.Reason = v
			continue
		}
		if !p.next('.') {
			return r, p.errorf("want '.' after %s", k)
		}
		if err := p.cfws(); err != nil {
			return r, err
		}
		prop := strings.ToLower(p.keyword())
		if prop == "" {
			return r, p.errorf("want a property after %s.", k)
		}
		if err := p.cfws(); err != nil {
			return r, err
		}
		if !p.next('=') {
			return r, p.errorf("want '=' after %s.%s", k, prop)
		}
		if err := p.cfws(); err != nil {
			return r, err
		}
		v, err := p.pvalue()
		if err != nil {
			return r, err
		}
		key := k + "." + prop
		if _, dup := r.Props[key]; dup {
			return r, p.errorf("%s twice", key)
		}
		r.Props[key] = v
	}
}

type arParser struct {
	s   string
	pos int
}

func (p *arParser) eof() bool { return p.pos >= len(p.s) }

func (p *arParser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.pos]
}

func (p *arParser) next(c byte) bool {
	if p.peek() == c && !p.eof() {
		p.pos++
		return true
	}
	return false
}

func (p *arParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s at %d", errAuthRes, fmt.Sprintf(format, args...), p.pos)
}

// cfws skips white space and comments, which nest (RFC 5322 3.2.2).
func (p *arParser) cfws() error {
	for !p.eof() {
		switch c := p.s[p.pos]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			p.pos++
		case c == '(':
			depth := 0
			for {
				if p.eof() {
					return p.errorf("unterminated comment")
				}
				c := p.s[p.pos]
				p.pos++
				switch c {
				case '\\':
					if p.eof() {
						return p.errorf("unterminated comment")
					}
					p.pos++
				case '(':
					depth++
				case ')':
					depth--
				}
				if depth == 0 {
					break // the comment's closing ')'
				}
			}
		default:
			return nil
		}
	}
	return nil
}

// keyword reads ALPHA / DIGIT / "-" / "_" (RFC 8601 Keyword, and the
// underscore some writers use in method names).
func (p *arParser) keyword() string {
	start := p.pos
	for !p.eof() {
		c := p.s[p.pos]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			p.pos++
			continue
		}
		break
	}
	return p.s[start:p.pos]
}

func (p *arParser) digits() string {
	start := p.pos
	for !p.eof() && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		p.pos++
	}
	return p.s[start:p.pos]
}

// value reads a token or a quoted string (RFC 2045 value).
func (p *arParser) value() (string, error) {
	if p.peek() == '"' {
		return p.quoted()
	}
	start := p.pos
	for !p.eof() && isTokenChar(p.s[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		return "", p.errorf("want a value")
	}
	return p.s[start:p.pos], nil
}

// pvalue reads a property value: a quoted string, or a run of
// characters up to white space, a comment or ';' (a token, an address
// "user@example.org" or "@example.org", a domain, an IP address, base64
// with its '=' padding), after a quoted local-part if there is one.
func (p *arParser) pvalue() (string, error) {
	local := ""
	if p.peek() == '"' {
		q, err := p.quoted()
		if err != nil || p.peek() != '@' {
			return q, err
		}
		local = q // a quoted local-part: "a b"@example.org
	}
	start := p.pos
	for !p.eof() {
		c := p.s[p.pos]
		if c <= ' ' || c == 0x7f || c == '(' || c == ')' || c == ';' || c == '"' || c == '\\' {
			break
		}
		p.pos++
	}
	if p.pos == start {
		return "", p.errorf("want a property value")
	}
	return local + p.s[start:p.pos], nil
}

// quoted reads a quoted string, undoing its quoted pairs.
func (p *arParser) quoted() (string, error) {
	p.pos++ // the opening quote
	var b strings.Builder
	for {
		if p.eof() {
			return "", p.errorf("unterminated quoted string")
		}
		c := p.s[p.pos]
		p.pos++
		switch c {
		case '"':
			return b.String(), nil
		case '\\':
			if p.eof() {
				return "", p.errorf("unterminated quoted string")
			}
			c = p.s[p.pos]
			p.pos++
		}
		b.WriteByte(c)
	}
}

// isTokenChar is an RFC 2045 token character: printable ASCII but
// tspecials and space. '.' is allowed (authserv-ids are host names).
func isTokenChar(c byte) bool {
	return c > ' ' && c < 0x7f && !strings.ContainsRune(`()<>@,;:\"/[]?=`, rune(c))
}

// String formats h as an Authentication-Results value that parseAuthRes
// reads back as h.
func (h *arHeader) String() string {
	var b strings.Builder
	b.WriteString(quoteIf(h.ID, isTokenChar))
	if len(h.Results) == 0 {
		b.WriteString("; none")
	}
	for _, r := range h.Results {
		b.WriteString("; ")
		b.WriteString(r.Method)
		b.WriteByte('=')
		b.WriteString(r.Value)
		if r.Reason != "" {
			b.WriteString(" reason=")
			b.WriteString(quoteIf(r.Reason, isTokenChar))
		}
		for _, k := range slices.Sorted(maps.Keys(r.Props)) {
			b.WriteByte(' ')
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(quoteIf(r.Props[k], func(c byte) bool {
				return c > ' ' && c != 0x7f && !strings.ContainsRune(`();"\`, rune(c))
			}))
		}
	}
	return b.String()
}

func quoteIf(s string, plain func(byte) bool) string {
	for i := 0; i < len(s); i++ {
		if !plain(s[i]) {
			return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
		}
	}
	if s == "" {
		return `""`
	}
	return s
}
