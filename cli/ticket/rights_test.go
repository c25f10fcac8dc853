package ticket_test

import (
	"fmt"
	"testing"

	"sak/cli/clitest"
	"sak/mailstore"
)

// TestReadRights checks that the ticket commands read as the acting user
// (mailstore.Reader): a caseworker of it-help lists only its tickets and
// gets "no ticket N" for the others, for reads and writes alike, until
// granted a role on support; the caseworker who moved a ticket away sees
// its history up to the move.
func TestReadRights(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		work(e)
		clitest.Golden(t, "testdata/list_carol.golden", e.MustRunAs("carol", "ticket", "list", "--all"))
		var d mailstore.Detail
		e.JSON("root", &d, "ticket", "show", "1")
		m := d.Transactions[0].Message.ID
		for _, args := range [][]string{
			{"ticket", "show", "1"},
			{"ticket", "show", "1", "-o", "json"},
			{"ticket", "mail", "1", fmt.Sprint(m)},
			{"ticket", "reminders", "--ticket", "1"},
			{"ticket", "take", "1"},
			{"ticket", "comment", "1", "-m", "hi"},
			{"ticket", "move", "1", "it-help"},
		} {
			if r := e.RunAs("carol", args...); r.Code != 1 || r.Out != "" || r.Err != "sak: no ticket 1\n" {
				t.Errorf("sak %q as carol: exit %d, stdout %q, stderr %q; want \"sak: no ticket 1\"", args, r.Code, r.Out, r.Err)
			}
		}
		// The same words for a ticket that does not exist.
		if r := e.RunAs("carol", "ticket", "show", "99"); r.Err != "sak: no ticket 99\n" {
			t.Errorf("ticket show 99: stderr %q", r.Err)
		}

		e.MustRun("queue", "grant", "support", "carol", "--role", "watcher")
		clitest.Golden(t, "testdata/list.golden", e.MustRunAs("carol", "ticket", "list", "--all"))
		if got := e.MustRunAs("carol", "ticket", "mail", "1", fmt.Sprint(m)); got == "" {
			t.Error("ticket mail 1 as a watcher of support: nothing")
		}
		e.MustRun("queue", "revoke", "support", "carol")

		// Bob moves ticket 2 away; carol comments on it in it-help.
		e.MustRunAs("bob", "ticket", "move", "2", "it-help")
		e.MustRunAs("carol", "ticket", "comment", "2", "-m", "Badge printed.")
		clitest.Golden(t, "testdata/show_moved_bob.golden", e.MustRunAs("bob", "ticket", "show", "2"))
		clitest.Golden(t, "testdata/list_bob_moved.golden", e.MustRunAs("bob", "ticket", "list", "--all"))
	})
}
