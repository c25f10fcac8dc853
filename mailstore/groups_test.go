package mailstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestGroupGrants: a role granted to a group is held by its members, by
// mail, through the store's operations and in what they read, and is
// theirs no longer once they leave the group.
func TestGroupGrants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		q := storetest.Desk(t, s)
		_, err := s.AddUser(ctx, "root", mailstore.NewUser{Login: "dave", Email: "dave@example.org", Name: "Dave"})
		mustDo(t, err)
		_, err = s.CreateGroup(ctx, "root", "Opptak-team", "Opptak")
		mustDo(t, err)
		g, err := s.AddGroupMembers(ctx, "root", "opptak-team", []string{"dave"})
		mustDo(t, err)
		if g.Name != "opptak-team" || !slices.Equal(g.Members, []string{"dave"}) {
			t.Fatalf("group = %+v, want opptak-team with dave", g)
		}
		mustDo(t, s.GrantRole(ctx, "root", "support", mailstore.RoleGrant{Group: "opptak-team", Role: mailstore.RoleCaseworker}))
		wantErr(t, "grant twice", s.GrantRole(ctx, "root", "support", mailstore.RoleGrant{Group: "opptak-team", Role: mailstore.RoleCaseworker}),
			mailstore.ErrConflict, "group opptak-team is a caseworker of support already")

		id := newTicket(t, s, "alice", "support", "Printer on fire", "The printer burns.")
		sees := func() bool {
			t.Helper()
			ts, err := s.As("dave").ListTickets(ctx, mailstore.Filter{})
			mustDo(t, err)
			return len(ts) == 1 && ts[0].ID == id
		}
		if !sees() {
			t.Fatal("dave does not see the support ticket through opptak-team")
		}
		if ok, err := s.IsCaseworker(ctx, "dave@example.org", q.ID); err != nil || !ok {
			t.Fatalf("IsCaseworker(dave) = %v, %v; want true through the group", ok, err)
		}
		ms, err := s.Members(ctx, "support")
		mustDo(t, err)
		if !slices.Contains(ms, mailstore.Member{Login: "dave", Email: "dave@example.org", Name: "Dave", Role: mailstore.RoleCaseworker, Group: "opptak-team"}) {
			t.Errorf("members of support = %+v, want dave through opptak-team", ms)
		}

		// By mail: take.
		take := incoming(q, "dave@example.org", "take@example.org", fmt.Sprintf("Re: [support #%d] Printer on fire", id), "Mine.")
		take.Tags = []mailstore.Tag{{Tag: "support", ID: id}}
		take.Commands = []mailstore.Action{{Name: "take"}}
		take.Verified = true
		if d := mustDeliver(t, s, take); d.Refused != nil {
			t.Fatalf("dave's [take] by mail was refused: %v", d.Refused)
		}
		// Through the store's operations (the CLI and the API): resolve.
		mustDo(t, s.SetStatus(ctx, "dave", id, "resolve"))
		tk, err := s.Ticket(ctx, id)
		mustDo(t, err)
		if tk.Owner == nil || *tk.Owner != "dave" || tk.Status != mailstore.StatusResolved {
			t.Fatalf("ticket = owner %v status %q, want dave's and resolved", tk.Owner, tk.Status)
		}

		// Out of the group, dave holds no role: he reads and works nothing
		// of support (the ticket he owns aside, which he still sees).
		_, err = s.RemoveGroupMembers(ctx, "root", "opptak-team", []string{"dave"})
		mustDo(t, err)
		mustDo(t, s.Give(ctx, "alice", id, "alice"))
		if sees() {
			t.Error("dave still sees the support ticket after leaving opptak-team")
		}
		if ok, err := s.IsCaseworker(ctx, "dave@example.org", q.ID); err != nil || ok {
			t.Errorf("IsCaseworker(dave) = %v, %v after leaving the group; want false", ok, err)
		}
		other := newTicket(t, s, "alice", "support", "Wifi", "No wifi.")
		wantErr(t, "take out of the group", s.Take(ctx, "dave", other), mailstore.ErrNotFound, fmt.Sprintf("no ticket %d", other))
		again := incoming(q, "dave@example.org", "take2@example.org", fmt.Sprintf("Re: [support #%d] Wifi", other), "Mine.")
		again.Tags = []mailstore.Tag{{Tag: "support", ID: other}}
		again.Commands = []mailstore.Action{{Name: "take"}}
		again.Verified = true
		mustDeliver(t, s, again)
		if tk, err := s.Ticket(ctx, other); err != nil || tk.Owner != nil {
			t.Errorf("ticket %d after dave's [take] out of the group: %+v, %v; want nobody's", other, tk, err)
		}
	})
}

// TestGroupManagement: who may create groups and change their members,
// and bad input changing nothing.
func TestGroupManagement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		storetest.Desk(t, s)
		for _, u := range []string{"mona", "dave", "erin"} {
			_, err := s.AddUser(ctx, "root", mailstore.NewUser{Login: u, Email: u + "@example.org"})
			mustDo(t, err)
		}
		mustDo(t, s.Grant(ctx, "root", "support", "mona", mailstore.RoleManager))

		_, err := s.CreateGroup(ctx, "bob", "bobs", "")
		wantErr(t, "caseworker creates", err, mailstore.ErrPermission, "only sysadmins and queue managers")
		_, err = s.CreateGroup(ctx, "mona", "Bad name!", "")
		wantErr(t, "bad name", err, mailstore.ErrInvalid, "not valid")
		_, err = s.CreateGroup(ctx, "mona", "team", "")
		mustDo(t, err)
		_, err = s.CreateGroup(ctx, "root", "team", "")
		wantErr(t, "twice", err, mailstore.ErrConflict, "exists already")

		// Granted nowhere, the group is the sysadmins' to manage.
		_, err = s.AddGroupMembers(ctx, "mona", "team", []string{"dave"})
		wantErr(t, "ungranted", err, mailstore.ErrPermission, "may not manage group team")
		mustDo(t, s.GrantRole(ctx, "mona", "support", mailstore.RoleGrant{Group: "team", Role: mailstore.RoleCaseworker}))
		_, err = s.AddGroupMembers(ctx, "mona", "team", []string{"dave"})
		mustDo(t, err)
		_, err = s.AddGroupMembers(ctx, "bob", "team", []string{"erin"})
		wantErr(t, "caseworker adds", err, mailstore.ErrPermission, "may not manage group team")

		// All or none: an unknown login, or one already a member, adds nobody.
		_, err = s.AddGroupMembers(ctx, "mona", "team", []string{"erin", "nosuch"})
		wantErr(t, "unknown login", err, mailstore.ErrUnknownUser, "nosuch")
		_, err = s.AddGroupMembers(ctx, "mona", "team", []string{"erin", "dave"})
		wantErr(t, "member already", err, mailstore.ErrConflict, "dave is a member of team already")
		g, err := s.Group(ctx, "team")
		mustDo(t, err)
		if !slices.Equal(g.Members, []string{"dave"}) || len(g.Roles) != 1 || g.Roles[0] != (mailstore.GroupRole{Queue: "support", Role: "caseworker"}) {
			t.Fatalf("team = %+v, want dave alone, caseworker of support", g)
		}
		_, err = s.RemoveGroupMembers(ctx, "mona", "team", []string{"erin"})
		wantErr(t, "not a member", err, mailstore.ErrConflict, "erin is not a member of team")

		// Once the group holds a role on a queue mona does not manage, she
		// manages it no longer: else she could add herself and manage
		// it-help.
		mustDo(t, s.GrantRole(ctx, "root", "it-help", mailstore.RoleGrant{Group: "team", Role: mailstore.RoleManager}))
		_, err = s.AddGroupMembers(ctx, "mona", "team", []string{"mona"})
		wantErr(t, "escalation", err, mailstore.ErrPermission, "may not manage group team")
		mustDo(t, s.RevokeRole(ctx, "root", "it-help", mailstore.RoleGrant{Group: "team"}))
		_, err = s.AddGroupMembers(ctx, "mona", "team", []string{"erin"})
		mustDo(t, err)

		wantErr(t, "user and group", s.GrantRole(ctx, "root", "support", mailstore.RoleGrant{User: "dave", Group: "team", Role: "caseworker"}),
			mailstore.ErrInvalid, "not both")
		wantErr(t, "no group", s.GrantRole(ctx, "root", "support", mailstore.RoleGrant{Group: "nosuch", Role: "caseworker"}),
			mailstore.ErrNotFound, "no group")
		wantErr(t, "revoke not granted", s.RevokeRole(ctx, "root", "it-help", mailstore.RoleGrant{Group: "team", Role: "caseworker"}),
			mailstore.ErrConflict, "group team is not a caseworker of it-help")
		gs, err := s.Groups(ctx)
		mustDo(t, err)
		if len(gs) != 1 || !slices.Equal(gs[0].Members, []string{"dave", "erin"}) {
			t.Fatalf("groups = %+v, want team with dave and erin", gs)
		}
	})
}
