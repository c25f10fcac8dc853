package ticket_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sak/cli/clitest"
	"sak/mailstore"
)

// sortStory gives the seeded tickets two more in support (4, 5),
// priorities (2: 9; 1 and 4: 5) and due times (2, then 5, then 4; 1 and
// 3 none), and touches 2 last.
func sortStory(e *clitest.Env) {
	e.Seed()
	e.MustRunAs("alice", "ticket", "create", "--queue", "support", "--requestor", "sam@example.com", "--subject", "Toner")
	e.MustRunAs("alice", "ticket", "create", "--queue", "support", "--requestor", "sam@example.com", "--subject", "Paper")
	e.MustRunAs("alice", "ticket", "edit", "1", "--priority", "5")
	e.MustRunAs("alice", "ticket", "edit", "4", "--priority", "5", "--due", "2026-12-03")
	e.MustRunAs("alice", "ticket", "edit", "5", "--due", "2026-12-02")
	e.MustRunAs("alice", "ticket", "edit", "2", "--priority", "9", "--due", "2026-12-01")
}

// listIDs is the numbers of the tickets 'ticket list --all' with args
// prints as JSON.
func listIDs(e *clitest.Env, as string, args ...string) []int64 {
	e.T.Helper()
	var ts []mailstore.Ticket
	e.JSON(as, &ts, append([]string{"ticket", "list", "--all"}, args...)...)
	out := []int64{}
	for _, tk := range ts {
		out = append(out, tk.ID)
	}
	return out
}

// TestListSort: each order, turned round, and paged by --page and by
// --after in pages of two gives the whole list again, ticket for ticket.
func TestListSort(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		sortStory(e)
		for _, tc := range []struct {
			sort string
			want []int64
		}{
			{"", []int64{5, 4, 3, 2, 1}},
			{"id", []int64{5, 4, 3, 2, 1}},
			{"created", []int64{5, 4, 3, 2, 1}},
			{"updated", []int64{2, 5, 4, 1, 3}},
			{"priority", []int64{2, 4, 1, 5, 3}},
			{"due", []int64{2, 5, 4, 1, 3}},
		} {
			var args []string
			if tc.sort != "" {
				args = []string{"--sort", tc.sort}
			}
			got := listIDs(e, "root", args...)
			if !slices.Equal(got, tc.want) {
				t.Errorf("--sort %q = %v, want %v", tc.sort, got, tc.want)
			}
			back := slices.Clone(tc.want)
			slices.Reverse(back)
			if got := listIDs(e, "root", append(args, "--reverse")...); !slices.Equal(got, back) {
				t.Errorf("--sort %q --reverse = %v, want %v", tc.sort, got, back)
			}
			for _, rev := range [][]string{nil, {"--reverse"}} {
				want := tc.want
				if rev != nil {
					want = back
				}
				base := append(append(slices.Clone(args), rev...), "--limit", "2")
				var byPage, byAfter []int64
				for p := 1; p <= 3; p++ {
					byPage = append(byPage, listIDs(e, "root", append(base, "--page", strconv.Itoa(p))...)...)
				}
				page := listIDs(e, "root", base...)
				for len(page) > 0 {
					byAfter = append(byAfter, page...)
					page = listIDs(e, "root", append(base, "--after", fmt.Sprint(page[len(page)-1]))...)
				}
				if !slices.Equal(byPage, want) || !slices.Equal(byAfter, want) {
					t.Errorf("%v in pages: --page %v, --after %v; want %v", base, byPage, byAfter, want)
				}
			}
		}
		// A caseworker pages only through what she sees.
		if got := listIDs(e, "alice", "--sort", "due", "--limit", "2", "--after", "5"); !slices.Equal(got, []int64{4, 1}) {
			t.Errorf("alice after 5 by due = %v, want [4 1]", got)
		}
	})
}

// TestListPages: what a cut list says (golden), and the refusals.
func TestListPages(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		sortStory(e)
		var out []string
		for _, args := range [][]string{
			{"--sort", "due", "--limit", "2"},
			{"--sort", "due", "--limit", "2", "--page", "2"},
			{"--sort", "due", "--limit", "2", "--page", "3"},
			{"--sort", "due", "--limit", "2", "--page", "4"},
			{"--sort", "priority", "--reverse", "--limit", "2", "--after", "5"},
			{"--sort", "priority", "--limit", "3", "--after", "4"},
			{"--limit", "2", "--after", "1"},
			{"--queue", "support", "--status", "new", "--sort", "updated", "--limit", "1"},
		} {
			r := e.Run(append([]string{"ticket", "list", "--all"}, args...)...)
			if r.Code != 0 {
				t.Errorf("list %v: exit %d, %q", args, r.Code, r.Err)
			}
			out = append(out, "$ sak ticket list --all "+strings.Join(args, " ")+"\n"+r.Out+"stderr: "+r.Err)
		}
		out = append(out, refusals(t, e, "1", [][]string{
			{"root", "ticket", "list", "--sort", "size"},
			{"root", "ticket", "list", "--page", "0"},
			{"root", "ticket", "list", "--page", "2", "--after", "3"},
			{"root", "ticket", "list", "--page", "2", "--limit", "0"},
			{"root", "ticket", "list", "--after", "-1"},
			{"root", "ticket", "list", "--after", "99"},
			{"carol", "ticket", "list", "--after", "1"},
		})...)
		clitest.Golden(t, "testdata/list_pages.golden", strings.Join(out, "\n"))
	})
}
