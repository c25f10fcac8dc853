package directory_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"sak/cli/clitest"
	"sak/cli/directory"
	"sak/internal/testldap"
)

// person is the LDIF of one person under ou=people.
func person(uid, cn, mail string) string {
	return "dn: uid=" + uid + ",ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: " + uid +
		"\ncn: " + cn + "\nsn: " + cn + "\nmail: " + mail + "\n\n"
}

// addAnna puts anna back in the directory.
func addAnna(admin *ldap.Conn) error {
	add := ldap.NewAddRequest("uid=anna,ou=people,dc=example,dc=org", nil)
	add.Attribute("objectClass", []string{"inetOrgPerson"})
	add.Attribute("uid", []string{"anna"})
	add.Attribute("cn", []string{"Anna Berg"})
	add.Attribute("sn", []string{"Berg"})
	add.Attribute("mail", []string{"anna@uni.example"})
	return admin.Add(add)
}

// TestSync: 'sak directory sync' against a real slapd, on both
// databases: people are added, follow the directory's changes of
// address and name, are disabled when they leave (the tickets' history
// keeps their name) and enabled when they come back; a dry run changes
// nothing; a second run changes nothing; local users stay.
func TestSync(t *testing.T) {
	srv := testldap.Start(t, person("anna", "Anna Berg", "anna@uni.example")+
		person("bjorn", "Bjørn Dæhlie", "bjorn@uni.example")+
		person("cecilie", "Cecilie Skog", "Cecilie.Skog@Uni.example")+`
dn: cn=exams,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: exams
member: uid=anna,ou=people,dc=example,dc=org
member: uid=bjorn,ou=people,dc=example,dc=org

dn: cn=it,ou=groups,dc=example,dc=org
objectClass: posixGroup
cn: it
gidNumber: 1000
memberUid: cecilie
`, testldap.Options{})
	admin := srv.Admin(t)
	flags := []string{"directory", "sync", "--ldap", srv.URL, "--base", "ou=people," + testldap.Suffix, "--group-base", "ou=groups," + testldap.Suffix}
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.MustRun("user", "add", "root", "--email", "root@example.org", "--name", "Root", "--sysadmin")
		e.MustRun("user", "add", "local", "--email", "local@example.org", "--name", "Local Admin")

		clitest.Golden(t, "testdata/sync_dry.golden", e.MustRun(append(flags, "--dry-run")...))
		clitest.Golden(t, "testdata/users_before.golden", e.MustRun("user", "list"))
		clitest.Golden(t, "testdata/sync_add.golden", e.MustRun(flags...))
		clitest.Golden(t, "testdata/users_added.golden", e.MustRun("user", "list"))
		clitest.Golden(t, "testdata/groups_added.golden", e.MustRun("group", "list"))
		if out := e.MustRun(flags...); out != "The directory lists 3 people and 2 groups: nothing to change.\n" {
			t.Errorf("second sync:\n%s", out)
		}

		// anna, a caseworker through exams, works a ticket, then
		// leaves; bjorn's address and cecilie's name change, and
		// cecilie joins exams.
		e.MustRun("queue", "create", "support", "--address", "support@example.org")
		e.MustRun("queue", "grant", "support", "--group", "exams", "--role", "caseworker")
		e.MustRunAs("anna", "ticket", "create", "--queue", "support", "--requestor", "pat@example.com", "--subject", "Exam room")
		e.MustRunAs("anna", "ticket", "take", "1")
		if err := admin.Del(ldap.NewDelRequest("uid=anna,ou=people,dc=example,dc=org", nil)); err != nil {
			t.Fatal(err)
		}
		mod := ldap.NewModifyRequest("uid=bjorn,ou=people,dc=example,dc=org", nil)
		mod.Replace("mail", []string{"bjorn.daehlie@uni.example"})
		if err := admin.Modify(mod); err != nil {
			t.Fatal(err)
		}
		mod = ldap.NewModifyRequest("uid=cecilie,ou=people,dc=example,dc=org", nil)
		mod.Replace("cn", []string{"Cecilie Skog Hansen"})
		if err := admin.Modify(mod); err != nil {
			t.Fatal(err)
		}
		mod = ldap.NewModifyRequest("cn=exams,ou=groups,dc=example,dc=org", nil)
		mod.Add("member", []string{"uid=cecilie,ou=people,dc=example,dc=org"})
		if err := admin.Modify(mod); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { // the next backend starts from the LDIF again
			if err := addAnna(admin); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
				t.Error(err)
			}
			for _, m := range []struct {
				dn, attr string
				v        []string
			}{
				{"uid=bjorn,ou=people", "mail", []string{"bjorn@uni.example"}},
				{"uid=cecilie,ou=people", "cn", []string{"Cecilie Skog"}},
				{"cn=exams,ou=groups", "member", []string{"uid=anna,ou=people,dc=example,dc=org", "uid=bjorn,ou=people,dc=example,dc=org"}},
			} {
				mod := ldap.NewModifyRequest(m.dn+",dc=example,dc=org", nil)
				mod.Replace(m.attr, m.v)
				if err := admin.Modify(mod); err != nil {
					t.Error(err)
				}
			}
		})
		dry := e.MustRun(append(flags, "--dry-run")...)
		clitest.Golden(t, "testdata/users_added.golden", e.MustRun("user", "list"))
		out := e.MustRun(flags...)
		clitest.Golden(t, "testdata/sync_change.golden", out)
		// The dry run's table is the sync's; only the last line differs.
		if table := func(s string) string { return s[:strings.LastIndex(strings.TrimSuffix(s, "\n"), "\n")+1] }; table(dry) != table(out) {
			t.Errorf("the dry run said\n%s\nthe sync did\n%s", dry, out)
		}
		clitest.Golden(t, "testdata/users_left.golden", e.MustRun("user", "list"))
		clitest.Golden(t, "testdata/groups_left.golden", e.MustRun("group", "list"))
		e.MustRunAs("cecilie", "ticket", "steal", "1") // a caseworker through exams now
		if out := e.MustRun("ticket", "show", "1"); !strings.Contains(out, "anna") {
			t.Errorf("ticket 1's history lost anna:\n%s", out)
		}
		if r := e.RunAs("anna", "ticket", "list"); r.Code != 1 || !strings.Contains(r.Err, "user anna is disabled") {
			t.Errorf("anna, gone, lists tickets: exit %d, %q", r.Code, r.Err)
		}
		if out := e.MustRun(flags...); out != "The directory lists 2 people and 2 groups: nothing to change.\n" {
			t.Errorf("sync after the changes:\n%s", out)
		}

		// anna comes back.
		if err := addAnna(admin); err != nil {
			t.Fatal(err)
		}
		clitest.Golden(t, "testdata/sync_back.golden", e.MustRun(flags...))
		e.MustRunAs("anna", "ticket", "list")

		var r struct {
			Users   int  `json:"users"`
			DryRun  bool `json:"dry_run"`
			Changes []struct {
				Action string `json:"action"`
			} `json:"changes"`
		}
		e.JSON("root", &r, append(flags, "--dry-run")...)
		if r.Users != 3 || !r.DryRun || len(r.Changes) != 0 {
			t.Errorf("sync --dry-run -o json = %+v", r)
		}
	})
}

// TestSyncRefused: bad flags, an unreachable or refusing directory and a
// user who is not a sysadmin change nothing, and say what to do; the
// bind password never shows.
func TestSyncRefused(t *testing.T) {
	srv := testldap.Start(t, person("anna", "Anna Berg", "anna@uni.example"), testldap.Options{})
	e := clitest.SQLite(t)
	e.MustRun("user", "add", "root", "--email", "root@example.org", "--sysadmin")
	e.MustRun("user", "add", "bob", "--email", "bob@example.org")
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good"), filepath.Join(dir, "bad")
	if err := os.WriteFile(good, []byte(testldap.RootPW+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"directory", "sync", "--ldap", srv.URL, "--base", testldap.Suffix}
	for _, c := range []struct {
		name string
		as   string
		args []string
		code int
		want string
	}{
		{"no ldap", "root", []string{"directory", "sync", "--base", testldap.Suffix}, 2, "give the directory with --ldap URL and --base DN"},
		{"password without bind dn", "root", append(base, "--bind-password-file", good), 2, "--bind-password-file needs --bind-dn"},
		{"bind dn without password", "root", append(base, "--bind-dn", testldap.RootDN), 1, "--bind-dn needs a password"},
		{"no password file", "root", append(base, "--bind-dn", testldap.RootDN, "--bind-password-file", filepath.Join(dir, "none")), 1, "read the bind password"},
		{"wrong password", "root", append(base, "--bind-dn", testldap.RootDN, "--bind-password-file", bad), 1, "Invalid Credentials"},
		{"no server", "root", []string{"directory", "sync", "--ldap", "ldap://127.0.0.1:1", "--base", testldap.Suffix}, 1, "connect to ldap://127.0.0.1:1"},
		{"bad filter", "root", append(base, "--filter", "uid=*)"), 1, "filter"},
		{"nobody listed", "root", append(base, "--filter", "(uid=nobody)"), 1, "the directory lists no users: check the base DN and the filter"},
		{"not a sysadmin", "bob", base, 1, "only a sysadmin may sync users from a directory, and bob is not one"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.RunAs(c.as, c.args...)
			if r.Code != c.code || !strings.Contains(r.Err, c.want) {
				t.Errorf("exit %d, %q; want exit %d and %q", r.Code, r.Err, c.code, c.want)
			}
			if strings.Contains(r.Out+r.Err, "hunter2") {
				t.Errorf("the password shows: %q %q", r.Out, r.Err)
			}
		})
	}
	if out := e.MustRun("user", "list"); strings.Contains(out, "anna") {
		t.Errorf("a refused sync added anna:\n%s", out)
	}
	if out := e.MustRun(append(base, "--bind-dn", testldap.RootDN, "--bind-password-file", good)...); !strings.Contains(out, "1 added") {
		t.Errorf("sync bound with the password file:\n%s", out)
	}
	t.Setenv(directory.PasswordEnv, testldap.RootPW)
	if out := e.MustRun(append(base, "--bind-dn", testldap.RootDN)...); !strings.Contains(out, "nothing to change") {
		t.Errorf("sync bound with the password in %s:\n%s", directory.PasswordEnv, out)
	}
}
