package db_test

import (
	"strings"
	"testing"

	"sak/cli/clitest"
)

func TestOptimize(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed() // three tickets, each its own transaction
		var got struct {
			Dialect string `json:"dialect"`
			Indexes []struct {
				Table  string `json:"table"`
				Before int    `json:"segments_before"`
				After  int    `json:"segments_after"`
			} `json:"indexes"`
		}
		e.JSON("root", &got, "db", "optimize")
		if got.Dialect == "postgres" {
			if len(got.Indexes) != 0 {
				t.Errorf("db optimize on PostgreSQL: %+v, want nothing done", got)
			}
			if out := e.MustRun("db", "optimize"); !strings.Contains(out, "nothing to merge") {
				t.Errorf("db optimize on PostgreSQL says %q", out)
			}
			return
		}
		// Messages, subjects, files attached (none) and people.
		if len(got.Indexes) != 4 || got.Indexes[0].Before < 2 || got.Indexes[0].After != 1 || got.Indexes[1].After != 1 ||
			got.Indexes[2].After != 0 || got.Indexes[3].After != 1 {
			t.Fatalf("db optimize -o json = %+v, want the indexes merged into one segment each, the attachments' empty", got)
		}
		out := e.MustRun("db", "optimize")
		for _, want := range []string{"Merged the search index of sqlite:", "messages_fts    one segment already", "tickets_fts     one segment already",
			"attachments_fts empty", "users_fts       one segment already"} {
			if !strings.Contains(out, want) {
				t.Errorf("second db optimize lacks %q:\n%s", want, out)
			}
		}
		if out := e.MustRun("search", "burns"); !strings.Contains(out, "Printer on fire") {
			t.Errorf("search after db optimize:\n%s", out)
		}
	})
}
