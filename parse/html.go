package parse

import (
	"bytes"
	"html"
	"strings"
)

// htmlToText renders HTML as readable plain text: script, style and head
// content is dropped, block elements and <br> become line breaks,
// paragraphs are separated by a blank line, list items get a dash,
// entities are decoded and blank lines collapsed. It is linear in the input
// and never fails.
func htmlToText(s string) string {
	lower := asciiLower(s)
	var w textWriter
	for i := 0; i < len(s); {
		if s[i] != '<' {
			end := strings.IndexByte(s[i:], '<')
			if end < 0 {
				end = len(s) - i
			}
			w.text(s[i : i+end])
			i += end
			continue
		}
		if strings.HasPrefix(s[i:], "<!--") {
			i = skipPast(s, i+4, "-->")
			continue
		}
		if !isTagStart(s, i) {
			w.text("<")
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			w.text(s[i:]) // no tag can close
			break
		}
		name, closing := tagName(lower[i+1 : i+end])
		i += end + 1
		if !closing && isHiddenElement(name) {
			i = skipPast(lower, i, "</"+name)
			i = skipPast(s, i, ">")
			continue
		}
		w.tag(name, closing)
	}
	return tidyLines(string(w.buf))
}

// textWriter collects the text of an HTML document.
type textWriter struct {
	buf []byte
	pre int // depth of <pre> elements
}

// text writes character data; outside <pre> white space collapses to
// single spaces and is dropped at the start of a line or after a space.
func (w *textWriter) text(s string) {
	if w.pre == 0 {
		s = collapseSpace(s)
		if w.atLineStart() || w.buf[len(w.buf)-1] == ' ' {
			s = strings.TrimLeft(s, " ")
		}
	}
	s = html.UnescapeString(s)
	w.buf = append(w.buf, strings.ReplaceAll(s, "\u00a0", " ")...)
}

func (w *textWriter) atLineStart() bool {
	return len(w.buf) == 0 || w.buf[len(w.buf)-1] == '\n'
}

// newline ends the current line unless it is empty.
func (w *textWriter) newline() {
	w.buf = bytes.TrimRight(w.buf, " ")
	if !w.atLineStart() {
		w.buf = append(w.buf, '\n')
	}
}

// blankLine ends the current line and leaves one blank line.
func (w *textWriter) blankLine() {
	w.newline()
	if len(w.buf) > 0 && !bytes.HasSuffix(w.buf, []byte("\n\n")) {
		w.buf = append(w.buf, '\n')
	}
}

// tag writes what stands for a tag.
func (w *textWriter) tag(name string, closing bool) {
	switch name {
	case "br":
		w.buf = append(bytes.TrimRight(w.buf, " "), '\n')
	case "p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "ul", "ol", "hr":
		w.blankLine()
	case "div", "tr", "section", "article", "header", "footer", "dt", "dd":
		w.newline()
	case "li":
		w.newline()
		if !closing {
			w.buf = append(w.buf, "- "...)
		}
	case "td", "th":
		w.text(" ")
	case "pre":
		w.newline()
		if closing {
			w.pre = max(w.pre-1, 0)
		} else {
			w.pre++
		}
	}
}

// skipPast returns the index after the first sep at or after i, or len(s).
func skipPast(s string, i int, sep string) int {
	if i >= len(s) {
		return len(s)
	}
	j := strings.Index(s[i:], sep)
	if j < 0 {
		return len(s)
	}
	return i + j + len(sep)
}

// isTagStart reports whether the '<' at i opens a tag, comment or
// declaration rather than being a literal "<".
func isTagStart(s string, i int) bool {
	if i+1 >= len(s) {
		return false
	}
	c := s[i+1]
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '/' || c == '!' || c == '?'
}

// tagName returns the lower-case element name of a tag's inner text.
func tagName(inner string) (name string, closing bool) {
	if strings.HasPrefix(inner, "/") {
		closing, inner = true, inner[1:]
	}
	end := strings.IndexAny(inner, " \t\r\n/")
	if end < 0 {
		end = len(inner)
	}
	return inner[:end], closing
}

func isHiddenElement(name string) bool {
	switch name {
	case "script", "style", "head", "title", "template":
		return true
	}
	return false
}

// collapseSpace replaces each run of HTML white space with one space.
func collapseSpace(s string) string {
	var b strings.Builder
	space := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\r', '\n', '\f':
			if !space {
				b.WriteByte(' ')
			}
			space = true
		default:
			b.WriteByte(c)
			space = false
		}
	}
	return b.String()
}

// tidyLines trims line ends and leaves at most one blank line in a row.
func tidyLines(s string) string {
	var out []string
	blank := true
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, " \t")
		if line == "" && blank {
			continue
		}
		blank = line == ""
		out = append(out, line)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// asciiLower lower-cases ASCII letters only, so byte offsets are kept.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
