package parse

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// decodeText converts body text in the named charset to valid UTF-8.
func (p *parser) decodeText(data []byte, label string) string {
	label = charsetLabel(label)
	if isUTF8Compatible(label) {
		if utf8.Valid(data) {
			return string(data)
		}
		s, how := guessUTF8(data)
		p.defectf("text declared %s has invalid bytes; %s", orDefault(label, "us-ascii"), how)
		return s
	}
	out, err := convert(data, label)
	if err != nil {
		s, how := guessUTF8(data)
		p.defectf("%v; %s", err, how)
		return s
	}
	return out
}

// convert decodes data from a charset go-message knows.
func convert(data []byte, label string) (string, error) {
	r, err := charset.Reader(label, bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("unknown charset %q", label)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("bad %s text", label)
	}
	return string(out), nil
}

// wordCharsetReader decodes RFC 2047 encoded words and never fails: an
// unknown charset is read as UTF-8 or windows-1252.
func (p *parser) wordCharsetReader(label string, in io.Reader) (io.Reader, error) {
	data, err := io.ReadAll(in)
	if err != nil {
		return nil, err
	}
	label = charsetLabel(label)
	if isUTF8Compatible(label) {
		return bytes.NewReader(data), nil
	}
	s, err := convert(data, label)
	if err != nil {
		p.defectf("encoded word: %v", err)
		s, _ = guessUTF8(data)
	}
	return strings.NewReader(s), nil
}

// isUTF8Compatible reports whether a charset label means UTF-8 or ASCII,
// which need no conversion.
func isUTF8Compatible(label string) bool {
	switch label {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968", "ansi-x3.4-1968", "iso646-us", "us", "cp367", "default":
		return true
	}
	return false
}

// charsetLabel normalises a charset name: lower case, no quotes, no RFC 2231
// language suffix.
func charsetLabel(s string) string {
	s = strings.ToLower(strings.Trim(s, " \t\"'"))
	if i := strings.IndexByte(s, '*'); i >= 0 {
		s = s[:i]
	}
	return s
}

// guessUTF8 makes valid UTF-8 of bytes of unknown charset. Bytes that hold
// UTF-8 sequences are taken as UTF-8 with the rest replaced; otherwise they
// are read as windows-1252. It says which it did.
func guessUTF8(b []byte) (string, string) {
	if utf8.Valid(b) {
		return string(b), "read as utf-8"
	}
	if hasMultibyte(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD"), "invalid utf-8 replaced"
	}
	return windows1252(b), "read as windows-1252"
}

// hasMultibyte reports whether b holds a valid multi-byte UTF-8 sequence.
func hasMultibyte(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if n > 1 && r != utf8.RuneError {
			return true
		}
		b = b[n:]
	}
	return false
}

func windows1252(b []byte) string {
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

// toUTF8 returns s unchanged when it is valid UTF-8, else read as
// windows-1252; ok is false in the second case.
func toUTF8(s string) (string, bool) {
	if utf8.ValidString(s) {
		return s, true
	}
	return windows1252([]byte(s)), false
}

// cleanString makes s valid UTF-8 without NUL bytes, which PostgreSQL text
// cannot hold, and without C1 control characters (U+0080 to U+009F). Those
// are never meant in mail: they are windows-1252's typographic characters
// (0x96, an en dash) read as ISO-8859-1, which Outlook writes under that
// label, or by a program that did so before. Each becomes what
// windows-1252 means by it, which makes ISO-8859-1 text read as its
// superset windows-1252, as browsers and mail readers do (WHATWG Encoding).
func cleanString(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) < 0 && !hasC1(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == 0:
			return -1
		case r >= 0x80 && r <= 0x9f:
			return c1Windows1252[r-0x80]
		}
		return r
	}, s)
}

// hasC1 reports whether valid UTF-8 s holds a C1 control character.
func hasC1(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == 0xc2 && s[i+1] >= 0x80 && s[i+1] <= 0x9f {
			return true
		}
	}
	return false
}

// c1Windows1252 is what windows-1252 means by the bytes 0x80 to 0x9F; -1
// where it means nothing (the character is dropped).
var c1Windows1252 = [32]rune{
	'€', -1, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', -1, 'Ž', -1,
	-1, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', -1, 'ž', 'Ÿ',
}

// cleanText is cleanString plus LF line endings.
func cleanText(s string) string {
	s = cleanString(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// trimBlankLines removes blank lines at both ends and trailing white space.
func trimBlankLines(s string) string {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 || strings.TrimSpace(s[:i]) != "" {
			return s
		}
		s = s[i+1:]
	}
}

// foldSpace collapses runs of white space to one space and trims.
func foldSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
