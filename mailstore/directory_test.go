package mailstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// dirUsers is a directory of "login email name" lines.
func dirUsers(lines ...string) *mailstore.Directory {
	d := &mailstore.Directory{}
	for _, l := range lines {
		f := strings.SplitN(l, " ", 3)
		for len(f) < 3 {
			f = append(f, "")
		}
		d.Users = append(d.Users, mailstore.DirectoryUser{Ref: "uid=" + f[0] + ",ou=people", Login: f[0], Email: f[1], Name: f[2]})
	}
	return d
}

// changes renders a report's changes, one "action login" (and the
// changed fields, or the reason's start) per line.
func changes(r *mailstore.DirectoryReport) string {
	var b strings.Builder
	for _, c := range r.Changes {
		fmt.Fprintf(&b, "%s %s", c.Action, c.Login)
		switch c.Action {
		case mailstore.DirChange:
			fmt.Fprintf(&b, " %s", strings.Join(c.Changed, ","))
		case mailstore.DirSkip:
			fmt.Fprintf(&b, " (%s)", c.Reason)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// userLine is a user as "login email name disabled".
func userLine(t *testing.T, s *mailstore.Store, login string) string {
	t.Helper()
	u, err := s.User(context.Background(), login)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%s %s %q disabled=%v", u.Login, u.Email, u.Name, u.Disabled)
}

func dirSync(t *testing.T, s *mailstore.Store, d *mailstore.Directory, dry bool) string {
	t.Helper()
	r, err := s.SyncDirectory(context.Background(), "root", d, dry)
	if err != nil {
		t.Fatalf("SyncDirectory: %v", err)
	}
	return changes(r)
}

func wantChanges(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("changes:\n%s\nwant:\n%s", got, want)
	}
}

// TestDirectorySync: users come from the directory, follow its changes,
// are disabled when they leave and enabled when they return; local users
// are never touched; a second sync changes nothing; a dry run changes
// nothing and reports what the sync then does.
func TestDirectorySync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		ctx := context.Background()
		if _, err := s.AddUser(ctx, "", mailstore.NewUser{Login: "root", Email: "root@example.org", Sysadmin: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddUser(ctx, "root", mailstore.NewUser{Login: "local", Email: "local@example.org"}); err != nil {
			t.Fatal(err)
		}
		d := dirUsers("alice Alice@Example.org Alice Liddell", "bob bob@example.org Bob Dylan", "carol carol@example.org Carol")

		dry := dirSync(t, s, d, true)
		wantChanges(t, dry, "add alice\nadd bob\nadd carol\n")
		if got := userLine(t, s, "alice"); !strings.Contains(got, "no user") {
			t.Errorf("after a dry run alice is %s, want no user", got)
		}
		if got := dirSync(t, s, d, false); got != dry {
			t.Errorf("sync did\n%s\nthe dry run said\n%s", got, dry)
		}
		if got, want := userLine(t, s, "alice"), `alice alice@example.org "Alice Liddell" disabled=false`; got != want {
			t.Errorf("alice = %s, want %s", got, want)
		}
		wantChanges(t, dirSync(t, s, d, false), "")

		// bob changes address and name; carol leaves.
		d = dirUsers("alice alice@example.org Alice Liddell", "bob robert@example.org Robert Dylan")
		wantChanges(t, dirSync(t, s, d, true), "change bob email,name\ndisable carol\n")
		if got, want := userLine(t, s, "carol"), `carol carol@example.org "Carol" disabled=false`; got != want {
			t.Errorf("after a dry run carol = %s, want %s", got, want)
		}
		wantChanges(t, dirSync(t, s, d, false), "change bob email,name\ndisable carol\n")
		for login, want := range map[string]string{
			"bob":   `bob robert@example.org "Robert Dylan" disabled=false`,
			"carol": `carol carol@example.org "Carol" disabled=true`,
			"root":  `root root@example.org "" disabled=false`,
			"local": `local local@example.org "" disabled=false`,
		} {
			if got := userLine(t, s, login); got != want {
				t.Errorf("%s = %s, want %s", login, got, want)
			}
		}
		wantChanges(t, dirSync(t, s, d, false), "")

		// carol comes back.
		d.Users = append(d.Users, mailstore.DirectoryUser{Login: "carol", Email: "carol@example.org", Name: "Carol"})
		wantChanges(t, dirSync(t, s, d, false), "enable carol\n")
		if got, want := userLine(t, s, "carol"), `carol carol@example.org "Carol" disabled=false`; got != want {
			t.Errorf("carol = %s, want %s", got, want)
		}

		// Disabled by hand while listed: stays disabled, and is not
		// enabled when they leave and come back either.
		if err := s.DisableUser(ctx, "root", "alice"); err != nil {
			t.Fatal(err)
		}
		wantChanges(t, dirSync(t, s, d, false), "")
		if got := userLine(t, s, "alice"); !strings.HasSuffix(got, "disabled=true") {
			t.Errorf("alice, disabled by hand, = %s", got)
		}
		wantChanges(t, dirSync(t, s, dirUsers("bob robert@example.org Robert Dylan", "carol carol@example.org Carol"), false), "")
		wantChanges(t, dirSync(t, s, d, false), "")
		if got := userLine(t, s, "alice"); !strings.HasSuffix(got, "disabled=true") {
			t.Errorf("alice, disabled by hand, = %s after leaving and coming back", got)
		}
	})
}

// TestDirectorySyncConflicts: entries sak cannot take are skipped with
// their reason, and nothing is disabled for them; a requestor gets the
// login of their address; a local user the directory lists is adopted;
// the last sysadmin is not disabled.
func TestDirectorySyncConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s) // root, alice, bob, carol, walt
		in := incoming(q, "pat@example.com", "p1@example.com", "Help", "Please.")
		in.FromName = "Pat"
		mustDeliver(t, s, in)

		d := dirUsers(
			"alice alice@example.org Alice",   // adopted
			"pat pat@example.com",             // a requestor: gets the login, keeps the name
			"dave bob@example.org Dave",       // bob's address
			"Bad!login bad@example.org",       // not a login
			"erin not-an-address Erin",        // not an address
			"frank  Frank",                    // no address
			"gina gina@example.org Gina",      // listed twice
			"gina gina2@example.org Gina Two", //
			"hal gina@example.org Hal",        // an address listed twice
		)
		got := dirSync(t, s, d, false)
		for _, want := range []string{
			"adopt alice\nchange alice name\n",
			"add pat\n",
			"skip dave (uid=dave,ou=people: bob@example.org is the address of user bob already)\n",
			`skip bad!login (uid=Bad!login,ou=people: login "Bad!login" is not one sak takes`,
			`skip erin (uid=erin,ou=people: "not-an-address" is not a mail address)`,
			"skip frank (uid=frank,ou=people: no mail address)\n",
			"add gina\n",
			"skip gina (uid=gina,ou=people: login gina is listed by uid=gina,ou=people too)\n",
			"skip hal (uid=hal,ou=people: address gina@example.org is listed by uid=gina,ou=people too)\n",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("changes lack %q:\n%s", want, got)
			}
		}
		if got, want := userLine(t, s, "pat"), `pat pat@example.com "Pat" disabled=false`; got != want {
			t.Errorf("pat = %s, want %s", got, want)
		}
		if n := strings.Count(got, "\n"); n != 10 {
			t.Errorf("%d changes, want 10:\n%s", n, got)
		}

		// Skipped entries keep their users: erin and frank, made in
		// sak, were never the directory's; alice, the directory's now,
		// is not disabled for an entry that lost its address.
		d = dirUsers("alice  Alice", "pat pat@example.com Pat")
		wantChanges(t, dirSync(t, s, d, false), "skip alice (uid=alice,ou=people: no mail address)\ndisable gina\n")
		if got := userLine(t, s, "alice"); !strings.HasSuffix(got, "disabled=false") {
			t.Errorf("alice = %s, want enabled", got)
		}
		for _, login := range []string{"root", "bob", "carol", "walt"} {
			if got := userLine(t, s, login); !strings.HasSuffix(got, "disabled=false") {
				t.Errorf("%s, not the directory's, = %s", login, got)
			}
		}

		// An address change to another user's is skipped; the name
		// still changes.
		d = dirUsers("alice bob@example.org Alice L.", "pat pat@example.com Pat")
		wantChanges(t, dirSync(t, s, d, false),
			"skip alice (uid=alice,ou=people: bob@example.org is the address of user bob already)\nchange alice name\n")

		// root adopted, then gone: the last sysadmin stays.
		d = dirUsers("root root@example.org Root", "alice alice@example.org Alice L.", "pat pat@example.com Pat")
		wantChanges(t, dirSync(t, s, d, false), "adopt root\n")
		d = dirUsers("pat pat@example.com Pat")
		got = dirSync(t, s, d, false)
		if want := "skip root (not listed, but root is the last sysadmin"; !strings.Contains(got, want) {
			t.Errorf("changes lack %q:\n%s", want, got)
		}
		if !strings.Contains(got, "disable alice\n") {
			t.Errorf("alice not disabled:\n%s", got)
		}
	})
}

// TestDirectorySyncRefused: only sysadmins sync, and an empty directory
// is refused, changing nothing.
func TestDirectorySyncRefused(t *testing.T) {
	s := storetest.SQLite(t)
	storetest.Desk(t, s)
	ctx := context.Background()
	if _, err := s.SyncDirectory(ctx, "root", dirUsers("zed zed@example.org"), false); err != nil {
		t.Fatal(err)
	}
	_, err := s.SyncDirectory(ctx, "alice", dirUsers("yan yan@example.org"), false)
	if !errors.Is(err, mailstore.ErrPermission) {
		t.Errorf("sync as alice: %v, want ErrPermission", err)
	}
	_, err = s.SyncDirectory(ctx, "root", &mailstore.Directory{}, false)
	if !errors.Is(err, mailstore.ErrInvalid) || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("sync of no users: %v, want ErrInvalid", err)
	}
	for _, login := range []string{"zed", "alice"} {
		if got := userLine(t, s, login); !strings.HasSuffix(got, "disabled=false") {
			t.Errorf("%s = %s, want enabled", login, got)
		}
	}
	if got := userLine(t, s, "yan"); !strings.Contains(got, "no user") {
		t.Errorf("yan = %s, want no user", got)
	}
}

// TestDirectorySyncLease: the scheduled sync runs on one holder at a
// time, once in its interval, again after a failure only after the
// retry time, and a holder whose lease ran out changes nothing.
func TestDirectorySyncLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
		s := open(t, mailstore.WithClock(func() time.Time { return now }))
		storetest.Desk(t, s)
		ctx := context.Background()
		claim := func(holder string) bool {
			t.Helper()
			ok, err := s.ClaimDirectorySync(ctx, holder, time.Hour, 10*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		finish := func(holder string, ok bool) {
			t.Helper()
			if err := s.FinishDirectorySync(ctx, holder, ok, 5*time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		d := dirUsers("zed zed@example.org Zed")
		if !claim("a") {
			t.Fatal("a did not get the first lease")
		}
		if claim("b") {
			t.Error("b got the lease a holds")
		}
		if _, err := s.SyncDirectoryLeased(ctx, "b", d); !errors.Is(err, mailstore.ErrConflict) {
			t.Errorf("b synced without the lease: %v", err)
		}
		if _, err := s.SyncDirectoryLeased(ctx, "a", d); err != nil {
			t.Errorf("a synced with the lease: %v", err)
		}
		finish("a", true)
		now = now.Add(30 * time.Minute)
		if claim("b") || claim("a") {
			t.Error("claimed within the hour after a sync")
		}
		now = now.Add(31 * time.Minute)
		if !claim("b") {
			t.Fatal("b did not get the lease an hour after the sync")
		}
		finish("b", false)
		now = now.Add(4 * time.Minute)
		if claim("a") || claim("b") {
			t.Error("claimed within the retry time of a failed sync")
		}
		now = now.Add(2 * time.Minute)
		if !claim("a") {
			t.Fatal("a did not get the lease after the retry time")
		}
		// a dies; its lease runs out after 10 minutes, and so does its
		// right to sync.
		now = now.Add(11 * time.Minute)
		if _, err := s.SyncDirectoryLeased(ctx, "a", dirUsers("yan yan@example.org")); !errors.Is(err, mailstore.ErrConflict) {
			t.Errorf("a synced on a lease that ran out: %v", err)
		}
		if !claim("b") {
			t.Error("b did not get the lease that ran out")
		}
		if got := userLine(t, s, "yan"); !strings.Contains(got, "no user") {
			t.Errorf("yan = %s, want no user", got)
		}
	})
}

// members renders the groups as "name: member,member" lines.
func members(t *testing.T, s *mailstore.Store) string {
	t.Helper()
	gs, err := s.Groups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, g := range gs {
		fmt.Fprintf(&b, "%s: %s\n", g.Name, strings.Join(g.Members, ","))
	}
	return b.String()
}

// groupChanges renders the group changes of a report.
func groupChanges(r *mailstore.DirectoryReport) string {
	var b strings.Builder
	for _, c := range r.Changes {
		if c.Group == "" {
			continue
		}
		fmt.Fprintf(&b, "%s %s", c.Action, c.Group)
		if len(c.Added) > 0 {
			fmt.Fprintf(&b, " +%s", strings.Join(c.Added, ",+"))
		}
		if len(c.Removed) > 0 {
			fmt.Fprintf(&b, " -%s", strings.Join(c.Removed, ",-"))
		}
		if c.Reason != "" {
			fmt.Fprintf(&b, " (%s)", c.Reason)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestDirectorySyncGroups: the directory's groups are made, adopted and
// given the directory's members who are active users; a member who
// leaves leaves the group; a group that leaves is emptied, and keeps its
// roles for when it comes back; local groups are never touched; the
// roles granted to a group are held by the members the directory gives
// it.
func TestDirectorySyncGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		ctx := context.Background()
		storetest.Desk(t, s) // root, alice, bob, carol, walt; queues support, it-help
		for _, g := range []string{"local", "staff"} {
			if _, err := s.CreateGroup(ctx, "root", g, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.AddGroupMembers(ctx, "root", "local", []string{"walt"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddGroupMembers(ctx, "root", "staff", []string{"walt"}); err != nil {
			t.Fatal(err)
		}
		sync := func(d *mailstore.Directory, dry bool) string {
			t.Helper()
			r, err := s.SyncDirectory(ctx, "root", d, dry)
			if err != nil {
				t.Fatal(err)
			}
			return groupChanges(r)
		}
		d := dirUsers("anna anna@uni.example Anna", "bjorn bjorn@uni.example Bjørn", "cecilie cecilie@uni.example Cecilie")
		d.GroupsRead = true
		d.Groups = []mailstore.DirectoryGroup{
			{Ref: "cn=exams", Name: "Exams", Members: []string{"anna", "BJORN", "nobody"}},
			{Ref: "cn=staff", Name: "staff", Members: []string{"cecilie"}},
			{Ref: "cn=bad", Name: "bad group!"},
			{Ref: "cn=exams2", Name: "exams", Members: []string{"cecilie"}},
		}
		const first = "skip bad group! (cn=bad: group name \"bad group!\" is not one sak takes (lower-case letters, digits, '.', '-' and '_'))\n" +
			"group-add exams\nmembers exams +anna,+bjorn\n" +
			"skip exams (cn=exams2: group exams is listed by cn=exams too)\n" +
			"group-adopt staff (made in sak, listed by cn=staff)\nmembers staff +cecilie -walt\n"
		if got := sync(d, true); got != first {
			t.Errorf("dry run:\n%s\nwant:\n%s", got, first)
		}
		if got, want := members(t, s), "local: walt\nstaff: walt\n"; got != want {
			t.Errorf("after a dry run, groups:\n%s\nwant:\n%s", got, want)
		}
		if got := sync(d, false); got != first {
			t.Errorf("sync:\n%s\nwant:\n%s", got, first)
		}
		if got, want := members(t, s), "exams: anna,bjorn\nlocal: walt\nstaff: cecilie\n"; got != want {
			t.Errorf("groups:\n%s\nwant:\n%s", got, want)
		}
		if got := sync(d, false); !strings.HasPrefix(got, "skip bad group!") || strings.Count(got, "\n") != 2 {
			t.Errorf("second sync changed groups:\n%s", got)
		}

		// A role granted to the directory's group is its members'.
		if err := s.GrantRole(ctx, "root", "support", mailstore.RoleGrant{Group: "exams", Role: mailstore.RoleCaseworker}); err != nil {
			t.Fatal(err)
		}
		id, err := s.CreateTicket(ctx, "anna", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com"}, Subject: "Exam room"})
		if err != nil {
			t.Fatalf("anna, a caseworker through exams, creates a ticket: %v", err)
		}

		// anna leaves the directory; bjorn leaves exams; staff leaves.
		d = dirUsers("bjorn bjorn@uni.example Bjørn", "cecilie cecilie@uni.example Cecilie")
		d.GroupsRead = true
		d.Groups = []mailstore.DirectoryGroup{{Ref: "cn=exams", Name: "exams", Members: []string{"anna", "cecilie"}}}
		if got, want := sync(d, false), "members exams +cecilie -anna,-bjorn\ngroup-empty staff -cecilie\n"; got != want {
			t.Errorf("sync:\n%s\nwant:\n%s", got, want)
		}
		if got, want := members(t, s), "exams: cecilie\nlocal: walt\nstaff: \n"; got != want {
			t.Errorf("groups:\n%s\nwant:\n%s", got, want)
		}
		if err := s.Take(ctx, "bjorn", id); !errors.Is(err, mailstore.ErrPermission) && !errors.Is(err, mailstore.ErrNotFound) {
			t.Errorf("bjorn, out of exams, takes the ticket: %v", err)
		}
		if err := s.Take(ctx, "cecilie", id); err != nil {
			t.Errorf("cecilie, in exams now, takes the ticket: %v", err)
		}

		// staff comes back; without groups read, groups stay.
		d.Groups = append(d.Groups, mailstore.DirectoryGroup{Ref: "cn=staff", Name: "staff", Members: []string{"bjorn"}})
		if got, want := sync(d, false), "members staff +bjorn\n"; got != want {
			t.Errorf("sync:\n%s\nwant:\n%s", got, want)
		}
		d.GroupsRead, d.Groups = false, nil
		if got := sync(d, false); got != "" {
			t.Errorf("sync without groups changed groups:\n%s", got)
		}
		d.GroupsRead = true
		if _, err := s.SyncDirectory(ctx, "root", d, false); !errors.Is(err, mailstore.ErrInvalid) {
			t.Errorf("sync of no groups: %v, want ErrInvalid", err)
		}
		if got, want := members(t, s), "exams: cecilie\nlocal: walt\nstaff: bjorn\n"; got != want {
			t.Errorf("groups:\n%s\nwant:\n%s", got, want)
		}
	})
}
