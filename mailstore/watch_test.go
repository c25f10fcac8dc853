package mailstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestWatch: a ticket's own watchers get its requestors' mail whoever
// owns it and its comments, as the queue's watchers do; watching oneself
// takes seeing the ticket, making another watch takes a caseworker; every
// refusal leaves the history as it was.
func TestWatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s)
		ctx := context.Background()
		id := mustDeliver(t, s, incoming(q, "pat@example.com", "w1@example.com", "Printer", "It jams.")).Ticket
		if err := s.Act(ctx, "alice", id, mailstore.Action{Name: "take"}); err != nil {
			t.Fatal(err)
		}
		before := historyLen(t, s, id)
		for _, c := range []struct {
			name, as, login string
			add             bool
			kind            error
		}{
			{"another queue's caseworker watches", "carol", "", true, mailstore.ErrNotFound},
			{"a watcher makes another watch", "walt", "bob", true, mailstore.ErrPermission},
			{"one who does not see it is made to watch", "alice", "carol", true, mailstore.ErrPermission},
			{"an unknown user is made to watch", "alice", "nobody", true, mailstore.ErrUnknownUser},
			{"unwatching one not watching", "bob", "", false, mailstore.ErrNotFound},
			{"another queue's caseworker unwatches", "carol", "", false, mailstore.ErrNotFound},
			{"no ticket", "alice", "", true, mailstore.ErrNotFound},
		} {
			tid := id
			if c.name == "no ticket" {
				tid = 999
			}
			op := s.Unwatch
			if c.add {
				op = s.Watch
			}
			refused(t, s, c.name, op(ctx, c.as, tid, c.login), c.kind, id, before)
		}
		if err := s.Watch(ctx, "alice", id, "bob"); err != nil {
			t.Fatal(err)
		}
		if err := s.Watch(ctx, "walt", id, ""); err != nil { // a queue watcher sees it
			t.Fatal(err)
		}
		refused(t, s, "watching again", s.Watch(ctx, "bob", id, ""), mailstore.ErrConflict, id, before+2)
		tk, err := s.Ticket(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"bob", "walt"}; !slices.Equal(tk.Watchers, want) {
			t.Errorf("watchers = %q, want %q", tk.Watchers, want)
		}
		if got, want := lastTxns(t, s, id, 2), []string{"watch →bob", "watch →walt"}; !slices.Equal(got, want) {
			t.Errorf("history = %q, want %q", got, want)
		}
		// alice owns it: the requestor's mail goes to her and bob, not to
		// the queue's watchers (walt watches the ticket, so he hears too).
		seen := len(outboxTo(t, s, id, mailstore.KindNotify)) // walt's of the new ticket
		f := incoming(q, "pat@example.com", "w2@example.com", fmt.Sprintf("Re: [support #%d] Printer", id), "Still jams.")
		f.Tags = []mailstore.Tag{{Tag: "support", ID: id}}
		mustDeliver(t, s, f)
		if to := outboxTo(t, s, id, mailstore.KindNotify); seen != 1 || len(to) != 4 || !slices.Contains(to, "alice@example.org") || !slices.Contains(to, "bob@example.org") {
			t.Errorf("the requestor's mail went to %v, want alice, bob and walt", to)
		}
		if err := s.Unwatch(ctx, "walt", id, ""); err != nil {
			t.Fatal(err)
		}
		refused(t, s, "a watcher stops another", s.Unwatch(ctx, "walt", id, "bob"), mailstore.ErrPermission, id, historyLen(t, s, id))
		if err := s.Comment(ctx, "alice", id, "Ordered a new drum."); err != nil {
			t.Fatal(err)
		}
		if to := outboxTo(t, s, id, mailstore.KindComment); strings.Join(to, ",") != "bob@example.org,walt@example.org" {
			t.Errorf("the comment went to %v, want bob and walt (the queue's watcher)", to)
		}
		// bob loses his role: he gets no more of the ticket's mail.
		if err := s.Revoke(ctx, "root", "support", "bob", mailstore.RoleCaseworker); err != nil {
			t.Fatal(err)
		}
		n := len(outboxTo(t, s, id, mailstore.KindComment))
		if err := s.Comment(ctx, "alice", id, "Drum arrived."); err != nil {
			t.Fatal(err)
		}
		if to := outboxTo(t, s, id, mailstore.KindComment); len(to) != n+1 {
			t.Errorf("after bob's role went, the comment went to %v", to)
		}
		if err := s.Unwatch(ctx, "root", id, "bob"); err != nil {
			t.Fatal(err)
		}
		if got, want := lastTxns(t, s, id, 1), []string{"unwatch bob→"}; !slices.Equal(got, want) {
			t.Errorf("history = %q, want %q", got, want)
		}
		// Moved to another queue: walt sees it only up to the move, so
		// may not watch it.
		if err := s.Act(ctx, "root", id, mailstore.Action{Name: "move", Arg: "it-help"}); err != nil {
			t.Fatal(err)
		}
		refused(t, s, "one who sees it up to its move", s.Watch(ctx, "walt", id, ""), mailstore.ErrPermission, id, historyLen(t, s, id))
	})
}

// TestAddTime: minutes worked add up in time_worked, each entry a time
// transaction with its comment; bad minutes and those who may not work
// the ticket change nothing.
func TestAddTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		id, _, _ := editDesk(t, s)
		ctx := context.Background()
		if err := s.AddTime(ctx, "alice", id, 30, " Replaced the drum "); err != nil {
			t.Fatal(err)
		}
		if err := s.AddTime(ctx, "bob", id, 15, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.EditTicket(ctx, "alice", id, mailstore.TicketChange{Estimate: ptr(120)}); err != nil {
			t.Fatal(err)
		}
		tk, err := s.Ticket(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if tk.TimeWorked != 45 || tk.TimeEstimated != 120 {
			t.Errorf("time worked %d, estimated %d; want 45 and 120", tk.TimeWorked, tk.TimeEstimated)
		}
		h, err := s.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range h[len(h)-3:] {
			got = append(got, fmt.Sprintf("%s %s %s→%s %q", x.Actor, x.Type, x.Old, x.New, x.Note))
		}
		want := []string{`alice time 0→30 "Replaced the drum"`, `bob time 30→45 ""`, `alice set-time_estimated 0→120 ""`}
		if !slices.Equal(got, want) {
			t.Errorf("history = %q, want %q", got, want)
		}
		before := historyLen(t, s, id)
		for _, c := range []struct {
			name, as string
			minutes  int
			kind     error
		}{
			{"a watcher", "walt", 10, mailstore.ErrPermission},
			{"another queue's caseworker", "carol", 10, mailstore.ErrNotFound},
			{"zero", "alice", 0, mailstore.ErrInvalid},
			{"more than a week", "alice", mailstore.MaxMinutes + 1, mailstore.ErrInvalid},
			{"below zero in all", "alice", -46, mailstore.ErrInvalid},
		} {
			refused(t, s, c.name, s.AddTime(ctx, c.as, id, c.minutes, ""), c.kind, id, before)
		}
		refused(t, s, "two lines", s.AddTime(ctx, "alice", id, 5, "a\nb"), mailstore.ErrInvalid, id, before)
		refused(t, s, "negative estimate", s.EditTicket(ctx, "alice", id, mailstore.TicketChange{Estimate: ptr(-1)}), mailstore.ErrInvalid, id, before)
		if err := s.AddTime(ctx, "alice", id, -45, "booked on the wrong ticket"); err != nil {
			t.Fatal(err)
		}
		if tk, _ := s.Ticket(ctx, id); tk.TimeWorked != 0 {
			t.Errorf("time worked after taking 45 away: %d", tk.TimeWorked)
		}
	})
}
