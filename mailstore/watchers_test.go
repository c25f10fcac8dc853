package mailstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestWatcherNotify: watchers get a copy of the correspondence on the
// queue's tickets (RT's AdminCcs), unless granted with notify new, for a
// role granted to them or to a group of theirs.
func TestWatcherNotify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		q := storetest.Desk(t, s)
		// walt watches support, told of new tickets: granted again with
		// no --notify, he is told of all (the default).
		mustDo(t, s.GrantRole(ctx, "root", "support", mailstore.RoleGrant{User: "walt", Role: mailstore.RoleWatcher}))
		for _, u := range []string{"nina", "oscar"} {
			_, err := s.AddUser(ctx, "root", mailstore.NewUser{Login: u, Email: u + "@example.org"})
			mustDo(t, err)
		}
		mustDo(t, s.GrantRole(ctx, "root", "support", mailstore.RoleGrant{User: "nina", Role: mailstore.RoleWatcher, Notify: mailstore.NotifyNew}))
		_, err := s.CreateGroup(ctx, "root", "lookers", "")
		mustDo(t, err)
		_, err = s.AddGroupMembers(ctx, "root", "lookers", []string{"oscar"})
		mustDo(t, err)
		mustDo(t, s.GrantRole(ctx, "root", "support", mailstore.RoleGrant{Group: "lookers", Role: mailstore.RoleWatcher}))
		wantErr(t, "notify for a caseworker", s.GrantRole(ctx, "root", "support", mailstore.RoleGrant{User: "bob", Role: mailstore.RoleCaseworker, Notify: mailstore.NotifyNew}),
			mailstore.ErrInvalid, "--notify is for watchers")

		d := mustDeliver(t, s, incoming(q, "pat@example.com", "p1@example.com", "Printer", "It burns."))
		id := d.Ticket
		everyone := []string{"nina@example.org", "oscar@example.org", "walt@example.org"}
		if got := outboxTo(t, s, id, mailstore.KindNotify); !slices.Equal(got, everyone) {
			t.Fatalf("new ticket told %v, want every watcher %v", got, everyone)
		}

		// Owned, the requestor's mail goes to the owner and the watchers
		// told of correspondence; nina hears of new tickets only.
		mustDo(t, s.Take(ctx, "alice", id))
		follow := incoming(q, "pat@example.com", "p2@example.com", fmt.Sprintf("Re: [support #%d] Printer", id), "Still burning.")
		follow.Tags = []mailstore.Tag{{Tag: "support", ID: id}}
		mustDeliver(t, s, follow)
		want := []string{"alice@example.org", "oscar@example.org", "walt@example.org"}
		if got := outboxTo(t, s, id, mailstore.KindNotify); !sameAddrs(got, append(slices.Clone(everyone), want...)) {
			t.Errorf("the requestor's follow-up told %v, want %v more", got, want)
		}

		// A caseworker's answer: the requestor, and a copy to the watchers
		// told of correspondence.
		mustDo(t, s.Reply(ctx, "alice", id, "We are on it."))
		want = []string{"oscar@example.org", "pat@example.com", "walt@example.org"}
		if got := outboxTo(t, s, id, mailstore.KindCorrespond); !slices.Equal(got, want) {
			t.Errorf("the answer went to %v, want %v", got, want)
		}

		// Granted again with notify all, nina gets the copies too.
		mustDo(t, s.GrantRole(ctx, "root", "support", mailstore.RoleGrant{User: "nina", Role: mailstore.RoleWatcher, Notify: mailstore.NotifyAll}))
		wantErr(t, "grant the same", s.GrantRole(ctx, "root", "support", mailstore.RoleGrant{User: "nina", Role: mailstore.RoleWatcher}),
			mailstore.ErrConflict, "nina is a watcher of support already")
		mustDo(t, s.Reply(ctx, "alice", id, "Fixed."))
		want = []string{"nina@example.org", "oscar@example.org", "oscar@example.org", "pat@example.com", "pat@example.com", "walt@example.org", "walt@example.org"}
		if got := outboxTo(t, s, id, mailstore.KindCorrespond); !slices.Equal(got, want) {
			t.Errorf("the answers went to %v, want %v", got, want)
		}
	})
}

// sameAddrs reports whether a and b hold the same strings as many times.
func sameAddrs(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
