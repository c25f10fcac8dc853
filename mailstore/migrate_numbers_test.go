package mailstore_test

import (
	"os"
	"strings"
	"testing"

	"sak/mailstore"
)

// TestMigrationsAlike: both databases have the same numbered migrations,
// so that one schema version names the same schema on either.
func TestMigrationsAlike(t *testing.T) {
	names := func(dir string) []string {
		es, err := os.ReadDir("migrations/" + dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			num, _, _ := strings.Cut(e.Name(), "_")
			out = append(out, num)
		}
		return out
	}
	lite, pg := names("sqlite"), names("postgres")
	if strings.Join(lite, ",") != strings.Join(pg, ",") {
		t.Errorf("migrations differ: sqlite %v, postgres %v", lite, pg)
	}
	if mailstore.SchemaVersionBuilt() != len(lite) {
		t.Errorf("SchemaVersionBuilt = %d, want %d", mailstore.SchemaVersionBuilt(), len(lite))
	}
}
