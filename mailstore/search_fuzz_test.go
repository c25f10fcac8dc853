package mailstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode"
)

// FuzzSearch feeds arbitrary queries to Search on SQLite: the words parsed
// from them hold nothing that could leave their quotes, and the database
// never rejects the query it is given.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"toner", `foo" OR 1=1 --`, "a*b", "NEAR(", "'", `"`, "søk*", "e-post pat@example.com", "x:*", "a & !b | c", "^x", "col:x", "{a b}", "\\", "\x00", "..", "-x"} {
		f.Add(s)
	}
	s := openMigratedF(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, q string) {
		terms := parseSearch(q)
		for _, tm := range terms {
			if tm.word == "" || strings.ContainsAny(tm.word, `"'\:*()&|!^{}<>`) {
				t.Fatalf("parseSearch(%q) made word %q", q, tm.word)
			}
			for _, r := range tm.word {
				if !isWordRune(r) && !isJoinRune(r) || unicode.IsControl(r) {
					t.Fatalf("parseSearch(%q) made word %q with %q", q, tm.word, r)
				}
			}
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
