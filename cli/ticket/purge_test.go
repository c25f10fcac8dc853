package ticket_test

import (
	"strings"
	"testing"

	"sak/cli/clitest"
	"sak/mailstore"
)

// TestPurge purges a ticket, with the refusals, and shows what is left
// (golden), on every backend.
func TestPurge(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		e.MustRunAs("alice", "ticket", "reply", "1", "-m", "We are on it, Pat.")
		var out []string
		out = append(out, refusals(t, e, "1", [][]string{
			{"alice", "ticket", "purge", "1", "--yes"}, // a caseworker
			{"root", "ticket", "purge", "1"},           // no --yes, no terminal
			{"root", "ticket", "purge", "99", "--yes"}, // no ticket
		})...)
		out = append(out, e.MustRun("ticket", "purge", "#1", "--yes"))
		out = append(out, refusals(t, e, "1", [][]string{
			{"root", "ticket", "purge", "1", "--yes"},       // purged already
			{"alice", "ticket", "comment", "1", "-m", "Hi"}, // no changes
		})...)
		var got mailstore.Ticket
		e.JSON("root", &got, "ticket", "show", "1")
		if got.Subject != "" || got.Status != mailstore.StatusDeleted || len(got.Requestors) != 0 {
			t.Errorf("purged ticket document = %+v", got)
		}
		if r := e.RunAs("root", "search", "Pat"); strings.Contains(r.Out, "#1 ") {
			t.Errorf("search finds the purged ticket: %q", r.Out)
		}
		out = append(out, e.MustRun("ticket", "show", "1"))
		clitest.Golden(t, "testdata/purge.golden", strings.Join(out, ""))
	})
}
