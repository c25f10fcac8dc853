package rt

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestImportedRights reads an imported RT database as jonas, whose only
// team (IT-hjelp) makes him a caseworker of it-help: he lists, finds and
// counts it-help's tickets and those he owns, and no other.
func TestImportedRights(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		e := loadExpected(t)
		s := open(t)
		importInto(t, ctx, openFixture(t, fixtureCopy(t)), s, Options{})
		jonas := s.As("jonas")

		ts, err := jonas.ListTickets(ctx, mailstore.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		inIT := 0
		for _, tk := range ts {
			switch {
			case tk.Queue == "it-help":
				inIT++
			case tk.OwnerLogin() != "jonas":
				t.Errorf("jonas lists ticket %d of %s, owned by %q", tk.ID, tk.Queue, tk.OwnerLogin())
			}
		}
		want := 0
		for _, n := range e.PerQueueStatusNotMerged["it-help"] {
			want += n
		}
		if inIT != want {
			t.Errorf("jonas lists %d tickets of it-help, want %d", inIT, want)
		}

		rows, _, err := jonas.Stats(ctx, mailstore.StatsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Queue != "it-help" || rows[0].Received != want-e.PerQueueStatusNotMerged["it-help"]["deleted"] {
			t.Errorf("jonas's stats = %+v, want it-help alone with %d received", rows, want)
		}

		// A ticket of opptak is found by root and not by jonas.
		all, err := s.As("root").ListTickets(ctx, mailstore.Filter{Queues: []string{"opptak"}, Limit: 1})
		if err != nil || len(all) == 0 {
			t.Fatalf("root lists opptak: %v, %v", all, err)
		}
		word := strings.Fields(all[0].Subject)[0]
		for as, want := range map[string]bool{"root": true, "jonas": false} {
			hits, err := s.As(as).Search(ctx, word, mailstore.SearchFilter{})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, h := range hits {
				found = found || h.ID == all[0].ID
				if as == "jonas" && h.Queue != "it-help" && h.OwnerLogin() != "jonas" {
					t.Errorf("jonas finds ticket %d of %s", h.ID, h.Queue)
				}
			}
			if found != want {
				t.Errorf("search %q as %s finds ticket %d: %v, want %v", word, as, all[0].ID, found, want)
			}
		}
		if _, err := jonas.Ticket(ctx, all[0].ID); err == nil {
			t.Errorf("jonas reads ticket %d of opptak", all[0].ID)
		}
	})
}

// TestImportedGroups: RT's teams come over as groups of their members,
// holding the team's queue rights as roles, and a queue's AdminCcs as
// watchers: a user, and a team made AdminCc of opptak in this copy of
// the fixture. Out of the team, a member works its queue no more.
func TestImportedGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		path := fixtureCopy(t)
		raw, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		// Queue opptak's AdminCc role group is 31; team IT-hjelp is 51.
		if _, err := raw.Exec(`INSERT INTO GroupMembers (GroupId, MemberId, Creator, Created, LastUpdatedBy, LastUpdated) VALUES (31, 51, 1, '2024-01-01 00:00:00', 1, '2024-01-01 00:00:00')`); err != nil {
			t.Fatal(err)
		}
		raw.Close()
		s := open(t)
		sum := importInto(t, ctx, openFixture(t, path), s, Options{})
		if sum.Groups != 3 {
			t.Errorf("summary: %d groups, want 3", sum.Groups)
		}
		want := map[string]struct {
			members []string
			roles   []mailstore.GroupRole
		}{
			"support-team": {[]string{"anna", "erik", "siri"}, []mailstore.GroupRole{{Queue: "support", Role: "caseworker"}}},
			"opptak":       {[]string{"maria", "paal", "siri"}, []mailstore.GroupRole{{Queue: "opptak", Role: "caseworker"}}},
			"it-hjelp":     {[]string{"erik", "jonas"}, []mailstore.GroupRole{{Queue: "it-help", Role: "caseworker"}, {Queue: "opptak", Role: "watcher", Notify: "all"}}},
		}
		gs, err := s.Groups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(gs) != len(want) {
			t.Fatalf("groups = %+v, want %d", gs, len(want))
		}
		for _, g := range gs {
			w := want[g.Name]
			if !slices.Equal(g.Members, w.members) || !slices.Equal(g.Roles, w.roles) || !strings.HasPrefix(g.Description, "Caseworkers of queue") {
				t.Errorf("group %s = %+v, want members %v and roles %+v", g.Name, g, w.members, w.roles)
			}
		}
		// The teams' roles are the groups', not copied to each member.
		var own int
		if err := s.DB().QueryRow(`SELECT COUNT(*) FROM queue_roles WHERE role = 'caseworker'`).Scan(&own); err != nil || own != 0 {
			t.Errorf("%d caseworker roles granted to users one by one (%v), want 0", own, err)
		}
		ms, err := s.Members(ctx, "opptak")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(ms, mailstore.Member{Login: "maria", Email: "maria.solberg@example.org", Name: "Maria Solberg", Role: "watcher", Notify: "all"}) {
			t.Errorf("maria is not a watcher of opptak of her own: %+v", ms)
		}

		seesIT := func() int {
			t.Helper()
			n, err := s.As("jonas").CountTickets(ctx, mailstore.Filter{Queues: []string{"it-help"}, NoOwner: true})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if seesIT() == 0 {
			t.Fatal("jonas sees no unowned ticket of it-help through IT-hjelp")
		}
		if _, err := s.RemoveGroupMembers(ctx, "root", "it-hjelp", []string{"jonas"}); err != nil {
			t.Fatal(err)
		}
		if n := seesIT(); n != 0 {
			t.Errorf("out of it-hjelp, jonas sees %d unowned tickets of it-help", n)
		}
		// Imported again, nothing more.
		sum = importInto(t, ctx, openFixture(t, path), s, Options{})
		if sum.Groups != 0 || sum.Roles != 0 {
			t.Errorf("the second import made %d groups and %d roles, want none", sum.Groups, sum.Roles)
		}
	})
}
