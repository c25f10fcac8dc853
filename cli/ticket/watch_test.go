package ticket_test

import (
	"slices"
	"strings"
	"testing"

	"sak/cli/clitest"
	"sak/mailstore"
)

// TestWatch watches and unwatches a ticket, for oneself and another, and
// shows the refusals and 'ticket show' after (golden), on every backend.
func TestWatch(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		var out []string
		out = append(out, e.MustRunAs("walt", "ticket", "watch", "1"))
		out = append(out, e.MustRunAs("alice", "ticket", "watch", "#1", "bob"))
		out = append(out, refusals(t, e, "1", [][]string{
			{"carol", "ticket", "watch", "1"},             // another queue's: sees nothing
			{"walt", "ticket", "watch", "1", "alice"},     // a watcher makes another watch
			{"alice", "ticket", "watch", "1", "carol"},    // carol does not see it
			{"alice", "ticket", "watch", "1", "nobody"},   // no such user
			{"bob", "ticket", "watch", "1"},               // already
			{"alice", "ticket", "unwatch", "1"},           // not watching
			{"walt", "ticket", "unwatch", "1", "bob"},     // a watcher stops another
			{"alice", "ticket", "watch", "1", "bob", "x"}, // too many arguments
			{"alice", "ticket", "watch"},                  // no ticket given
			{"alice", "ticket", "watch", "99"},            // no ticket
		})...)
		out = append(out, e.MustRunAs("walt", "ticket", "unwatch", "1"))
		var got mailstore.Ticket
		e.JSON("alice", &got, "ticket", "show", "1")
		if !slices.Equal(got.Watchers, []string{"bob"}) {
			t.Errorf("watchers in the JSON document = %q, want bob", got.Watchers)
		}
		out = append(out, e.MustRun("ticket", "show", "1"))
		clitest.Golden(t, "testdata/watch.golden", strings.Join(out, ""))
	})
}

// TestTime records minutes worked and an estimate, and shows the
// refusals and 'ticket show' after (golden), on every backend.
func TestTime(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		var out []string
		out = append(out, e.MustRunAs("alice", "ticket", "time", "1", "30", "--comment", "Replaced the drum"))
		out = append(out, e.MustRunAs("bob", "ticket", "time", "#1", "45"))
		out = append(out, e.MustRunAs("bob", "ticket", "time", "1", "--", "-15"))
		out = append(out, e.MustRunAs("alice", "ticket", "edit", "1", "--estimate", "90"))
		out = append(out, refusals(t, e, "1", [][]string{
			{"walt", "ticket", "time", "1", "10"},                // a watcher
			{"carol", "ticket", "time", "1", "10"},               // another queue's
			{"alice", "ticket", "time", "1", "0"},                // nothing
			{"alice", "ticket", "time", "1", "half"},             // not a number
			{"alice", "ticket", "time", "1", "20000"},            // more than a week
			{"alice", "ticket", "time", "1", "--", "-61"},        // below zero in all
			{"alice", "ticket", "edit", "1", "--estimate", "-5"}, // negative estimate
			{"alice", "ticket", "edit", "1", "--estimate", "90"}, // as it is
		})...)
		var got mailstore.Ticket
		e.JSON("alice", &got, "ticket", "time", "1", "5")
		if got.TimeWorked != 65 || got.TimeEstimated != 90 {
			t.Errorf("time -o json: worked %d, estimated %d; want 65 and 90", got.TimeWorked, got.TimeEstimated)
		}
		out = append(out, e.MustRun("ticket", "show", "1"))
		clitest.Golden(t, "testdata/time.golden", strings.Join(out, ""))
	})
}
