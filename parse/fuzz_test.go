package parse

import (
	"sak/internal/testcorpus"

	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"
)

// fuzzCorpusFiles are corpus messages that seed FuzzParse besides testdata.
var fuzzCorpusFiles = []string{
	"sisimai/bsd__rfc3464-01.eml",
	"sisimai/mac__lhost-exim-01.eml",
	"cpython-email/msg_15.eml",
	"mime4j/mimetools-testmsgs__russian.eml",
	"mime4j/testmsgs__weird-boundary.eml",
	"ruby-mail/multipart_report_multiple_status.eml",
	"enmime/low-quality__bad-header-start.eml",
}

func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range seeds {
		f.Add(readTestdata(f, filepath.Base(name)))
	}
	if dir := findCorpus(); dir != "" {
		for _, name := range fuzzCorpusFiles {
			if raw, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				f.Add(raw)
			}
		}
	}
	f.Add(nestedMultipart(60))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := Parse(raw)
		checkValid(t, "fuzz input", m)
		again := Parse(raw)
		if !reflect.DeepEqual(m, again) {
			t.Errorf("Parse(%q) is not deterministic", raw)
		}
		NewText(m.Text)
	})
}

// findCorpus is ../shared/corpus, or "" without it, for fuzz seeding.
func findCorpus() string { return testcorpus.Find("corpus") }

func FuzzCommands(f *testing.F) {
	for _, s := range []string{
		"Re: [support #42] [TAKE] [give  bob] help",
		"[move]", "[give [take] bob]", "[[take]]", "[give[comment]bob]",
		"SV: [opptak #7] [give kåre] Søknad", "unbalanced ] [take", "[\xff]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, subject string) {
		cmds, rest := Commands(subject)
		for _, c := range cmds {
			if c.Name == "" || (c.Name == "give" || c.Name == "move") == (c.Arg == "") {
				t.Errorf("Commands(%q) gave %+v", subject, c)
			}
		}
		again, rest2 := Commands(rest)
		if len(again) != 0 || rest2 != rest {
			t.Errorf("Commands(%q) = %v, %q, want no commands and the same rest", rest, again, rest2)
		}
		// What Attempts names is no command, and is written in rest.
		for _, a := range Attempts(rest) {
			if cmds, _ := Commands(a); len(cmds) != 0 {
				t.Errorf("Attempts(%q) names %q, a command", rest, a)
			}
		}
	})
}

func FuzzTicketTags(f *testing.F) {
	for _, s := range []string{"[support #42] x", "[a #1][b #2]", "[økonomi #9]", "[x #99999999999999999999]", "[[a #1]]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, subject string) {
		for _, tag := range TicketTags(subject) {
			if tag.Tag == "" || tag.ID < 0 || !utf8.ValidString(tag.Tag) {
				t.Errorf("TicketTags(%q) gave %+v", subject, tag)
			}
		}
	})
}
