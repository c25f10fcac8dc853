package parse

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
)

// mediaType is a parsed Content-Type or Content-Disposition value.
type mediaType struct {
	typ    string            // lower case: "text/plain", "attachment"
	params map[string]string // names lower case, values decoded to UTF-8
}

// parseMediaType reads "type/subtype; name=value; ..." leniently (RFC 2045
// 5.1), joining RFC 2231 continuations and decoding their charsets. A
// missing ';' between parameters is tolerated.
func (p *parser) parseMediaType(name, raw string) mediaType {
	v := p.headerUTF8(name, raw)
	end := strings.IndexAny(v, "; \t")
	if end < 0 {
		end = len(v)
	}
	mt := mediaType{typ: strings.ToLower(strings.Trim(v[:end], "\"")), params: map[string]string{}}
	ext := map[string][]extPiece{}
	for _, kv := range splitParams(v[end:]) {
		p.addParam(mt.params, ext, kv[0], kv[1])
	}
	for k, pieces := range ext {
		mt.params[k] = p.joinExtended(pieces)
	}
	return mt
}

// extPiece is one RFC 2231 section of a parameter value.
type extPiece struct {
	n       int
	encoded bool
	value   string
}

// addParam stores a plain parameter, or collects an RFC 2231 section.
func (p *parser) addParam(params map[string]string, ext map[string][]extPiece, k, v string) {
	base, rest, isExt := strings.Cut(k, "*")
	if !isExt {
		if _, dup := params[k]; !dup {
			params[k] = p.paramText(v)
		}
		return
	}
	piece := extPiece{encoded: strings.HasSuffix(rest, "*") || rest == "", value: v}
	if num := strings.TrimSuffix(rest, "*"); num != "" {
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 || n > 999 {
			p.defectf("bad rfc 2231 parameter %q", k)
			return
		}
		piece.n = n
	}
	ext[base] = append(ext[base], piece)
}

// paramText decodes RFC 2047 words, which some mailers put in parameters.
func (p *parser) paramText(v string) string {
	return cleanString(p.decodeWords(v))
}

// joinExtended joins RFC 2231 sections in order and decodes them from the
// charset named in the first one.
func (p *parser) joinExtended(pieces []extPiece) string {
	sort.SliceStable(pieces, func(i, j int) bool { return pieces[i].n < pieces[j].n })
	var label string
	var b []byte
	for i, pc := range pieces {
		v := pc.value
		if !pc.encoded {
			b = append(b, v...)
			continue
		}
		if i == 0 {
			if parts := strings.SplitN(v, "'", 3); len(parts) == 3 {
				label, v = parts[0], parts[2]
			}
		}
		b = append(b, percentDecode(v)...)
	}
	if label == "" {
		s, _ := guessUTF8(b)
		return cleanString(s)
	}
	return cleanString(p.decodeText(b, label))
}

func percentDecode(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return b
}

// splitParams splits "; a=b; c="d e"" into name/value pairs with lower-case
// names and unquoted values.
func splitParams(s string) [][2]string {
	var out [][2]string
	for {
		s = strings.TrimLeft(s, "; \t")
		if s == "" {
			return out
		}
		eq := strings.IndexAny(s, "=;")
		if eq < 0 {
			return out
		}
		if s[eq] == ';' {
			s = s[eq+1:]
			continue
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		var value string
		value, s = paramValue(strings.TrimLeft(s[eq+1:], " \t"))
		if name != "" {
			out = append(out, [2]string{name, value})
		}
	}
}

// paramValue reads a quoted string or a token from the start of s.
func paramValue(s string) (value, rest string) {
	if strings.HasPrefix(s, "\"") {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				if i+1 < len(s) {
					i++
					b.WriteByte(s[i])
				}
			case '"':
				return b.String(), s[i+1:]
			default:
				b.WriteByte(s[i])
			}
		}
		return b.String(), ""
	}
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == ';':
			return strings.TrimSpace(s[:i]), s[i:]
		case isWSP(s[i]):
			j := i
			for j < len(s) && isWSP(s[j]) {
				j++
			}
			if startsParam(s[j:]) {
				return strings.TrimSpace(s[:i]), s[j:]
			}
			i = j - 1
		}
	}
	return strings.TrimSpace(s), ""
}

// startsParam reports whether s starts with "name=", a parameter that
// follows a value without the ';' between them.
func startsParam(s string) bool {
	k := 0
	for k < len(s) && isTokenChar(s[k]) {
		k++
	}
	return k > 0 && k < len(s) && s[k] == '='
}

func isTokenChar(c byte) bool {
	return c > ' ' && c < 0x7f && !strings.ContainsRune("()<>@,;:\\\"/[]?=", rune(c))
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// part is one body part of a multipart entity, header not yet read.
type part []byte

// splitMultipart splits a multipart body at its boundary (RFC 2046 5.1.1).
// When the declared boundary is missing or never used, a boundary is
// guessed from the first delimiter-like line. ok is false when no delimiter
// was found.
func (p *parser) splitMultipart(body []byte, boundary string) (parts []part, ok bool) {
	if boundary != "" {
		if parts, ok = p.split(body, boundary); ok {
			return parts, true
		}
	}
	guess := guessBoundary(body)
	if guess == "" || guess == boundary {
		p.defect("multipart boundary not found")
		return nil, false
	}
	if parts, ok = p.split(body, guess); ok {
		p.defect("multipart boundary not found; used one guessed from the body")
	}
	return parts, ok
}

// split splits body at delimiter lines of boundary.
func (p *parser) split(body []byte, boundary string) (parts []part, ok bool) {
	delim := []byte("--" + boundary)
	start := -1 // start of the current part's content
	for pos := 0; pos < len(body); {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		i += pos
		closing, next, isDelim := delimiterLine(body, i, len(delim))
		if !isDelim {
			pos = i + len(delim)
			continue
		}
		if start >= 0 {
			parts = append(parts, part(body[start:trimEOL(body, start, i)]))
		}
		if closing {
			return parts, true
		}
		start, pos = next, next
	}
	if start < 0 {
		return nil, false
	}
	p.defect("multipart has no closing boundary")
	return append(parts, part(body[start:])), true
}

// delimiterLine checks that the boundary at i starts a line and is followed
// only by "--" and transport padding. next is the start of the next line.
func delimiterLine(body []byte, i, n int) (closing bool, next int, ok bool) {
	if i > 0 && body[i-1] != '\n' {
		return false, 0, false
	}
	rest, next := nextLine(body, i+n)
	if bytes.HasPrefix(rest, []byte("--")) {
		closing, rest = true, rest[2:]
	}
	if len(bytes.Trim(rest, " \t")) != 0 {
		return false, 0, false
	}
	return closing, next, true
}

// trimEOL returns the end of a part's content: the line break before the
// delimiter at i belongs to the delimiter.
func trimEOL(body []byte, start, i int) int {
	if i > start && body[i-1] == '\n' {
		i--
		if i > start && body[i-1] == '\r' {
			i--
		}
	}
	return i
}

// guessBoundary takes the boundary from the first line that looks like a
// delimiter, for multiparts that do not name theirs.
func guessBoundary(body []byte) string {
	for pos := 0; pos < len(body); {
		line, next := nextLine(body, pos)
		if len(line) > 2 && bytes.HasPrefix(line, []byte("--")) {
			b := strings.TrimRight(string(line[2:]), " \t")
			if b != "" && !strings.ContainsAny(b, " \t") {
				return b
			}
		}
		pos = next
	}
	return ""
}

// decodeBody undoes the Content-Transfer-Encoding (RFC 2045 6).
func (p *parser) decodeBody(cte string, body []byte) []byte {
	switch enc := p.transferEncoding(cte); enc {
	case "base64":
		out, _, clean := decodeBase64(body, true)
		if !clean {
			p.defect("bad base64 data; decoded what was readable")
		}
		return out
	case "quoted-printable":
		out, clean := decodeQP(body)
		if !clean {
			p.defect("bad quoted-printable data; kept the bad bytes as written")
		}
		return out
	}
	return body
}

// transferEncoding names the encoding a Content-Transfer-Encoding value
// means: "base64", "quoted-printable" or "" for none. Common misspellings
// are accepted with a defect; unknown encodings are kept as is.
func (p *parser) transferEncoding(cte string) string {
	v := strings.ToLower(strings.TrimSpace(cte))
	switch v {
	case "base64", "quoted-printable":
		return v
	case "", "7bit", "8bit", "binary":
		return ""
	}
	switch {
	case strings.Contains(v, "base64"):
		v = "base64"
	case strings.Contains(v, "quoted"):
		v = "quoted-printable"
	case strings.Contains(v, "7") || strings.Contains(v, "8") || strings.Contains(v, "bin") || v == "plain":
		v = ""
	default:
		p.defectf("unknown content-transfer-encoding %q; kept as is", v)
		return ""
	}
	p.defectf("content-transfer-encoding %q read as %q", strings.ToLower(strings.TrimSpace(cte)), orDefault(v, "8bit"))
	return v
}

// decodedSize is the size decodeBody would return, without the copy.
func (p *parser) decodedSize(cte string, body []byte) int64 {
	if p.transferEncoding(cte) == "base64" {
		_, size, clean := decodeBase64(body, false)
		if !clean {
			p.defect("bad base64 data; decoded what was readable")
		}
		return int64(size)
	}
	return int64(len(p.decodeBody(cte, body)))
}

// decodeBase64 decodes base64 leniently: white space and stray characters
// are skipped, and padding may appear between concatenated chunks. When
// keep is false only the decoded size is computed. It runs on every byte of
// every base64 part of every mail (attachments are sized by it), so it
// looks each byte up in a table.
func decodeBase64(src []byte, keep bool) (out []byte, size int, clean bool) {
	clean = true
	if keep {
		out = make([]byte, 0, len(src)/4*3+3)
	}
	var quad [4]byte
	n := 0
	// flush ends a group of n < 4 sextets, at padding or the end.
	flush := func() {
		if n == 1 {
			clean = false
		}
		w := max(n-1, 0)
		if keep && w > 0 {
			v := uint32(quad[0])<<18 | uint32(quad[1])<<12 | uint32(quad[2])<<6 | uint32(quad[3])
			b := [3]byte{byte(v >> 16), byte(v >> 8), byte(v)}
			out = append(out, b[:w]...)
		}
		size += w
		n, quad = 0, [4]byte{}
	}
	for _, c := range src {
		v := base64Table[c]
		if v < 64 {
			quad[n] = v
			if n++; n < 4 {
				continue
			}
			if keep {
				out = append(out, quad[0]<<2|quad[1]>>4, quad[1]<<4|quad[2]>>2, quad[2]<<6|quad[3])
			}
			size += 3
			n = 0
			continue
		}
		switch v {
		case b64Pad:
			flush()
		case b64Space:
		default:
			clean = false
		}
	}
	flush()
	return out, size, clean
}

// base64Table maps a byte to its sextet (0-63), or to b64Pad, b64Space or
// b64Stray.
const (
	b64Pad   = 0x40
	b64Space = 0x41
	b64Stray = 0xff
)

var base64Table = func() (t [256]byte) {
	for i := range t {
		t[i] = b64Stray
	}
	for i, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") {
		t[c] = byte(i)
	}
	t['='] = b64Pad
	for _, c := range []byte(" \t\r\n") {
		t[c] = b64Space
	}
	return t
}()

// decodeQP decodes quoted-printable (RFC 2045 6.7) leniently: an '=' that
// starts no valid escape is kept as written.
func decodeQP(src []byte) (out []byte, clean bool) {
	out = make([]byte, 0, len(src))
	clean = true
	for pos := 0; pos < len(src); {
		line, next := nextLine(src, pos)
		eol := src[pos+len(line) : next]
		line = bytes.TrimRight(line, " \t")
		soft := bytes.HasSuffix(line, []byte("="))
		if soft {
			line = line[:len(line)-1]
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c == '=' && i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
				out = append(out, unhex(line[i+1])<<4|unhex(line[i+2]))
				i += 2
				continue
			}
			if c == '=' {
				clean = false
			}
			out = append(out, c)
		}
		if !soft {
			out = append(out, eol...)
		}
		pos = next
	}
	return out, clean
}
