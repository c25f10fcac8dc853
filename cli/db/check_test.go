package db_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"sak/cli/clitest"
)

func TestCheck(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		out := e.MustRun("db", "check")
		for _, want := range []string{"Schema:     version ", "Integrity:  ok", "Outbox:     ", "Status:     ok"} {
			if !strings.Contains(out, want) {
				t.Errorf("db check output lacks %q:\n%s", want, out)
			}
		}
		var got struct {
			OK            bool     `json:"ok"`
			Dialect       string   `json:"dialect"`
			SchemaVersion int      `json:"schema_version"`
			CodeVersion   int      `json:"code_version"`
			Integrity     []string `json:"integrity"`
			Outbox        *struct {
				Pending int     `json:"pending"`
				Oldest  *string `json:"oldest_pending"`
			} `json:"outbox"`
			Problems []string `json:"problems"`
		}
		e.JSON("root", &got, "db", "check")
		if !got.OK || got.SchemaVersion != got.CodeVersion || len(got.Problems) != 0 || got.Outbox == nil || len(got.Integrity) != 1 {
			t.Fatalf("db check -o json = %+v", got)
		}

		// A reply nobody sends: after two hours (the test clock moves a
		// minute per command) a 1m limit is exceeded, and check exits 1.
		e.MustRunAs("alice", "ticket", "reply", "1", "-m", "On our way.")
		e.MustRun("db", "check", "--max-outbox-age", "2h")
		r := e.Run("db", "check", "--max-outbox-age", "1s")
		if r.Code != 1 || !strings.Contains(r.Out, "Problem:    the oldest unsent outbox row waits") || !strings.Contains(r.Err, "database check found problems") {
			t.Fatalf("db check with a stale outbox: exit %d\n%s%s", r.Code, r.Out, r.Err)
		}
		r = e.Run("db", "check", "--max-outbox-age", "1s", "-o", "json")
		if r.Code != 1 || json.Unmarshal([]byte(r.Out), &got) != nil || got.OK || len(got.Problems) != 1 || got.Outbox.Pending == 0 || got.Outbox.Oldest == nil {
			t.Fatalf("db check -o json with a stale outbox: exit %d %+v\n%s", r.Code, got, r.Out)
		}
	})
}

// TestCheckNoSchema: an empty database is reported, not migrated; where
// there is none, db check says so and makes none.
func TestCheckNoSchema(t *testing.T) {
	e := clitest.SQLite(t)
	r := e.Run("db", "check")
	if r.Code != 1 || !strings.HasPrefix(r.Err, "sak: no database at "+e.DSN+": check --db or SAK_DB") {
		t.Fatalf("db check where there is no database: exit %d\n%s%s", r.Code, r.Out, r.Err)
	}
	if _, err := os.Stat(e.DSN); err == nil {
		t.Fatalf("db check made a database at %s", e.DSN)
	}
	if err := os.WriteFile(e.DSN, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r = e.Run("db", "check")
	if r.Code != 1 || !strings.Contains(r.Out, "Schema:     version 0") || !strings.Contains(r.Out, "no sak schema") {
		t.Fatalf("db check on an empty database: exit %d\n%s%s", r.Code, r.Out, r.Err)
	}
}
