package queue_test

import (
	"strings"
	"testing"

	"sak/cli/clitest"
)

// TestEditDisable changes a queue's addresses and disables and enables a
// queue, with the refusals (golden), on every backend.
func TestEditDisable(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		var out []string
		out = append(out, e.MustRun("queue", "edit", "support", "--address", "Help@Example.org"))
		out = append(out, e.MustRun("queue", "set", "support", "--comment-address", "help-notes@example.org"))
		for _, c := range [][]string{
			{"mona", "queue", "edit", "support", "--address", "desk@example.org"},       // a manager: not addresses
			{"root", "queue", "edit", "support", "--address", "it-help@example.org"},    // another queue's
			{"root", "queue", "edit", "support", "--address", "alice@example.org"},      // a user's
			{"root", "queue", "edit", "support", "--address", "help-notes@example.org"}, // its own comment address
			{"root", "queue", "edit", "support", "--address", "not an address"},         // no address
			{"root", "queue", "edit", "support"},                                        // nothing
			{"mona", "queue", "disable", "support"},                                     // a manager
			{"root", "queue", "enable", "support"},                                      // enabled already
			{"root", "queue", "disable", "nosuch"},                                      // no queue
		} {
			r := e.RunAs(c[0], c[1:]...)
			if r.Code == 0 {
				t.Errorf("%v as %s: exit 0, want a refusal", c[1:], c[0])
			}
			out = append(out, "("+c[0]+": "+strings.Join(c[1:], " ")+") "+r.Err)
		}
		out = append(out, e.MustRun("queue", "disable", "it-help"))
		out = append(out, e.MustRun("queue", "list"))
		if r := e.RunAs("carol", "ticket", "show", "3"); r.Code != 0 || !strings.Contains(r.Out, "VPN down") {
			t.Errorf("a ticket of a disabled queue: exit %d, %q %q", r.Code, r.Out, r.Err)
		}
		r := e.RunAs("root", "queue", "disable", "it-help")
		out = append(out, "(root: queue disable it-help) "+r.Err)
		out = append(out, e.MustRun("queue", "enable", "IT-help"))
		out = append(out, e.MustRun("queue", "list"))
		clitest.Golden(t, "testdata/edit.golden", strings.Join(out, ""))
	})
}
