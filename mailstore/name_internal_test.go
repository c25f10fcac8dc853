package mailstore

import (
	"regexp"
	"testing"
)

// The rules isName replaced, as regular expressions.
var (
	nameRule = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	tagRule  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// FuzzIsName holds isName to the rules it replaced.
func FuzzIsName(f *testing.F) {
	for _, s := range []string{"", "a", "support", "it-help", "IT", "Q1.b_c-d", "-x", ".x", "_x", "a b", "æøå", "a\n",
		"x123456789012345678901234567890123456789012345678901234567890123", "x1234567890123456789012345678901234567890123456789012345678901234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isName(s, false), nameRule.MatchString(s); got != want {
			t.Errorf("isName(%q, false) = %v, the rule says %v", s, got, want)
		}
		if got, want := isName(s, true), tagRule.MatchString(s); got != want {
			t.Errorf("isName(%q, true) = %v, the rule says %v", s, got, want)
		}
	})
}
