package mailstore

import (
	"regexp"
	"strings"
	"sync"
)

// PostgreSQL's sak_fold (migration 22), done in Go. Folding a mail's text
// with translate over a list of 600 letters was half of PostgreSQL's CPU
// during ingest (perf, BENCHMARKS.md): sak folds the text itself and hands
// it to the insert (messages.fold_text, migration 25), whose trigger makes
// the search vector of it. The letters are read from the migration that
// defines sak_fold, so that there is one list; TestPGFoldAgrees compares
// the two foldings on every letter and on the corpus's mail.

// pgFoldMaxChars is how much of a mail's text is indexed: left(text,
// 100000) in the search vector's expression.
const pgFoldMaxChars = 100000

var pgFoldMap = sync.OnceValue(func() map[rune]rune {
	b, err := migrations.ReadFile("migrations/postgres/0022_search_fold.sql")
	if err != nil {
		panic(err) // embedded at build time
	}
	m := regexp.MustCompile(`replace\(replace\(t, 'Æ', 'ae'\), 'æ', 'ae'\),\s*'([^']*)',\s*'([^']*)'\)`).FindSubmatch(b)
	if m == nil {
		panic("migration 22 defines sak_fold differently: pgFold cannot read its letters")
	}
	from, to := []rune(string(m[1])), []rune(string(m[2]))
	fm := make(map[rune]rune, len(from))
	for i, r := range from {
		if _, ok := fm[r]; ok {
			continue // translate takes a letter's first place
		}
		if i < len(to) {
			fm[r] = to[i]
		} else {
			fm[r] = -1 // translate drops it
		}
	}
	return fm
})

// pgFold is sak_fold(left(text, 100000)) as PostgreSQL computes it.
func pgFold(text string) string {
	fm := pgFoldMap()
	var b strings.Builder
	b.Grow(len(text))
	n := 0
	for _, r := range text {
		if n == pgFoldMaxChars {
			break
		}
		n++
		switch r {
		case 'Æ', 'æ':
			b.WriteString("ae")
			continue
		}
		if t, ok := fm[r]; ok {
			if t >= 0 {
				b.WriteRune(t)
			}
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
