package group_test

import (
	"slices"
	"testing"

	"sak/cli/clitest"
)

type groupJSON struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Members     []string `json:"members"`
	Roles       []struct {
		Queue  string `json:"queue"`
		Role   string `json:"role"`
		Notify string `json:"notify"`
	} `json:"roles"`
}

// TestGroups: a manager makes a group, grants it a role on their queue and
// adds a member, who then works the queue's tickets; removed, they see
// them no more.
func TestGroups(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		e.MustRun("user", "add", "dave", "--email", "dave@example.org", "--name", "Dave Grohl")
		if out := e.MustRunAs("mona", "group", "create", "opptak-team", "--description", "Opptak"); out != "Created group opptak-team.\n" {
			t.Errorf("group create: %q", out)
		}
		if out := e.MustRunAs("mona", "queue", "grant", "support", "--group", "opptak-team", "--role", "caseworker"); out != "Group opptak-team is now a caseworker of support.\n" {
			t.Errorf("queue grant --group: %q", out)
		}
		if out := e.MustRunAs("mona", "group", "add", "opptak-team", "dave", "carol"); out != "Added dave, carol to group opptak-team.\n" {
			t.Errorf("group add: %q", out)
		}
		clitest.Golden(t, "testdata/show.golden", e.MustRunAs("dave", "group", "show", "opptak-team"))
		clitest.Golden(t, "testdata/list.golden", e.MustRunAs("dave", "group", "list"))
		clitest.Golden(t, "testdata/queue_show.golden", e.MustRunAs("dave", "queue", "show", "support"))
		var g groupJSON
		e.JSON("dave", &g, "group", "show", "opptak-team")
		if g.Name != "opptak-team" || g.Description != "Opptak" || !slices.Equal(g.Members, []string{"carol", "dave"}) ||
			len(g.Roles) != 1 || g.Roles[0].Queue != "support" || g.Roles[0].Role != "caseworker" {
			t.Errorf("group show -o json = %+v", g)
		}

		// dave works support through the group.
		e.MustRunAs("dave", "ticket", "take", "1")
		e.MustRunAs("dave", "ticket", "resolve", "1")
		var tk struct {
			Owner  string `json:"owner"`
			Status string `json:"status"`
		}
		e.JSON("dave", &tk, "ticket", "show", "1")
		if tk.Owner != "dave" || tk.Status != "resolved" {
			t.Errorf("ticket 1 after dave's take and resolve: %+v", tk)
		}
		e.JSON("dave", &tk, "ticket", "show", "2")
		if tk.Status != "new" {
			t.Errorf("ticket 2 as dave: %+v", tk)
		}

		// Refusals change nothing.
		r := e.RunAs("bob", "group", "add", "opptak-team", "bob")
		if r.Code != 1 || r.Err != "sak: bob may not manage group opptak-team: sysadmins may, and managers of every queue it holds a role on\n" {
			t.Errorf("caseworker adds: exit %d, %q", r.Code, r.Err)
		}
		r = e.RunAs("mona", "group", "add", "opptak-team", "bob", "nosuch")
		if r.Code != 1 || r.Err != "sak: no user \"nosuch\": see 'sak user list'\n" {
			t.Errorf("unknown login: exit %d, %q", r.Code, r.Err)
		}
		r = e.RunAs("mona", "queue", "grant", "support", "dave", "--group", "opptak-team", "--role", "caseworker")
		if r.Code != 2 {
			t.Errorf("user and group: exit %d, %q", r.Code, r.Err)
		}
		e.JSON("dave", &g, "group", "show", "opptak-team")
		if !slices.Equal(g.Members, []string{"carol", "dave"}) {
			t.Errorf("members after refusals = %v, want carol, dave", g.Members)
		}

		// Out of the group, dave sees support's tickets no more.
		if out := e.MustRunAs("mona", "group", "remove", "opptak-team", "dave"); out != "Removed dave from group opptak-team.\n" {
			t.Errorf("group remove: %q", out)
		}
		r = e.RunAs("dave", "ticket", "show", "2")
		if r.Code != 1 || r.Err != "sak: no ticket 2\n" {
			t.Errorf("ticket show out of the group: exit %d, %q", r.Code, r.Err)
		}
		if out := e.MustRunAs("mona", "queue", "revoke", "support", "--group", "opptak-team"); out != "Group opptak-team has no role on support any more.\n" {
			t.Errorf("queue revoke --group: %q", out)
		}
	})
}
