package ticket_test

import (
	"slices"
	"strings"
	"testing"

	"sak/cli/clitest"
	"sak/cli/cmdutil"
	"sak/cli/ticket"
)

// TestCc adds and removes Ccs: the confirmations, the refusals, -o json
// and the history (golden), on both stores.
func TestCc(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		var out []string
		out = append(out, e.MustRunAs("alice", "ticket", "cc", "add", "1", "Boss <Boss@Example.com>"))
		out = append(out, e.MustRunAs("root", "ticket", "cc", "add", "#1", "deputy@example.com"))
		for _, c := range []struct {
			as   string
			args []string
		}{
			{"carol", []string{"add", "1", "evil@evil.test"}},      // not a caseworker of support
			{"walt", []string{"add", "1", "evil@evil.test"}},       // a watcher only
			{"alice", []string{"add", "1", "boss@example.com"}},    // already
			{"alice", []string{"add", "1", "pat@example.com"}},     // a requestor
			{"alice", []string{"add", "1", "bob@example.org"}},     // staff
			{"alice", []string{"add", "1", "support@example.org"}}, // sak's own
			{"alice", []string{"add", "1", "not an address"}},      // no address
			{"alice", []string{"remove", "1", "kim@example.com"}},  // not a Cc
			{"carol", []string{"remove", "1", "boss@example.com"}}, // not a caseworker of support
			{"alice", []string{"add", "99", "boss@example.com"}},   // no ticket
		} {
			r := e.RunAs(c.as, append([]string{"ticket", "cc"}, c.args...)...)
			if r.Code == 0 {
				t.Errorf("cc %v as %s: exit 0, want a refusal", c.args, c.as)
			}
			out = append(out, "("+c.as+" cc "+strings.Join(c.args, " ")+") "+r.Err)
		}
		var got struct {
			ID  int64    `json:"id"`
			Ccs []string `json:"ccs"`
		}
		e.JSON("bob", &got, "ticket", "cc", "remove", "1", "BOSS@example.com")
		if got.ID != 1 || !slices.Equal(got.Ccs, []string{"deputy@example.com"}) {
			t.Errorf("cc remove -o json = %+v, want ticket 1 with Ccs [deputy@example.com]", got)
		}
		out = append(out, e.MustRunAs("alice", "ticket", "cc", "remove", "1", "deputy@example.com"))
		out = append(out, e.MustRun("ticket", "show", "1"))
		clitest.Golden(t, "testdata/cc.golden", strings.Join(out, ""))
	})
}

// TestCcFlags checks argument parsing apart from running.
func TestCcFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want ticket.CcOptions
		ok   bool
	}{
		{[]string{"add", "42", "a@example.com"}, ticket.CcOptions{Add: true, ID: 42, Addr: "a@example.com"}, true},
		{[]string{"remove", "#7", "a@example.com"}, ticket.CcOptions{ID: 7, Addr: "a@example.com"}, true},
		{[]string{"add", "42"}, ticket.CcOptions{}, false},
		{[]string{"remove", "x", "a@example.com"}, ticket.CcOptions{}, false},
	} {
		ios, _, _ := cmdutil.TestStreams()
		var got ticket.CcOptions
		cmd := ticket.NewCmdCc(&cmdutil.Factory{IOStreams: ios}, func(o *ticket.CcOptions) error { got = *o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if (err == nil) != tc.ok || got.Add != tc.want.Add || got.ID != tc.want.ID || got.Addr != tc.want.Addr {
			t.Errorf("cc %v = %+v, err %v; want %+v, ok %v", tc.args, got, err, tc.want, tc.ok)
		}
	}
}
