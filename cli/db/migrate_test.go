package db_test

import (
	"encoding/json"
	"strings"
	"testing"

	"sak/cli/clitest"
)

func TestMigrate(t *testing.T) {
	e := clitest.SQLite(t)
	out := e.MustRun("db", "migrate")
	if !strings.HasPrefix(out, "Migrated database sqlite:") || !strings.Contains(out, "from schema version 0 to ") {
		t.Errorf("first migrate: %q", out)
	}
	if out := e.MustRun("db", "migrate"); !strings.Contains(out, "is up to date (schema version ") {
		t.Errorf("second migrate: %q", out)
	}
	var got struct {
		Dialect string `json:"dialect"`
		From    int    `json:"from_version"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal([]byte(e.MustRun("db", "migrate", "-o", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if got.Dialect != "sqlite" || got.From != got.Version || got.Version < 1 {
		t.Errorf("db migrate -o json = %+v", got)
	}
}
