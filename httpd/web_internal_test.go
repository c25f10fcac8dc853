package httpd

import (
	"strings"
	"testing"

	"sak/mailstore"
)

// FuzzTextBlocks: the blocks of a mail's text are the text, cut where
// quoting starts or ends, never two alike in a row.
func FuzzTextBlocks(f *testing.F) {
	f.Add("Hei!\n\n> sitat\n> mer\nsvar\n")
	f.Add(">")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		bs := textBlocks(text)
		var b strings.Builder
		for i, bl := range bs {
			b.WriteString(bl.Text)
			if i > 0 && bs[i-1].Quoted == bl.Quoted {
				t.Fatalf("blocks %d and %d are both quoted=%v", i-1, i, bl.Quoted)
			}
		}
		if b.String() != text {
			t.Fatalf("blocks join to %q, want %q", b.String(), text)
		}
	})
}

// FuzzSnippetParts: the parts of a snippet are its text with the marks
// taken out, and only marked words are marked.
func FuzzSnippetParts(f *testing.F) {
	f.Add("a [word] and [another] one")
	f.Add("[unclosed")
	f.Add("]][[")
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		for _, p := range snippetParts(s) {
			if p.Mark {
				b.WriteString(mailstore.SnippetStart + p.Text + mailstore.SnippetEnd)
			} else {
				b.WriteString(p.Text)
			}
		}
		if b.String() != s {
			t.Fatalf("parts give back %q, want %q", b.String(), s)
		}
	})
}
