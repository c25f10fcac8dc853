package ticket_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"sak/cli/clitest"
	"sak/cli/cmdutil"
	"sak/cli/ticket"
	"sak/mailstore"
)

// work runs a little history on the seeded tickets.
func work(e *clitest.Env) {
	e.MustRunAs("alice", "ticket", "take", "1")
	e.MustRunAs("alice", "ticket", "comment", "1", "-m", "Called Pat: it is the fuser.\n\nOrdering a new one.")
	e.MustRunAs("alice", "ticket", "reply", "1", "-m", "Hello Pat,\n\nA new fuser is on its way.\n\n-- \nAlice")
	e.MustRunAs("bob", "ticket", "steal", "1")
	e.MustRunAs("bob", "ticket", "give", "1", "alice")
	e.MustRunAs("alice", "ticket", "stall", "1")
	e.MustRunAs("carol", "ticket", "take", "3")
	e.MustRunAs("carol", "ticket", "resolve", "3")
}

func TestListTable(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		work(e)
		clitest.Golden(t, "testdata/list.golden", e.MustRun("ticket", "list", "--all"))
		clitest.Golden(t, "testdata/list_open_support.golden", e.MustRun("ticket", "list", "--queue", "support", "--status", "new,open,stalled"))
		for _, line := range strings.Split(e.MustRun("ticket", "list", "--all"), "\n") {
			if n := len([]rune(line)); n > 100 {
				t.Errorf("line of %d columns: %q", n, line)
			}
		}
		r := e.Run("ticket", "list", "--owner", "walt", "--all")
		if r.Code != 0 || r.Out != "" || r.Err != "No tickets match.\n" {
			t.Errorf("empty list: exit %d, stdout %q, stderr %q", r.Code, r.Out, r.Err)
		}
		r = e.Run("ticket", "list", "--owner", "walt")
		if r.Code != 0 || r.Out != "" || r.Err != "No tickets wait (new, open, or stalled with a reminder due); --all lists every status.\n" {
			t.Errorf("empty list of waiting work: exit %d, stdout %q, stderr %q", r.Code, r.Out, r.Err)
		}
	})
}

func TestShowTable(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		work(e)
		clitest.Golden(t, "testdata/show_1.golden", e.MustRun("ticket", "show", "1"))
		e.MustRunAs("bob", "ticket", "merge", "2", "1")
		clitest.Golden(t, "testdata/show_merged.golden", e.MustRun("ticket", "show", "#2"))
	})
}

func TestListJSON(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		work(e)
		var got []map[string]any
		e.JSON("root", &got, "ticket", "list", "--all")
		if len(got) != 3 {
			t.Fatalf("ticket list -o json: %d tickets, want 3", len(got))
		}
		for _, k := range []string{"id", "queue", "subject", "status", "owner", "requestors", "created", "updated"} {
			if _, ok := got[0][k]; !ok {
				t.Errorf("ticket list -o json: no %q in %v", k, got[0])
			}
		}
		if got[1]["owner"] != nil {
			t.Errorf("ticket 2 owner = %v, want null", got[1]["owner"])
		}
		if got[2]["owner"] != "alice" || got[2]["status"] != "stalled" || got[2]["queue"] != "support" {
			t.Errorf("ticket 1 = %v", got[2])
		}
		if reqs, ok := got[1]["requestors"].([]any); !ok || len(reqs) != 2 || reqs[0] != "kim@example.com" {
			t.Errorf("ticket 2 requestors = %v, want [kim@example.com lee@example.com]", got[1]["requestors"])
		}
		for _, k := range []string{"created", "updated"} {
			if _, err := time.Parse(time.RFC3339, got[0][k].(string)); err != nil {
				t.Errorf("%s = %v: %v", k, got[0][k], err)
			}
		}
		var none []any
		e.JSON("alice", &none, "ticket", "list", "--owner", "walt")
		if none == nil || len(none) != 0 {
			out := e.MustRun("ticket", "list", "--owner", "walt", "-o", "json")
			t.Errorf("empty list in JSON = %q, want []", out)
		}
	})
}

func TestShowJSON(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		work(e)
		var got struct {
			ID           int64    `json:"id"`
			Ccs          []string `json:"ccs"`
			AlsoSentTo   []string `json:"also_sent_to"`
			MergedInto   *int64   `json:"merged_into"`
			Transactions []struct {
				ID      int64  `json:"id"`
				Type    string `json:"type"`
				Actor   string `json:"actor"`
				Created string `json:"created"`
				Old     string `json:"old"`
				New     string `json:"new"`
				Via     string `json:"via"`
				Message *struct {
					From        string            `json:"from"`
					Subject     string            `json:"subject"`
					Text        string            `json:"text"`
					Attachments []json.RawMessage `json:"attachments"`
				} `json:"message"`
			} `json:"transactions"`
		}
		e.JSON("alice", &got, "ticket", "show", "1")
		if got.ID != 1 || got.Ccs == nil || got.AlsoSentTo == nil || got.MergedInto != nil {
			t.Errorf("ticket show -o json: id %d, ccs %v, also_sent_to %v, merged_into %v", got.ID, got.Ccs, got.AlsoSentTo, got.MergedInto)
		}
		var types []string
		for _, tx := range got.Transactions {
			types = append(types, tx.Type)
			if tx.ID == 0 || tx.Actor == "" || tx.Via != "cli" {
				t.Errorf("transaction %+v: want id, actor and via cli", tx)
			}
			if _, err := time.Parse(time.RFC3339, tx.Created); err != nil {
				t.Errorf("transaction created %q: %v", tx.Created, err)
			}
		}
		want := []string{"create", "take", "comment", "correspond", "status", "steal", "give", "status"}
		if !slices.Equal(types, want) {
			t.Errorf("types = %v, want %v", types, want)
		}
		if m := got.Transactions[3].Message; m == nil || m.From != "support@example.org" || m.Subject != "[support #1] Printer on fire" || !strings.Contains(m.Text, "new fuser") || m.Attachments == nil {
			t.Errorf("correspond message = %+v", m)
		}
		if st := got.Transactions[4]; st.Old != "new" || st.New != "open" {
			t.Errorf("status transaction = %+v, want new → open", st)
		}
	})
}

// TestMutationJSON checks that a change with -o json prints the ticket
// after it.
func TestMutationJSON(t *testing.T) {
	e := clitest.SQLite(t)
	e.Seed()
	var got struct {
		ID     int64   `json:"id"`
		Owner  *string `json:"owner"`
		Status string  `json:"status"`
		Queue  string  `json:"queue"`
	}
	e.JSON("alice", &got, "ticket", "take", "1")
	if got.ID != 1 || got.Owner == nil || *got.Owner != "alice" {
		t.Errorf("take -o json = %+v", got)
	}
	e.JSON("alice", &got, "ticket", "move", "1", "it-help")
	if got.Queue != "it-help" {
		t.Errorf("move -o json = %+v", got)
	}
	e.JSON("alice", &got, "ticket", "create", "--queue", "support", "-r", "a@example.com", "-s", "New")
	if got.ID != 4 || got.Status != "new" {
		t.Errorf("create -o json = %+v", got)
	}
}

func TestCommentFromStdin(t *testing.T) {
	e := clitest.SQLite(t)
	e.Seed()
	r := e.Exec("bob", "First line\nsecond line\n", "ticket", "comment", "2")
	if r.Code != 0 || r.Out != "Comment added to ticket 2.\n" {
		t.Fatalf("comment: exit %d, %q %q", r.Code, r.Out, r.Err)
	}
	if out := e.MustRun("ticket", "show", "2"); !strings.Contains(out, "bob  commented\n    From: support-comment@example.org\n\n    First line\n    second line\n") {
		t.Errorf("show after comment:\n%s", out)
	}
	// -m wins over stdin, and an empty -m is refused even with stdin.
	r = e.Exec("bob", "from stdin", "ticket", "reply", "2", "-m", "from -m")
	if r.Code != 0 || !strings.Contains(e.MustRun("ticket", "show", "2"), "    from -m\n") {
		t.Errorf("reply -m: exit %d, %q", r.Code, r.Err)
	}
	if r := e.Exec("bob", "from stdin", "ticket", "reply", "2", "-m", ""); r.Code != 1 {
		t.Errorf("reply -m '': exit %d, want 1", r.Code)
	}
}

// TestFlags checks flag and argument parsing apart from running.
func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want ticket.ListOptions
	}{
		{[]string{}, ticket.ListOptions{Limit: 50}},
		{[]string{"--queue", "support,it-help", "-s", "new", "--status", "open,stalled"}, ticket.ListOptions{Queues: []string{"support", "it-help"}, Statuses: []string{"new", "open", "stalled"}, Limit: 50}},
		{[]string{"--owner", "me", "--requestor", "pat@example.com", "-L", "0"}, ticket.ListOptions{Owner: "me", Requestor: "pat@example.com", Limit: 0}},
	} {
		ios, _, _ := cmdutil.TestStreams()
		f := &cmdutil.Factory{IOStreams: ios, As: "alice"}
		var got *ticket.ListOptions
		cmd := ticket.NewCmdList(f, func(o *ticket.ListOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("list %v: %v", tc.args, err)
		}
		if !slices.Equal(got.Queues, tc.want.Queues) || !slices.Equal(got.Statuses, tc.want.Statuses) || got.Owner != tc.want.Owner ||
			got.Requestor != tc.want.Requestor || got.Limit != tc.want.Limit {
			t.Errorf("list %v = %+v, want %+v", tc.args, *got, tc.want)
		}
	}

	for _, tc := range []struct {
		arg  string
		want int64
		ok   bool
	}{
		{"42", 42, true}, {"#42", 42, true}, {" 7 ", 7, true},
		{"abc", 0, false}, {"0", 0, false}, {"#", 0, false}, {"4.2", 0, false},
	} {
		ios, _, _ := cmdutil.TestStreams()
		f := &cmdutil.Factory{IOStreams: ios}
		var got int64
		cmd := ticket.NewCmdStatus(f, ticket.StatusVerbs[0], func(o *ticket.StatusOptions) error { got = o.IDs[0]; return nil })
		cmd.SetArgs([]string{tc.arg})
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if (err == nil) != tc.ok || got != tc.want || (err != nil && !cmdutil.IsUsage(err)) {
			t.Errorf("take %q: id %d, err %v; want %d, ok %v, usage error otherwise", tc.arg, got, err, tc.want, tc.ok)
		}
	}
}

// TestStatusMany: several tickets at once, each its own change; one that
// fails is told and the others are changed; exit 1.
func TestStatusMany(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		r := e.RunAs("alice", "ticket", "take", "1", "3", "2")
		if r.Code != 1 || r.Out != "Ticket 1 taken by alice.\nTicket 2 taken by alice.\n" ||
			r.Err != "sak: ticket 3: no ticket 3\nsak: 1 of 3 tickets not changed\n" {
			t.Errorf("take 1 3 2: exit %d, out %q, err %q", r.Code, r.Out, r.Err)
		}
		var ts []mailstore.Ticket
		e.JSON("alice", &ts, "ticket", "resolve", "1", "2")
		if len(ts) != 2 || ts[0].ID != 1 || ts[1].ID != 2 || ts[0].Status != mailstore.StatusResolved || ts[1].Status != mailstore.StatusResolved {
			t.Errorf("resolve 1 2 -o json = %+v", ts)
		}
		if r := e.RunAs("alice", "ticket", "take"); r.Code != 2 {
			t.Errorf("take without an ID: exit %d, %q", r.Code, r.Err)
		}
	})
}

// TestReplyNamesEveryone: the confirmation of a reply names every
// recipient: requestors, Ccs and the watchers who get a copy (walt).
func TestReplyNamesEveryone(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		e.MustRunAs("bob", "ticket", "cc", "add", "2", "prof@example.edu")
		if out := e.MustRunAs("bob", "ticket", "reply", "2", "-m", "Room 101 is yours."); out != "Reply to ticket 2 queued for kim@example.com, lee@example.com, prof@example.edu, walt@example.org.\n" {
			t.Errorf("reply: %q", out)
		}
	})
}

// TestComplete: the shell completes ticket numbers (the waiting tickets
// the user sees, with their subjects), logins and queues, not files.
func TestComplete(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		out := e.MustRunAs("carol", "__complete", "ticket", "take", "")
		if !strings.Contains(out, "3\tVPN down\n") || strings.Contains(out, "Printer on fire") || !strings.HasSuffix(out, ":4\n") {
			t.Errorf("carol completes take with:\n%s", out)
		}
		out = e.MustRunAs("alice", "__complete", "ticket", "give", "1", "")
		if !strings.Contains(out, "bob\tBob Dylan\n") {
			t.Errorf("alice completes give 1 with:\n%s", out)
		}
		out = e.MustRunAs("alice", "__complete", "ticket", "move", "1", "")
		if !strings.Contains(out, "it-help\tIT helpdesk\n") {
			t.Errorf("alice completes move 1 with:\n%s", out)
		}
		if out := e.MustRunAs("alice", "__complete", "ticket", "show", "1", ""); strings.Contains(out, "\t") {
			t.Errorf("show completes a second argument with:\n%s", out)
		}
	})
}

// TestListWaiting: without --status the list is the work that waits (new,
// open, stalled with a reminder due), and a list cut at --limit says how
// many there are in all.
func TestListWaiting(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		e.MustRunAs("alice", "ticket", "take", "1")
		e.MustRunAs("alice", "ticket", "stall", "1")
		e.MustRunAs("carol", "ticket", "resolve", "3")
		ids := func(args ...string) []int64 {
			var ts []mailstore.Ticket
			e.JSON("root", &ts, append([]string{"ticket", "list"}, args...)...)
			var out []int64
			for _, tk := range ts {
				out = append(out, tk.ID)
			}
			return out
		}
		if got := ids(); !slices.Equal(got, []int64{2}) {
			t.Errorf("waiting work = %v, want [2] (1 stalled with no reminder, 3 resolved)", got)
		}
		e.MustRunAs("alice", "ticket", "remind", "1", "--at", "2026-01-01", "Ring Pat")
		if got := ids(); !slices.Equal(got, []int64{2, 1}) {
			t.Errorf("waiting work with 1's reminder due = %v, want [2 1]", got)
		}
		if got := ids("--all"); !slices.Equal(got, []int64{3, 2, 1}) {
			t.Errorf("--all = %v, want [3 2 1]", got)
		}
		r := e.Run("ticket", "list", "--all", "--limit", "2")
		if r.Code != 0 || r.Err != "Showing 2 of 3; --page 2 for the next 2, --limit 0 for all.\n" {
			t.Errorf("a cut list: exit %d, stderr %q", r.Code, r.Err)
		}
		if r := e.Run("ticket", "list", "--all", "--limit", "3"); r.Err != "" {
			t.Errorf("a list cut at exactly its length says %q", r.Err)
		}
	})
}
