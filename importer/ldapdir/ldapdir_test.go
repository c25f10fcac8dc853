package ldapdir_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"sak/importer/ldapdir"
	"sak/internal/testldap"
)

// people is the LDIF of n people p01.. under ou=people, and one entry
// that is not a person.
func people(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "dn: uid=p%02d,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: p%02d\ncn: Person %d\nsn: %d\nmail: p%02d@example.org\n\n", i, i, i, i, i)
	}
	b.WriteString("dn: cn=printer,ou=people,dc=example,dc=org\nobjectClass: device\ncn: printer\n")
	return b.String()
}

// TestRead reads the people of a real slapd whose size limit (5) is
// below their number (12): only a paged search reads them all.
func TestRead(t *testing.T) {
	srv := testldap.Start(t, people(12), testldap.Options{SizeLimit: 5})
	ctx := context.Background()
	for _, c := range []struct {
		name string
		cfg  ldapdir.Config
	}{
		{"anonymous", ldapdir.Config{URL: srv.URL, Base: testldap.Suffix, PageSize: 4}},
		{"bound", ldapdir.Config{URL: srv.URL, Base: "ou=people," + testldap.Suffix, BindDN: testldap.RootDN, BindPassword: testldap.RootPW}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := ldapdir.Read(ctx, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Users) != 12 {
				t.Fatalf("read %d users, want 12: %+v", len(d.Users), d.Users)
			}
			u := d.Users[6]
			if u.Login != "p07" || u.Email != "p07@example.org" || u.Name != "Person 7" || u.Ref != "uid=p07,ou=people,dc=example,dc=org" {
				t.Errorf("users[6] = %+v", u)
			}
		})
	}

	// Other attributes and a filter.
	d, err := ldapdir.Read(ctx, ldapdir.Config{URL: srv.URL, Base: testldap.Suffix, Filter: "(|(uid=p01)(uid=p02))", LoginAttr: "mail", NameAttr: "sn"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Users) != 2 || d.Users[0].Login != "p01@example.org" || d.Users[0].Name != "1" {
		t.Errorf("read %+v, want p01 and p02 by mail and sn", d.Users)
	}
}

// TestReadFails: what cannot be read is an error that says so, and reads
// nothing.
func TestReadFails(t *testing.T) {
	srv := testldap.Start(t, people(2), testldap.Options{})
	ctx := context.Background()
	for _, c := range []struct {
		name string
		cfg  ldapdir.Config
		want string
	}{
		{"wrong password", ldapdir.Config{URL: srv.URL, Base: testldap.Suffix, BindDN: testldap.RootDN, BindPassword: "wrong"}, "Invalid Credentials"},
		{"no password", ldapdir.Config{URL: srv.URL, Base: testldap.Suffix, BindDN: testldap.RootDN}, "needs its password"},
		{"bad filter", ldapdir.Config{URL: srv.URL, Base: testldap.Suffix, Filter: "(uid=p01"}, `filter "(uid=p01"`},
		{"no such base", ldapdir.Config{URL: srv.URL, Base: "ou=nobody," + testldap.Suffix}, "No Such Object"},
		{"no base", ldapdir.Config{URL: srv.URL}, "base DN"},
		{"no server", ldapdir.Config{URL: "ldap://127.0.0.1:1", Base: testldap.Suffix}, "connect to ldap://127.0.0.1:1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := ldapdir.Read(ctx, c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Read: %v, want an error with %q", err, c.want)
			}
			if d != nil {
				t.Errorf("Read gave %+v with its error", d)
			}
		})
	}
}

// TestReadGroups: members by DN (groupOfNames, groupOfUniqueNames; any
// case and spacing, a uniqueMember's #UID) and by login (posixGroup);
// a member DN that is not among the people read is left out.
func TestReadGroups(t *testing.T) {
	srv := testldap.Start(t, people(3)+`
dn: cn=exams,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: exams
member: uid=p01,ou=people,dc=example,dc=org
member: UID=P02, OU=People, DC=Example, DC=Org
member: cn=printer,ou=people,dc=example,dc=org

dn: cn=unique,ou=groups,dc=example,dc=org
objectClass: groupOfUniqueNames
cn: unique
uniqueMember: uid=p03,ou=people,dc=example,dc=org#'0101'B

dn: cn=posix,ou=groups,dc=example,dc=org
objectClass: posixGroup
cn: posix
gidNumber: 1000
memberUid: p01
memberUid: p03

dn: cn=empty,ou=groups,dc=example,dc=org
objectClass: posixGroup
cn: empty
gidNumber: 1001
`, testldap.Options{SizeLimit: 2})
	ctx := context.Background()
	d, err := ldapdir.Read(ctx, ldapdir.Config{URL: srv.URL, Base: "ou=people," + testldap.Suffix, GroupBase: "ou=groups," + testldap.Suffix, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range d.Groups {
		got = append(got, g.Name+": "+strings.Join(g.Members, ","))
	}
	if want := "exams: p01,p02|unique: p03|posix: p01,p03|empty: "; strings.Join(got, "|") != want || !d.GroupsRead {
		t.Errorf("groups %q (read %v), want %q", strings.Join(got, "|"), d.GroupsRead, want)
	}
	d, err = ldapdir.Read(ctx, ldapdir.Config{URL: srv.URL, Base: testldap.Suffix})
	if err != nil || d.GroupsRead || d.Groups != nil {
		t.Errorf("without a group base: %+v, %v; want no groups read", d, err)
	}
	if _, err := ldapdir.Read(ctx, ldapdir.Config{URL: srv.URL, Base: testldap.Suffix, GroupBase: "ou=none," + testldap.Suffix}); err == nil || !strings.Contains(err.Error(), "No Such Object") {
		t.Errorf("a group base that is not there: %v", err)
	}
}
