package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"sak/cli/clitest"
	"sak/mailstore"
)

// TestHostileContent: subjects, addresses, queue names and search queries
// carrying SQL, shell and terminal escape sequences are stored as they
// are, shown safely, and inject nothing.
func TestHostileContent(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		subjects := []string{
			`'; DROP TABLE tickets; --`,
			`$(rm -rf /) ` + "`reboot`",
			"\x1b]0;owned\x07\x1b[2J\x1b[31mred\x1b[0m \x9b31m",
			`" OR 1=1 -- ; DELETE FROM messages`,
		}
		for i, subj := range subjects {
			msg := "From: \"Robert'); DROP TABLE users;--\" <bobby+x@example.com>\r\nTo: support@example.org\r\nSubject: " + subj +
				"\r\nMessage-ID: <hostile" + string(rune('a'+i)) + "@example.com>\r\n\r\nbody \x1b[5mblink\x1b[0m\r\n"
			if r := e.Exec("root", msg, "mailgate", "--recipient", "support@example.org"); r.Code != 0 {
				t.Fatalf("mailgate: %+v", r)
			}
		}
		var ts []mailstore.Ticket
		e.JSON("root", &ts, "ticket", "list", "--all", "--requestor", "bobby+x@example.com")
		if len(ts) != len(subjects) {
			t.Fatalf("%d tickets from bobby, want %d", len(ts), len(subjects))
		}
		got := map[string]bool{}
		for _, tk := range ts {
			got[tk.Subject] = true
		}
		for _, s := range subjects[:2] {
			if !got[s] {
				t.Errorf("subject %q not stored as written: %v", s, got)
			}
		}
		out := e.MustRun("ticket", "list", "--all")
		show := e.MustRun("ticket", "show", "4")
		for what, text := range map[string]string{"list": out, "show": show} {
			if strings.ContainsAny(text, "\x1b\x07\x9b") || strings.Contains(text, "\u009b") {
				t.Errorf("ticket %s sends control bytes to the terminal:\n%q", what, text)
			}
		}
		for _, q := range []string{`'; DROP TABLE tickets; --`, `" OR 1=1`, `*`, `NEAR(`} {
			r := e.Run("search", q)
			if r.Code > 1 || strings.Contains(r.Err, "SQL") || strings.Contains(r.Err, "syntax") {
				t.Errorf("search %q: %+v", q, r)
			}
		}
		for _, args := range [][]string{
			{"queue", "create", "x'; DROP TABLE queues;--", "--address", "x@example.org"},
			{"user", "add", "$(reboot)", "--email", "r@example.org"},
			{"queue", "create", "ok", "--address", "a@b@example.org"},
		} {
			if r := e.Run(args...); r.Code != 1 || !strings.Contains(r.Err, "not") {
				t.Errorf("sak %v: exit %d, %q; want a refusal", args, r.Code, r.Err)
			}
		}
		// Everything is still there.
		var all []json.RawMessage
		e.JSON("root", &all, "ticket", "list", "--all", "--limit", "0")
		if len(all) != 3+len(subjects) {
			t.Fatalf("%d tickets after the hostile input, want %d", len(all), 3+len(subjects))
		}
	})
}
