package cmdutil

import (
	"strings"
	"unicode/utf8"
)

// Sanitize makes text from strangers (subjects, names, addresses) safe to
// print on one line of a terminal: escape sequences (CSI, OSC, DCS …) are
// removed whole, other C0 and C1 control characters and the Unicode
// bidirectional overrides are dropped, line breaks and tabs become spaces,
// and invalid UTF-8 becomes U+FFFD.
func Sanitize(s string) string { return sanitize(s, false) }

// SanitizeText is Sanitize for message bodies: it keeps line breaks (CR LF
// and lone CR become LF) and tabs.
func SanitizeText(s string) string { return sanitize(s, true) }

func sanitize(s string, multiline bool) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == 0x1b: // ESC
			i += escapeLen(s[i:])
			continue
		case r == 0x9b, r == 0x9d, r == 0x90, r == 0x9e, r == 0x9f, r == 0x98: // C1 CSI, OSC, DCS, PM, APC, SOS
			i += size + stringLen(s[i+size:], r == 0x9b)
			continue
		case r == '\n':
			b.WriteString(pick(multiline, "\n", " "))
		case r == '\r':
			if !strings.HasPrefix(s[i+1:], "\n") {
				b.WriteString(pick(multiline, "\n", " "))
			}
		case r == '\t':
			b.WriteString(pick(multiline, "\t", " "))
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
			// other control characters: dropped
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			// bidi embeddings, overrides and isolates: dropped
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// isPlain reports whether s is printable ASCII, the common case.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// escapeLen is the length of the escape sequence at the start of s, which
// begins with ESC.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[': // CSI: parameters and intermediates, then a final byte
		return 2 + stringLen(s[2:], true)
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC: up to BEL or ST
		return 2 + stringLen(s[2:], false)
	}
	// Two-byte sequences (ESC c, ESC 7 …), and nF sequences with
	// intermediates (ESC ( B).
	n := 1
	for n < len(s) && s[n] >= 0x20 && s[n] <= 0x2f {
		n++
	}
	if n < len(s) && s[n] >= 0x30 && s[n] <= 0x7e {
		n++
	}
	return n
}

// stringLen is the length of the body of a control sequence at the start
// of s: for CSI up to and including the final byte, for string commands up
// to and including BEL or ST (ESC \). An unterminated sequence runs to the
// end of the line.
func stringLen(s string, csi bool) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if csi {
			if c >= 0x40 && c <= 0x7e {
				return i + 1
			}
			if c < 0x20 || c > 0x7e { // not part of a CSI: stop before it
				return i
			}
			continue
		}
		switch {
		case c == 0x07:
			return i + 1
		case c == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case c == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c: // ST as U+009C
			return i + 2
		case c == '\n':
			return i
		}
	}
	return len(s)
}
