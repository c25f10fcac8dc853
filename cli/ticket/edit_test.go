package ticket_test

import (
	"strings"
	"testing"
	"time"

	"sak/cli/clitest"
	"sak/cli/cmdutil"
	"sak/cli/ticket"
	"sak/mailstore"
)

// historyLen is the number of transactions of a ticket, as root sees it.
func historyLen(t *testing.T, e *clitest.Env, id string) int {
	t.Helper()
	var d struct {
		Transactions []struct{} `json:"transactions"`
	}
	e.JSON("root", &d, "ticket", "show", id)
	return len(d.Transactions)
}

// refusals runs each command, which must fail and leave the history of
// ticket id as it was, and returns "(as: args) stderr" for each.
func refusals(t *testing.T, e *clitest.Env, id string, cmds [][]string) []string {
	t.Helper()
	before := historyLen(t, e, id)
	out := e.Refusals(cmds)
	if after := historyLen(t, e, id); after != before {
		t.Errorf("refused commands changed ticket %s: %d transactions, want %d", id, after, before)
	}
	return out
}

// TestEdit changes subject, priority and due time, and shows the
// refusals and what 'ticket show' prints after (golden), on every backend.
func TestEdit(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		var out []string
		out = append(out, e.MustRunAs("alice", "ticket", "edit", "1", "--subject", " Printer on fire in room 101 ", "--priority", "80", "--due", "2026-12-24 12:00"))
		out = append(out, e.MustRunAs("bob", "ticket", "edit", "#1", "--due", "2d"))
		out = append(out, refusals(t, e, "1", [][]string{
			{"walt", "ticket", "edit", "1", "--priority", "1"},                     // a watcher
			{"carol", "ticket", "edit", "1", "--priority", "1"},                    // another queue's
			{"alice", "ticket", "edit", "1"},                                       // nothing
			{"alice", "ticket", "edit", "1", "--priority", "100"},                  // out of range
			{"alice", "ticket", "edit", "1", "--subject", " "},                     // empty
			{"alice", "ticket", "edit", "1", "--subject", "two\nlines"},            // two lines
			{"alice", "ticket", "edit", "1", "--due", "someday"},                   // no time
			{"alice", "ticket", "edit", "1", "--due", "2d", "--no-due"},            // both
			{"alice", "ticket", "edit", "1", "--priority", "80"},                   // as it is
			{"alice", "ticket", "edit", "99", "--priority", "1"},                   // no ticket
			{"alice", "ticket", "edit", "1", "--subject", "x", "--priority", "-1"}, // one bad field
		})...)
		var got mailstore.Ticket
		e.JSON("alice", &got, "ticket", "edit", "1", "--no-due")
		if got.Due != nil || got.Priority != 80 || got.Subject != "Printer on fire in room 101" {
			t.Errorf("edit --no-due -o json: due %v, priority %d, subject %q", got.Due, got.Priority, got.Subject)
		}
		out = append(out, e.MustRun("ticket", "show", "1"))
		clitest.Golden(t, "testdata/edit.golden", strings.Join(out, ""))
	})
}

// TestEditJSON: the due time and the minutes in the documents.
func TestEditJSON(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		var got struct {
			Due           *time.Time `json:"due"`
			TimeWorked    *int       `json:"time_worked"`
			TimeEstimated *int       `json:"time_estimated"`
			Transactions  []struct {
				Type, Old, New string
			} `json:"transactions"`
		}
		e.MustRunAs("alice", "ticket", "edit", "1", "--due", "2027-01-15T12:00:00Z")
		e.JSON("alice", &got, "ticket", "show", "1")
		if got.Due == nil || !got.Due.Equal(time.Date(2027, 1, 15, 12, 0, 0, 0, time.UTC)) || got.TimeWorked == nil || got.TimeEstimated == nil {
			t.Errorf("show -o json: due %v, time_worked %v, time_estimated %v", got.Due, got.TimeWorked, got.TimeEstimated)
		}
		last := got.Transactions[len(got.Transactions)-1]
		if last.Type != "set-due" || last.Old != "" || last.New != "2027-01-15T12:00:00Z" {
			t.Errorf("last transaction = %+v, want set-due of the new time", last)
		}
	})
}

// TestUntake gives tickets back to their queue.
func TestUntake(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		var out []string
		e.MustRunAs("alice", "ticket", "take", "1")
		out = append(out, refusals(t, e, "1", [][]string{
			{"walt", "ticket", "untake", "1"},  // a watcher
			{"carol", "ticket", "untake", "1"}, // another queue's
			{"alice", "ticket", "untake", "2"}, // nobody owns it
		})...)
		out = append(out, e.MustRunAs("alice", "ticket", "untake", "1"))
		e.MustRunAs("alice", "ticket", "take", "1")
		out = append(out, e.MustRunAs("bob", "ticket", "untake", "1")) // as steal
		var got mailstore.Ticket
		e.JSON("alice", &got, "ticket", "show", "1")
		if got.Owner != nil {
			t.Errorf("owner after untake: %q", *got.Owner)
		}
		out = append(out, e.MustRun("ticket", "show", "1"))
		clitest.Golden(t, "testdata/untake.golden", strings.Join(out, ""))
	})
}

// TestLink links tickets both ways and takes links away.
func TestLink(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		var out []string
		out = append(out, e.MustRunAs("alice", "ticket", "link", "1", "--depends-on", "2"))
		out = append(out, e.MustRunAs("bob", "ticket", "link", "2", "--parent", "#1"))
		out = append(out, e.MustRunAs("root", "ticket", "link", "3", "--refers-to", "1"))
		// There already: nothing changes, and that is no failure.
		before := historyLen(t, e, "1")
		out = append(out, e.MustRunAs("alice", "ticket", "link", "1", "--depends-on", "2"))
		if after := historyLen(t, e, "1"); after != before {
			t.Errorf("a link made twice: %d transactions, want %d", after, before)
		}
		out = append(out, refusals(t, e, "1", [][]string{
			{"alice", "ticket", "link", "1", "--refers-to", "1"},                  // itself
			{"alice", "ticket", "link", "1", "--refers-to", "3"},                  // a ticket alice does not see
			{"alice", "ticket", "link", "1", "--refers-to", "99"},                 // no ticket
			{"walt", "ticket", "link", "1", "--refers-to", "2"},                   // a watcher
			{"alice", "ticket", "link", "1"},                                      // no other
			{"alice", "ticket", "link", "1", "--refers-to", "2", "--parent", "2"}, // two
			{"alice", "ticket", "unlink", "1", "--refers-to", "2"},                // no such link
			{"walt", "ticket", "unlink", "1", "--depends-on", "2"},                // a watcher
		})...)
		var got mailstore.Ticket
		e.JSON("alice", &got, "ticket", "show", "2")
		var links []string
		for _, l := range got.Links {
			links = append(links, ticket.LinkText(l))
		}
		if strings.Join(links, ", ") != "member of #1, #1 depends on this" {
			t.Errorf("links of 2 = %q", links)
		}
		out = append(out, e.MustRunAs("alice", "ticket", "show", "1")) // not the link from 3
		out = append(out, e.MustRunAs("bob", "ticket", "unlink", "1", "--depends-on", "2"))
		out = append(out, e.MustRunAs("root", "ticket", "show", "1"))
		clitest.Golden(t, "testdata/link.golden", strings.Join(out, ""))
	})
}

// TestRequestor adds and removes requestors as 'ticket cc' does Ccs.
func TestRequestor(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		var out []string
		out = append(out, e.MustRunAs("alice", "ticket", "requestor", "add", "1", "Kari <kari@example.com>"))
		e.MustRunAs("alice", "ticket", "cc", "add", "1", "boss@example.com")
		out = append(out, e.MustRunAs("bob", "ticket", "requestor", "remove", "1", "pat@example.com"))
		out = append(out, refusals(t, e, "1", [][]string{
			{"alice", "ticket", "requestor", "remove", "1", "kari@example.com"}, // the last
			{"alice", "ticket", "requestor", "add", "1", "boss@example.com"},    // a Cc
			{"alice", "ticket", "requestor", "add", "1", "kari@example.com"},    // already
			{"walt", "ticket", "requestor", "add", "1", "x@example.com"},        // a watcher
			{"alice", "ticket", "requestor", "add", "1", "support@example.org"}, // sak's own
			{"alice", "ticket", "requestor", "remove", "1", "boss@example.com"}, // not a requestor
		})...)
		out = append(out, e.MustRun("ticket", "show", "1"))
		clitest.Golden(t, "testdata/requestor.golden", strings.Join(out, ""))
	})
}

// TestEditFlags checks argument parsing apart from running.
func TestEditFlags(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		args    []string
		subject string
		prio    int
		due     string // RFC 3339, "none" for --no-due, "" when not given
		ok      bool
	}{
		{[]string{"42", "--subject", "S"}, "S", -1, "", true},
		{[]string{"42", "--priority", "0"}, "", 0, "", true},
		{[]string{"42", "--due", "2d"}, "", -1, "2026-11-29T09:00:00Z", true},
		{[]string{"42", "--no-due"}, "", -1, "none", true},
		{[]string{"42"}, "", -1, "", false},
		{[]string{"42", "--due", "2d", "--no-due"}, "", -1, "", false},
		{[]string{"42", "--priority", "high"}, "", -1, "", false},
	} {
		ios, _, _ := cmdutil.TestStreams()
		var got *ticket.EditOptions
		f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return now }, Location: time.UTC}
		cmd := ticket.NewCmdEdit(f, func(o *ticket.EditOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if (err == nil) != tc.ok {
			t.Errorf("edit %v: err %v, want ok %v", tc.args, err, tc.ok)
			continue
		}
		if err != nil {
			continue
		}
		c := got.Change
		subject, prio, due := "", -1, ""
		if c.Subject != nil {
			subject = *c.Subject
		}
		if c.Priority != nil {
			prio = *c.Priority
		}
		if c.Due != nil {
			due = "none"
			if !c.Due.IsZero() {
				due = c.Due.Format(time.RFC3339)
			}
		}
		if got.ID != 42 || subject != tc.subject || prio != tc.prio || due != tc.due {
			t.Errorf("edit %v = id %d, subject %q, priority %d, due %q; want %q, %d, %q", tc.args, got.ID, subject, prio, due, tc.subject, tc.prio, tc.due)
		}
	}
}
