package mailstore

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// How sak's search sees text, the same on both databases:
//
//   - A word is a run of letters, digits and combining marks; everything
//     else separates words ("alice@example.org" is the words alice,
//     example and org, one after the other).
//   - Words are folded: lower case, Latin letters without their accents
//     ("vitnemål" is "vitnemal", "é" is "e"), ø is o and æ is ae. So
//     "sjo" finds "sjø" and the other way round.
//
// SQLite's index is FTS5's unicode61 tokenizer with remove_diacritics 2
// over the text with ø and æ replaced (sqliteFold); PostgreSQL's is
// to_tsvector('simple') over sak_fold(text), a function of migration 22
// that maps the same letters and the punctuation PostgreSQL's parser would
// otherwise join words by. TestFoldAgrees holds the three to one rule.

// fold is the folded form of s: lower case, a letter of a to z with
// diacritics as the letter without them, ø as o, æ as ae, ſ as s. A
// diacritic on ø, æ or another letter (ǿ, ǽ, ǯ) stays, and so does ǡ, as
// SQLite's tokenizer leaves them.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	rs := []rune(norm.NFD.String(s))
	for i := 0; i < len(rs); {
		j := i + 1
		for j < len(rs) && unicode.Is(unicode.Mn, rs[j]) {
			j++
		}
		r := unicode.ToLower(rs[i])
		if r == 'ſ' {
			r = 's'
		}
		switch {
		case j > i+1 && r < utf8.RuneSelf && unicode.IsLetter(r) && !(r == 'a' && string(rs[i+1:j]) == "\u0307\u0304"):
			b.WriteRune(r)
		case j > i+1:
			b.WriteRune(r)
			b.WriteString(string(rs[i+1 : j]))
		case r == 'ø':
			b.WriteByte('o')
		case r == 'æ':
			b.WriteString("ae")
		default:
			b.WriteRune(r)
		}
		i = j
	}
	return norm.NFC.String(b.String())
}

// searchGroup is one part of a query that must match: a word, or the
// words of a phrase one after the other. prefix: its last word matches
// words that begin with it.
type searchGroup struct {
	words  []string // folded
	prefix bool
}

// autoPrefix is the shortest word that matches as a prefix unless quoted:
// "søknad" finds "søknaden" and "søknader", the Norwegian endings, without
// a stemmer; a shorter word ("sjø", "tid") matches only itself.
const autoPrefix = 4

// maxSearchWords bounds a query: a few words, not a document.
const maxSearchWords = 32

// isWordRune is what a word of text is made of.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// isJoinRune joins words into one term as written in a query
// ("e-post", "pat@example.com", "vitnemål.pdf"): such a term matches its
// words in their order, as a phrase.
func isJoinRune(r rune) bool { return r == '.' || r == '-' || r == '_' || r == '@' || r == '\'' }

// textWords splits s into its words.
func textWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) })
}

// parseSearch reads a user's query. A phrase in double quotes matches its
// words in that order, each word whole; a word outside quotes of
// autoPrefix letters or more matches as a prefix, and so does any word
// followed by *. Everything else, the syntax of FTS5, tsquery and SQL
// included, separates words and is otherwise ignored.
func parseSearch(q string) []searchGroup {
	var groups []searchGroup
	n := 0
	add := func(words []string, prefix bool) {
		if len(words) == 0 || n+len(words) > maxSearchWords {
			return
		}
		for i, w := range words {
			words[i] = fold(w)
		}
		n += len(words)
		groups = append(groups, searchGroup{words: words, prefix: prefix})
	}
	rs := []rune(q)
	for i := 0; i < len(rs); {
		switch {
		case rs[i] == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			add(textWords(string(rs[i+1:j])), false)
			i = j + 1
		case isWordRune(rs[i]):
			j := i
			for j < len(rs) && (isWordRune(rs[j]) || isJoinRune(rs[j]) && j+1 < len(rs) && isWordRune(rs[j+1])) {
				j++
			}
			words := textWords(string(rs[i:j]))
			star := j < len(rs) && rs[j] == '*'
			add(words, star || len(words) == 1 && utf8.RuneCountInString(words[0]) >= autoPrefix)
			i = j
		default:
			i++
		}
	}
	return groups
}

// matches reports whether the folded words of a text, from i on, hold g.
func (g searchGroup) matches(folded []string, i int) bool {
	if i+len(g.words) > len(folded) {
		return false
	}
	for k, w := range g.words {
		f := folded[i+k]
		if f == w || g.prefix && k == len(g.words)-1 && strings.HasPrefix(f, w) {
			continue
		}
		return false
	}
	return true
}

// snippetWords is how many words a snippet of a message shows.
const snippetWords = 24

// snippet is a piece of text around the best place where groups match,
// snippetWords words long, or all of it when whole, with each matching
// word between markStart and markEnd, on one line; "" when nothing
// matches. The best place holds the most of the groups.
func snippet(text string, groups []searchGroup, whole bool) string {
	type word struct{ start, end int }
	var words []word
	var folded []string
	start := -1
	for i, r := range text {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			words = append(words, word{start, i})
			start = -1
		}
	}
	if start >= 0 {
		words = append(words, word{start, len(text)})
	}
	for _, w := range words {
		folded = append(folded, fold(text[w.start:w.end]))
	}
	marked := make([]bool, len(words))
	group := make([]int, len(words)) // the group that starts at a word, +1
	any := false
	for i := range folded {
		for gi, g := range groups {
			if g.matches(folded, i) {
				group[i] = gi + 1
				for k := range g.words {
					marked[i+k] = true
				}
				any = true
			}
		}
	}
	if !any {
		return ""
	}
	from, to := 0, len(words)
	if !whole && len(words) > snippetWords {
		// The window that holds the most groups, then the earliest;
		// it starts a few words before its first match.
		best, bestAt := -1, 0
		for i := range words {
			if group[i] == 0 {
				continue
			}
			seen := map[int]bool{}
			for k := i; k < len(words) && k < i+snippetWords-3; k++ {
				if group[k] > 0 {
					seen[group[k]] = true
				}
			}
			if len(seen) > best {
				best, bestAt = len(seen), i
			}
		}
		from = max(0, min(bestAt-3, len(words)-snippetWords))
		to = from + snippetWords
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("… ")
	}
	pos := words[from].start
	if from == 0 {
		pos = 0
	}
	for i := from; i < to; i++ {
		b.WriteString(text[pos:words[i].start])
		w := text[words[i].start:words[i].end]
		if marked[i] {
			b.WriteString(markStart + w + markEnd)
		} else {
			b.WriteString(w)
		}
		pos = words[i].end
	}
	if to < len(words) {
		b.WriteString(" …")
	} else {
		b.WriteString(text[pos:])
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
