package queue_test

import (
	"fmt"
	"strings"
	"testing"

	"sak/cli/clitest"
)

// TestEditDisable changes a queue's addresses and disables and enables a
// queue, with the refusals (golden), on every backend.
func TestEditDisable(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		var out []string
		out = append(out, e.MustRun("queue", "edit", "support", "--address", "Help@Example.org"))
		out = append(out, e.MustRun("queue", "set", "support", "--comment-address", "help-notes@example.org"))
		out = append(out, e.Refusals([][]string{
			{"mona", "queue", "edit", "support", "--address", "desk@example.org"},       // a manager: not addresses
			{"root", "queue", "edit", "support", "--address", "it-help@example.org"},    // another queue's
			{"root", "queue", "edit", "support", "--address", "alice@example.org"},      // a user's
			{"root", "queue", "edit", "support", "--address", "help-notes@example.org"}, // its own comment address
			{"root", "queue", "edit", "support", "--address", "not an address"},         // no address
			{"root", "queue", "edit", "support"},                                        // nothing
			{"mona", "queue", "disable", "support"},                                     // a manager
			{"root", "queue", "enable", "support"},                                      // enabled already
			{"root", "queue", "disable", "nosuch"},                                      // no queue
		})...)
		out = append(out, e.MustRun("queue", "disable", "it-help"))
		out = append(out, e.MustRun("queue", "list"))
		if r := e.RunAs("carol", "ticket", "show", "3"); r.Code != 0 || !strings.Contains(r.Out, "VPN down") {
			t.Errorf("a ticket of a disabled queue: exit %d, %q %q", r.Code, r.Out, r.Err)
		}
		r := e.RunAs("root", "queue", "disable", "it-help")
		out = append(out, "(root: queue disable it-help) "+r.Err)
		out = append(out, e.MustRun("queue", "enable", "IT-help"))
		out = append(out, e.MustRun("queue", "list"))
		clitest.Golden(t, "testdata/edit.golden", strings.Join(out, ""))
	})
}

// TestEditNameTag renames a queue and changes its subject tag, with the
// refusals (golden), on every backend: a caseworker still reads a ticket
// moved out of the queue before, mail to the old name threads by the old
// tag, and a refused edit changes nothing.
func TestEditNameTag(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		e.MustRunAs("alice", "ticket", "move", "1", "it-help")
		var out []string
		out = append(out, e.MustRun("queue", "edit", "support", "--name", "helpdesk", "--tag", "HD"))
		if r := e.RunAs("alice", "ticket", "show", "1"); r.Code != 0 || !strings.Contains(r.Out, "moved the ticket from support to it-help") {
			t.Errorf("alice shows ticket 1, moved out of her renamed queue: exit %d, %q %q", r.Code, r.Out, r.Err)
		}
		for i, c := range [][]string{{"--queue", "support", "support"}, {"--recipient", "support@example.org", "HD"}} {
			mail := fmt.Sprintf("From: kim@example.com\r\nTo: support@example.org\r\nSubject: Re: [%s #2] Lab access\r\nMessage-ID: <k%d@example.com>\r\n\r\nAny news, %d?\r\n", c[2], i, i)
			if r := e.Exec("root", mail, "mailgate", c[0], c[1]); r.Code != 0 {
				t.Fatalf("mailgate %s %s: exit %d, %q", c[0], c[1], r.Code, r.Err)
			}
			if r := e.RunAs("bob", "ticket", "show", "2"); !strings.Contains(r.Out, fmt.Sprintf("Any news, %d?", i)) {
				t.Errorf("a reply tagged [%s #2] is not on ticket 2: %q %q", c[2], r.Out, r.Err)
			}
		}
		out = append(out, e.Refusals([][]string{
			{"mona", "queue", "edit", "helpdesk", "--name", "desk"},                               // a manager
			{"mona", "queue", "edit", "helpdesk", "--tag", "DESK"},                                // a manager
			{"root", "queue", "edit", "helpdesk", "--name", "IT-Help"},                            // another queue's
			{"root", "queue", "edit", "helpdesk", "--tag", "it"},                                  // another queue's, in another case
			{"root", "queue", "edit", "it-help", "--name", "support"},                             // another queue's former name
			{"root", "queue", "edit", "it-help", "--tag", "Support"},                              // another queue's former tag
			{"root", "queue", "edit", "helpdesk", "--name", "help desk"},                          // no name
			{"root", "queue", "edit", "helpdesk", "--tag", "[HD]"},                                // no tag
			{"root", "queue", "edit", "support", "--name", "desk", "--tag", "IT", "--lang", "en"}, // changes nothing: show says
		})...)
		out = append(out, e.MustRun("queue", "show", "support"))
		out = append(out, e.MustRun("queue", "list"))
		clitest.Golden(t, "testdata/edit_name_tag.golden", strings.Join(out, ""))
	})
}
