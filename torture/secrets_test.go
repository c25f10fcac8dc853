package torture

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sak/mailstore/storetest"
)

// TestSecrets: the SQLite file is readable by its owner only, and a DSN
// password never reaches the log.
func TestSecrets(t *testing.T) {
	t.Run("sqlite file mode", func(t *testing.T) {
		dsn := filepath.Join(t.TempDir(), "sak.db")
		seed(t, dsn)
		for _, f := range []string{dsn, dsn + "-wal"} {
			st, err := os.Stat(f)
			if err != nil {
				continue // the WAL may be checkpointed away
			}
			if st.Mode().Perm()&0o077 != 0 {
				t.Fatalf("%s has mode %v, want owner-only", f, st.Mode().Perm())
			}
		}
	})
	t.Run("postgres password not logged", func(t *testing.T) {
		dsn := storetest.PostgresDSN(t)
		u, _ := url.Parse(dsn)
		u.User = url.UserPassword(u.User.Username(), "s3cret-pw")
		dsn = u.String() // trust auth here: the password is ignored, but it is in the DSN
		seed(t, dsn)
		d := startDaemon(t, dsn)
		if err := sendOnce(d.addr, mail{id: "secret@torture.test", from: "x@example.net", body: "x"}); err != nil {
			t.Fatal(err)
		}
		d.stop()
		if log := d.logText(); strings.Contains(log, "s3cret-pw") || !strings.Contains(log, "postgres:xxxxx@") {
			t.Fatalf("daemon log shows the password or no database:\n%s", log)
		}
	})
}
