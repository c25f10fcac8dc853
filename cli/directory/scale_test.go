package directory_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"sak/cli/clitest"
	"sak/importer/ldapdir"
	"sak/internal/testldap"
)

// Scale of the directory of TestSyncScale: a university's caseworkers.
const (
	scaleUsers  = 1400
	scaleGroups = 250
)

// scaleLDIF is a directory of scaleUsers people and scaleGroups groups,
// every fifth a posixGroup (memberUid), the others groupOfNames (member
// DNs), of 5 to 64 members each; and how many memberships it holds.
func scaleLDIF() (string, int) {
	var b strings.Builder
	for i := range scaleUsers {
		fmt.Fprintf(&b, "dn: uid=u%04d,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: u%04d\ncn: Person Number %d\nsn: Number %d\nmail: u%04d@uni.example\n\n", i, i, i, i, i)
	}
	n := 0
	for g := range scaleGroups {
		members := 5 + g*37%60
		posix := g%5 == 0
		if posix {
			fmt.Fprintf(&b, "dn: cn=g%03d,ou=groups,dc=example,dc=org\nobjectClass: posixGroup\ncn: g%03d\ngidNumber: %d\n", g, g, 1000+g)
		} else {
			fmt.Fprintf(&b, "dn: cn=g%03d,ou=groups,dc=example,dc=org\nobjectClass: groupOfNames\ncn: g%03d\n", g, g)
		}
		for m := range members {
			u := (g*53 + m*97) % scaleUsers
			if posix {
				fmt.Fprintf(&b, "memberUid: u%04d\n", u)
			} else {
				fmt.Fprintf(&b, "member: uid=u%04d,ou=people,dc=example,dc=org\n", u)
			}
			n++
		}
		b.WriteString("\n")
	}
	return b.String(), n
}

// TestSyncScale times 'sak directory sync' of 1,400 people and 250
// groups from a real slapd, on both databases: the first sync (all
// added), a second (nothing to change), and one after 50 people left,
// 50 came, 20 changed address and 25 groups changed members. It runs
// only with SAK_DIRECTORY_SCALE=1 (BENCHMARKS.md).
func TestSyncScale(t *testing.T) {
	if os.Getenv("SAK_DIRECTORY_SCALE") == "" {
		t.Skip("set SAK_DIRECTORY_SCALE=1 to time a sync of 1,400 people and 250 groups")
	}
	ldif, memberships := scaleLDIF()
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(testldap.RootPW), 0o600); err != nil {
		t.Fatal(err)
	}
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		start := time.Now()
		srv := testldap.Start(t, ldif, testldap.Options{})
		t.Logf("slapd with %d people, %d groups, %d memberships: loaded and up in %v", scaleUsers, scaleGroups, memberships, time.Since(start).Round(time.Millisecond))
		// As a service account with no size limit: slapd's default
		// (500) stops anonymous searches, paged or not.
		cfg := ldapdir.Config{URL: srv.URL, Base: "ou=people," + testldap.Suffix, GroupBase: "ou=groups," + testldap.Suffix,
			BindDN: testldap.RootDN, BindPassword: testldap.RootPW}
		start = time.Now()
		if _, err := ldapdir.Read(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		t.Logf("reading the directory alone (ldapdir.Read): %v", time.Since(start).Round(time.Millisecond))
		flags := []string{"directory", "sync", "--ldap", srv.URL, "--base", cfg.Base, "--group-base", cfg.GroupBase,
			"--bind-dn", testldap.RootDN, "--bind-password-file", pw}
		e.MustRun("user", "add", "root", "--email", "root@example.org", "--sysadmin")
		timed := func(what string) {
			t.Helper()
			start := time.Now()
			out := e.MustRun(flags...)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			t.Logf("%s: %v: %s", what, time.Since(start).Round(time.Millisecond), lines[len(lines)-1])
		}
		timed("first sync")
		timed("second sync")
		churn(t, srv.Admin(t))
		timed("sync after the changes")
		timed("sync again")
	})
}

// churn changes the directory of scaleLDIF: 50 people leave, 50 come,
// 20 change address, 20 groups get other members.
func churn(t *testing.T, admin *ldap.Conn) {
	t.Helper()
	for i := range 50 {
		dn := fmt.Sprintf("uid=u%04d,ou=people,dc=example,dc=org", i)
		if err := admin.Del(ldap.NewDelRequest(dn, nil)); err != nil {
			t.Fatal(err)
		}
		uid := fmt.Sprintf("new%04d", i)
		add := ldap.NewAddRequest("uid="+uid+",ou=people,dc=example,dc=org", nil)
		add.Attribute("objectClass", []string{"inetOrgPerson"})
		add.Attribute("uid", []string{uid})
		add.Attribute("cn", []string{"New Person " + uid})
		add.Attribute("sn", []string{uid})
		add.Attribute("mail", []string{uid + "@uni.example"})
		if err := admin.Add(add); err != nil {
			t.Fatal(err)
		}
	}
	for i := 100; i < 120; i++ {
		mod := ldap.NewModifyRequest(fmt.Sprintf("uid=u%04d,ou=people,dc=example,dc=org", i), nil)
		mod.Replace("mail", []string{fmt.Sprintf("u%04d.new@uni.example", i)})
		if err := admin.Modify(mod); err != nil {
			t.Fatal(err)
		}
	}
	for g := 1; g <= 25; g++ {
		if g%5 == 0 {
			continue // posixGroups keep theirs
		}
		var dns []string
		for m := range 10 {
			dns = append(dns, fmt.Sprintf("uid=u%04d,ou=people,dc=example,dc=org", 50+(g*11+m*131)%(scaleUsers-50)))
		}
		mod := ldap.NewModifyRequest(fmt.Sprintf("cn=g%03d,ou=groups,dc=example,dc=org", g), nil)
		mod.Replace("member", dns)
		if err := admin.Modify(mod); err != nil {
			t.Fatal(err)
		}
	}
}
