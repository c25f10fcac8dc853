package quarantine_test

import (
	"strings"
	"testing"

	"sak/cli/clitest"
	"sak/mailstore"
)

func TestQuarantine(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		spam := "From: spam@example.net\r\nTo: support@example.org\r\nSubject: Cheap \x1b[31mpills\r\nX-Spam-Flag: YES\r\nMessage-ID: <q1@example.net>\r\n\r\nBuy now.\r\n"
		if r := e.Exec("root", spam, "mailgate", "--recipient", "support@example.org", "--sender", "spam@example.net"); r.Code != 0 {
			t.Fatalf("mailgate: %+v", r)
		}
		var held []mailstore.Quarantined
		e.JSON("root", &held, "quarantine", "list")
		if len(held) != 1 || held[0].From != "spam@example.net" || held[0].Status != "held" {
			t.Fatalf("quarantine = %+v", held)
		}
		out := e.MustRun("quarantine", "show", "1")
		if !strings.Contains(out, "Buy now.") || strings.Contains(out, "\x1b") {
			t.Fatalf("show:\n%q", out)
		}
		// A watcher of the queue sees the mail but may not decide; a
		// caseworker of another queue does not see it at all.
		for _, c := range []struct{ as, verb, want string }{
			{"walt", "release", "only caseworkers and managers of queue support and sysadmins may"},
			{"walt", "drop", "only caseworkers and managers of queue support and sysadmins may"},
			{"carol", "release", "no quarantined mail 1"},
			{"carol", "drop", "no quarantined mail 1"},
		} {
			if r := e.RunAs(c.as, "quarantine", c.verb, "1"); r.Code != 1 || !strings.Contains(r.Err, c.want) {
				t.Fatalf("%s as %s: %+v, want %q", c.verb, c.as, r, c.want)
			}
		}
		e.JSON("root", &held, "quarantine", "list")
		if len(held) != 1 || held[0].Status != "held" {
			t.Fatalf("after the refusals, quarantine = %+v", held)
		}
		var before []mailstore.Ticket
		e.JSON("root", &before, "ticket", "list", "--all")
		// A caseworker of the queue it was sent to may release it.
		if out := e.MustRunAs("alice", "quarantine", "release", "1"); !strings.Contains(out, "released onto ticket") {
			t.Fatalf("release: %q", out)
		}
		var after []mailstore.Ticket
		e.JSON("root", &after, "ticket", "list", "--all")
		if len(after) != len(before)+1 {
			t.Fatalf("release made %d tickets", len(after)-len(before))
		}
		if r := e.Run("quarantine", "drop", "1"); r.Code != 1 || !strings.Contains(r.Err, "released already") {
			t.Fatalf("drop after release: %+v", r)
		}
	})
}
