package mailstore_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"sak/internal/testcorpus"
	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestPGFoldAgrees: the folding sak does for PostgreSQL's search vectors
// (pgFold) is sak_fold(left(text, 100000)), letter by letter and on the
// corpus's mail.
func TestPGFoldAgrees(t *testing.T) {
	s := storetest.Postgres(t)
	var letters strings.Builder
	for _, rg := range [][2]rune{{0x20, 0x24F}, {0x1E00, 0x1EFF}} {
		for r := rg[0]; r <= rg[1]; r++ {
			if r != 0x7f && (r < 0x80 || r >= 0xa0) {
				letters.WriteRune(r)
			}
		}
	}
	texts := []string{letters.String(), "Vitnemål, søknad og ÆØÅ: pat@example.com e-post www.uio.no/x a_b 1+1 <x> & ſ",
		strings.Repeat("æøå ", 30000)} // past the 100,000 letters indexed
	for _, f := range testcorpus.CorpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", ""))
	}
	bad := 0
	for _, text := range texts {
		var want string
		if err := s.DB().QueryRowContext(context.Background(), `SELECT sak_fold(left($1, 100000))`, text).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got := mailstore.PGFold(text); got != want {
			bad++
			if bad <= 3 {
				t.Errorf("pgFold differs from sak_fold on %.60q…:\n got %.200q\nwant %.200q", text, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d texts fold otherwise than sak_fold", bad, len(texts))
	}
}

// checkVectors fails unless every mail's search vector on PostgreSQL is
// what sak_fold makes of its text, and no folded text is kept.
func checkVectors(t *testing.T, s *mailstore.Store) {
	t.Helper()
	var n, wrong, kept int
	err := s.DB().QueryRowContext(context.Background(), `SELECT COUNT(*),
		COUNT(*) FILTER (WHERE fts IS DISTINCT FROM to_tsvector('simple', sak_fold(left(text, 100000)))),
		COUNT(fold_text) FROM messages`).Scan(&n, &wrong, &kept)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || wrong != 0 || kept != 0 {
		t.Errorf("of %d mails, %d have another search vector than sak_fold's and %d keep their folded text", n, wrong, kept)
	}
}

// TestPGFoldVectors: mail delivered on PostgreSQL is indexed as sak_fold
// indexes it, and found by its words without accents.
func TestPGFoldVectors(t *testing.T) {
	ctx := context.Background()
	s := storetest.Postgres(t)
	q := storetest.Desk(t, s)
	mustDeliver(t, s, incoming(q, "kari@example.com", "v1@example.com", "Vitnemål", "Hvor er vitnemålet mitt? Jeg søkte i ÆRØ-kommune."))
	mustDeliver(t, s, incoming(q, "ola@example.com", "v2@example.com", "Printer", "The printer on the third floor prints nothing."))
	checkVectors(t, s)
	for _, w := range []string{"vitnemalet", "aero", "sokte"} {
		hits, err := s.Search(ctx, w, mailstore.SearchFilter{})
		if err != nil || len(hits) != 1 {
			t.Errorf("search %s: %d hits, %v; want the first mail", w, len(hits), err)
		}
	}
}
