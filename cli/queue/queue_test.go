package queue_test

import (
	"strings"
	"testing"

	"sak/cli/clitest"
)

type member struct {
	Login string `json:"login"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

type queueJSON struct {
	ID             int64    `json:"id"`
	Name           string   `json:"name"`
	Address        string   `json:"address"`
	CommentAddress string   `json:"comment_address"`
	Tag            string   `json:"tag"`
	Description    string   `json:"description"`
	Created        string   `json:"created"`
	Members        []member `json:"members"`
}

func TestListAndShow(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		clitest.Golden(t, "testdata/list.golden", e.MustRun("queue", "list"))
		clitest.Golden(t, "testdata/show_support.golden", e.MustRun("queue", "show", "support"))
		e.MustRun("queue", "create", "empty", "--address", "empty@example.org", "--comment-address", "empty-internal@example.org")
		clitest.Golden(t, "testdata/show_empty.golden", e.MustRun("queue", "show", "empty"))

		var qs []queueJSON
		e.JSON("alice", &qs, "queue", "list")
		if len(qs) != 3 || qs[1].Name != "it-help" || qs[1].Tag != "IT" || qs[1].CommentAddress != "it-help-comment@example.org" {
			t.Errorf("queue list -o json = %+v", qs)
		}
		var q queueJSON
		e.JSON("alice", &q, "queue", "show", "support")
		want := []member{
			{"alice", "alice@example.org", "Alice Liddell", "caseworker"},
			{"bob", "bob@example.org", "Bob Dylan", "caseworker"},
			{"mona", "mona@example.org", "Mona Lisa", "manager"},
			{"walt", "walt@example.org", "Walt Whitman", "watcher"},
		}
		if q.Name != "support" || q.Address != "support@example.org" || len(q.Members) != len(want) {
			t.Fatalf("queue show -o json = %+v", q)
		}
		for i := range want {
			if q.Members[i] != want[i] {
				t.Errorf("member %d = %+v, want %+v", i, q.Members[i], want[i])
			}
		}
		e.JSON("root", &q, "queue", "show", "empty")
		if q.Members == nil || len(q.Members) != 0 {
			t.Errorf("members of an empty queue = %#v, want []", q.Members)
		}

		// Queues are public, their members are not: carol, of it-help,
		// sees support's addresses and no members (null in JSON).
		clitest.Golden(t, "testdata/show_support_carol.golden", e.MustRunAs("carol", "queue", "show", "support"))
		var raw map[string]any
		e.JSON("carol", &raw, "queue", "show", "support")
		if m, ok := raw["members"]; !ok || m != nil || raw["address"] != "support@example.org" {
			t.Errorf("queue show support -o json as carol = %v, want its address and members null", raw)
		}
	})
}

func TestGrantRevoke(t *testing.T) {
	e := clitest.SQLite(t)
	e.Seed()
	// A manager grants on their own queue, not on others.
	if out := e.MustRunAs("mona", "queue", "grant", "support", "carol", "--role", "watcher"); out != "carol is now a watcher of support.\n" {
		t.Errorf("grant: %q", out)
	}
	r := e.RunAs("mona", "queue", "grant", "it-help", "bob", "--role", "caseworker")
	if r.Code != 1 || r.Err != "sak: mona may not grant roles on it-help: only its managers and sysadmins may\n" {
		t.Errorf("grant on another queue: exit %d, %q", r.Code, r.Err)
	}
	r = e.RunAs("mona", "queue", "grant", "support", "carol", "--role", "watcher")
	if r.Code != 1 || r.Err != "sak: carol is a watcher of support already\n" {
		t.Errorf("grant twice: exit %d, %q", r.Code, r.Err)
	}
	if out := e.MustRunAs("mona", "queue", "revoke", "support", "carol", "--role", "watcher"); out != "carol is no longer a watcher of support.\n" {
		t.Errorf("revoke --role: %q", out)
	}
	// A watcher granted again changes what they are told.
	if out := e.MustRunAs("mona", "queue", "grant", "support", "walt", "--role", "watcher", "--notify", "new"); out != "walt is now a watcher of support, told of new tickets only.\n" {
		t.Errorf("grant --notify new: %q", out)
	}
	var shown struct {
		Members []struct {
			Login  string `json:"login"`
			Notify string `json:"notify"`
		} `json:"members"`
	}
	e.JSON("mona", &shown, "queue", "show", "support")
	for _, m := range shown.Members {
		if m.Login == "walt" && m.Notify != "new" {
			t.Errorf("walt after --notify new: %+v", m)
		}
	}
	r = e.RunAs("mona", "queue", "grant", "support", "bob", "--role", "caseworker", "--notify", "new")
	if r.Code != 2 || !strings.HasPrefix(r.Err, "sak: --notify is for watchers: use it with --role watcher\n") {
		t.Errorf("--notify for a caseworker: exit %d, %q", r.Code, r.Err)
	}
	var q queueJSON
	e.JSON("root", &q, "queue", "revoke", "support", "walt")
	for _, m := range q.Members {
		if m.Login == "walt" || m.Login == "carol" {
			t.Errorf("%s still a member after revoke: %+v", m.Login, q.Members)
		}
	}
	r = e.Run("queue", "revoke", "support", "walt")
	if r.Code != 1 || r.Err != "sak: walt has no role on support\n" {
		t.Errorf("revoke twice: exit %d, %q", r.Code, r.Err)
	}
	if out := e.MustRun("queue", "create", "x", "--address", "x@example.org"); out != "Created queue x: mail to x@example.org, comments to x-comment@example.org, subject tag [x #ID].\n" {
		t.Errorf("queue create: %q", out)
	}
}
