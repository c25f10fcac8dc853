package mailstore

import (
	"context"
	"errors"
	"testing"
	"unicode"
)

// FuzzSearch feeds arbitrary queries to Search on SQLite: the words parsed
// from them are folded and hold only letters, digits and marks, nothing
// that could leave their quotes, and the database never rejects the query
// it is given.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"toner", `foo" OR 1=1 --`, "a*b", "NEAR(", "'", `"`, "søk*", `"økser åtte"`, `"unclosed`, "e-post pat@example.com", "vitnemål.pdf*", "x:*", "a & !b | c", "^x", "col:x", "{a b}", "\\", "\x00", "..", "-x"} {
		f.Add(s)
	}
	s := openMigratedF(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, q string) {
		groups := parseSearch(q)
		words := 0
		for _, g := range groups {
			if len(g.words) == 0 {
				t.Fatalf("parseSearch(%q) made an empty group", q)
			}
			for _, w := range g.words {
				words++
				if w == "" || w != fold(w) {
					t.Fatalf("parseSearch(%q) made word %q, not folded", q, w)
				}
				for _, r := range w {
					if !isWordRune(r) || unicode.IsControl(r) {
						t.Fatalf("parseSearch(%q) made word %q with %q", q, w, r)
					}
				}
			}
		}
		if words > maxSearchWords {
			t.Fatalf("parseSearch(%q) made %d words", q, words)
		}
		_, err := s.Search(ctx, q, SearchFilter{Limit: 5})
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("Search(%q): %v", q, err)
		}
	})
}

func openMigratedF(f *testing.F) *Store {
	f.Helper()
	ctx := context.Background()
	s, err := Open(ctx, f.TempDir()+"/sak.db")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		f.Fatal(err)
	}
	return s
}
