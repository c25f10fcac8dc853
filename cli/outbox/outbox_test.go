package outbox_test

import (
	"strings"
	"testing"

	"sak/cli/clitest"
	"sak/mailstore"
)

func TestOutbox(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		e.MustRunAs("alice", "ticket", "reply", "1", "-m", "On our way.")
		var rows []mailstore.OutboxRow
		e.JSON("root", &rows, "outbox", "list", "--ticket", "1", "--status", "pending")
		// The answer to pat, and walt's copy: he watches support.
		if len(rows) != 2 || rows[0].Rcpt != "pat@example.com" || rows[0].Kind != "correspond" || rows[1].Rcpt != "walt@example.org" {
			t.Fatalf("outbox = %+v", rows)
		}
		out := e.MustRun("outbox", "list")
		if !strings.Contains(out, "pat@example.com") || !strings.Contains(out, "correspond") {
			t.Fatalf("table:\n%s", out)
		}
		if r := e.Run("outbox", "retry", "999"); r.Code != 1 || !strings.Contains(r.Err, "no unsent outbox row 999") {
			t.Fatalf("retry 999: %+v", r)
		}
		if r := e.Run("outbox", "retry"); r.Code != 2 {
			t.Fatalf("retry without id: %+v", r)
		}
		if r := e.Run("outbox", "retry", "1", "2"); r.Code != 2 || !strings.Contains(r.Err, "one outbox ID") {
			t.Fatalf("retry with two ids: %+v", r)
		}
		if r := e.Run("outbox", "retry", "1", "--all"); r.Code != 2 || !strings.Contains(r.Err, "not both") {
			t.Fatalf("retry with an id and --all: %+v", r)
		}
		if r := e.Run("outbox", "list", "--status", "lost"); r.Code != 2 {
			t.Fatalf("bad status: %+v", r)
		}
		if out := e.MustRun("outbox", "retry", "--all"); !strings.Contains(out, "2 outbox row(s) requeued") {
			t.Fatalf("retry --all: %q", out)
		}

		// Prune: the time is required, sysadmins only, sent mail only.
		if r := e.Run("outbox", "prune"); r.Code != 2 || !strings.Contains(r.Err, "--sent-before") {
			t.Fatalf("prune without --sent-before: %+v", r)
		}
		if r := e.Run("outbox", "prune", "--sent-before", "soon"); r.Code != 2 {
			t.Fatalf("prune --sent-before soon: %+v", r)
		}
		if r := e.RunAs("alice", "outbox", "prune", "--sent-before", "2099-01-01"); r.Code != 1 || !strings.Contains(r.Err, "sysadmin") {
			t.Fatalf("a caseworker's prune: %+v", r)
		}
		if out := e.MustRun("outbox", "prune", "--sent-before", "2099-01-01"); !strings.Contains(out, "0 outbox row(s) of mail sent before") {
			t.Fatalf("prune of unsent mail: %q", out)
		}
		e.JSON("root", &rows, "outbox", "list", "--ticket", "1")
		if len(rows) != 2 {
			t.Fatalf("unsent mail pruned: %+v", rows)
		}
	})
}
