package outbox_test

import (
	"strings"
	"testing"

	"sak/cli/clitest"
	"sak/mailstore"
)

func TestOutbox(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		e.MustRunAs("alice", "ticket", "reply", "1", "-m", "On our way.")
		var rows []mailstore.OutboxRow
		e.JSON("root", &rows, "outbox", "list", "--ticket", "1", "--status", "pending")
		if len(rows) != 1 || rows[0].Rcpt != "pat@example.com" || rows[0].Kind != "correspond" {
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
		if out := e.MustRun("outbox", "retry", "--all"); !strings.Contains(out, "1 outbox row(s) requeued") {
			t.Fatalf("retry --all: %q", out)
		}
	})
}
