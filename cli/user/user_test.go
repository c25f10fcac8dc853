package user_test

import (
	"strings"
	"testing"

	"sak/cli/clitest"
)

func TestList(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		if out := e.MustRun("user", "disable", "walt"); out != "User walt disabled.\n" {
			t.Errorf("disable: %q", out)
		}
		clitest.Golden(t, "testdata/list.golden", e.MustRun("user", "list"))

		var users []struct {
			ID       int64  `json:"id"`
			Login    string `json:"login"`
			Email    string `json:"email"`
			Name     string `json:"name"`
			Sysadmin bool   `json:"sysadmin"`
			Disabled bool   `json:"disabled"`
			Created  string `json:"created"`
		}
		e.JSON("alice", &users, "user", "list")
		if len(users) != 6 || users[0].Login != "alice" || users[0].Email != "alice@example.org" || users[0].Name != "Alice Liddell" {
			t.Fatalf("user list -o json = %+v", users)
		}
		if !users[4].Sysadmin || users[4].Login != "root" || !users[5].Disabled || users[5].Login != "walt" {
			t.Errorf("root and walt = %+v, %+v", users[4], users[5])
		}
	})
}

func TestAdd(t *testing.T) {
	e := clitest.SQLite(t)
	e.MustRun("db", "migrate")
	r := e.Run("user", "add", "alice", "--email", "alice@example.org")
	if r.Code != 1 || r.Err != "sak: there is no sysadmin yet: add the first user with --sysadmin\n" {
		t.Errorf("first user without --sysadmin: exit %d, %q", r.Code, r.Err)
	}
	var u struct {
		Login    string `json:"login"`
		Sysadmin bool   `json:"sysadmin"`
	}
	e.JSON("", &u, "user", "add", "root", "--email", "Root <ROOT@example.org>", "--sysadmin")
	if u.Login != "root" || !u.Sysadmin {
		t.Errorf("user add -o json = %+v", u)
	}
	if out := e.MustRun("user", "add", "bob", "--email", "bob@example.org", "--name", "Bob"); out != "Added user bob <bob@example.org>.\n" {
		t.Errorf("user add bob: %q", out)
	}
	r = e.RunAs("bob", "user", "add", "eve", "--email", "eve@example.org")
	if r.Code != 1 || r.Err != "sak: only a sysadmin may add users, and bob is not one\n" {
		t.Errorf("bob adds: exit %d, %q", r.Code, r.Err)
	}
	r = e.Run("user", "disable", "root")
	if r.Code != 1 || r.Err != "sak: root is the last sysadmin: make another sysadmin first\n" {
		t.Errorf("disable the last sysadmin: exit %d, %q", r.Code, r.Err)
	}
}

// TestEditEnable: a sysadmin edits a user's address, name and right, and
// enables a disabled user; nobody else may, an address another has is
// refused, and the last sysadmin stays one.
func TestEditEnable(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		if out := e.MustRun("user", "edit", "alice", "--email", "Alice.L@example.org", "--name", "Alice L."); out != "User alice is now Alice L. <alice.l@example.org>\n" {
			t.Errorf("edit alice: %q", out)
		}
		if r := e.RunAs("bob", "user", "edit", "alice", "--name", "x"); r.Code != 1 || !strings.Contains(r.Err, "sysadmin") {
			t.Errorf("edit by bob: exit %d, %q", r.Code, r.Err)
		}
		if r := e.Run("user", "edit", "bob", "--email", "carol@example.org"); r.Code != 1 || !strings.Contains(r.Err, "is the address of user carol already") {
			t.Errorf("edit bob to carol's address: exit %d, %q", r.Code, r.Err)
		}
		if r := e.Run("user", "edit", "root", "--sysadmin=false"); r.Code != 1 || !strings.Contains(r.Err, "last sysadmin") {
			t.Errorf("unmake the last sysadmin: exit %d, %q", r.Code, r.Err)
		}
		if r := e.Run("user", "edit", "bob"); r.Code != 2 {
			t.Errorf("edit with nothing to change: exit %d, %q", r.Code, r.Err)
		}
		e.MustRun("user", "disable", "bob")
		if r := e.RunAs("bob", "ticket", "list"); r.Code == 0 {
			t.Errorf("disabled bob lists tickets")
		}
		if out := e.MustRun("user", "enable", "bob"); out != "User bob enabled.\n" {
			t.Errorf("enable bob: %q", out)
		}
		e.MustRunAs("bob", "ticket", "take", "2")
		if r := e.Run("user", "enable", "bob"); r.Code != 1 || !strings.Contains(r.Err, "is not disabled") {
			t.Errorf("enable bob again: exit %d, %q", r.Code, r.Err)
		}
	})
}
