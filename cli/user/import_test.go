package user_test

import (
	"slices"
	"strings"
	"testing"

	"sak/cli/clitest"
)

// TestImport: users in bulk from CSV. A dry run changes nothing; the
// import adds and joins; run again it changes nothing; a changed address
// is updated; a bad line changes nothing and is named.
func TestImport(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		csv := "login,email,name,groups\n" +
			"alice,alice@example.org,,opptak-team\n" +
			"dave,Dave@Example.org,Dave Grohl,opptak-team;lab\n" +
			"erin,erin@example.org,,\n"
		users := func() []string {
			t.Helper()
			var us []struct {
				Login string `json:"login"`
				Email string `json:"email"`
			}
			e.JSON("root", &us, "user", "list")
			var out []string
			for _, u := range us {
				out = append(out, u.Login+" "+u.Email)
			}
			return out
		}
		members := func(group string) []string {
			t.Helper()
			r := e.Run("group", "show", group, "-o", "json")
			if r.Code != 0 {
				return nil
			}
			var g struct {
				Members []string `json:"members"`
			}
			e.JSON("root", &g, "group", "show", group)
			return g.Members
		}
		before := users()

		r := e.Exec("root", csv, "user", "import", "-", "--dry-run")
		if r.Code != 0 {
			t.Fatalf("dry run: exit %d, %s", r.Code, r.Err)
		}
		clitest.Golden(t, "testdata/import_dry_run.golden", r.Out)
		if got := users(); !slices.Equal(got, before) || members("opptak-team") != nil {
			t.Fatalf("the dry run changed the users: %v, or made opptak-team", got)
		}

		r = e.Exec("root", csv, "user", "import", "-")
		if r.Code != 0 {
			t.Fatalf("import: exit %d, %s", r.Code, r.Err)
		}
		clitest.Golden(t, "testdata/import.golden", r.Out)
		if got := members("opptak-team"); !slices.Equal(got, []string{"alice", "dave"}) {
			t.Errorf("opptak-team = %v, want alice and dave", got)
		}
		if got := members("lab"); !slices.Equal(got, []string{"dave"}) {
			t.Errorf("lab = %v, want dave", got)
		}
		after := users()
		if !slices.Contains(after, "dave dave@example.org") || !slices.Contains(after, "erin erin@example.org") || len(after) != len(before)+2 {
			t.Errorf("users after the import = %v", after)
		}

		// Again: nothing changes.
		if out := e.Exec("root", csv, "user", "import", "-").Out; out != "Imported: 0 users added, 0 changed, 3 unchanged.\n" {
			t.Errorf("import again: %q", out)
		}

		// A changed address is updated.
		changed := strings.Replace(csv, "Dave@Example.org", "dave.grohl@example.org", 1)
		if out := e.Exec("root", changed, "user", "import", "-").Out; out != "LOGIN  CHANGE\ndave   email dave@example.org -> dave.grohl@example.org\nImported: 0 users added, 1 changed, 2 unchanged.\n" {
			t.Errorf("import with a changed address: %q", out)
		}

		// A bad line: nothing changes, the line is named.
		bad := changed + "frank,not an address,,lab\n"
		bad = strings.Replace(bad, "Dave Grohl", "David Grohl", 1)
		r = e.Exec("root", bad, "user", "import", "-")
		if r.Code != 1 || r.Err != "sak: line 5: \"not an address\" is not a mail address\n" {
			t.Errorf("bad line: exit %d, %q", r.Code, r.Err)
		}
		var us []struct {
			Login string `json:"login"`
			Name  string `json:"name"`
		}
		e.JSON("root", &us, "user", "list")
		for _, u := range us {
			if u.Login == "dave" && u.Name != "Dave Grohl" || u.Login == "frank" {
				t.Errorf("after a refused import: %+v", u)
			}
		}

		r = e.Exec("alice", csv, "user", "import", "-")
		if r.Code != 1 || r.Err != "sak: only a sysadmin may import users, and alice is not one\n" {
			t.Errorf("alice imports: exit %d, %q", r.Code, r.Err)
		}
	})
}
