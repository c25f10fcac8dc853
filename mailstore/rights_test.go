package mailstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestReadRights checks who reads what (see mailstore.Reader) on both
// databases: through every read of a Reader, and for writes on a ticket
// the actor does not see.
func TestReadRights(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		clk := &fixedClock{t: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
		tick := func() { clk.set(clk.now().Add(time.Minute)) }
		s := open(t, mailstore.WithClock(clk.now))
		storetest.Desk(t, s) // alice, bob: support; carol: it-help; walt watches support
		_, err := s.AddUser(ctx, "root", mailstore.NewUser{Login: "dave", Email: "dave@example.org"})
		mustDo(t, err)

		sup := newTicket(t, s, "alice", "support", "Printer on fire", "The printer burns.")
		tick()
		it := newTicket(t, s, "carol", "it-help", "VPN down", "The printer VPN is down.")
		tick()
		_, err = s.AddReminder(ctx, "alice", sup, clk.now().Add(time.Hour), "", "Call back.")
		mustDo(t, err)
		reminded := func(as string) int {
			t.Helper()
			rs, err := s.As(as).Reminders(ctx, mailstore.ReminderFilter{})
			mustDo(t, err)
			return len(rs)
		}

		// notFound checks that err is "no ticket id", as for a ticket that
		// does not exist.
		notFound := func(what string, err error, id int64) {
			t.Helper()
			if !errors.Is(err, mailstore.ErrNotFound) || err.Error() != fmt.Sprintf("no ticket %d", id) {
				t.Errorf("%s: err = %v, want no ticket %d", what, err, id)
			}
		}
		listed := func(as string) []int64 {
			t.Helper()
			ts, err := s.As(as).ListTickets(ctx, mailstore.Filter{})
			mustDo(t, err)
			var ids []int64
			for _, tk := range ts {
				ids = append(ids, tk.ID)
			}
			return ids
		}
		found := func(as string) []int64 {
			t.Helper()
			hits, err := s.As(as).Search(ctx, "printer", mailstore.SearchFilter{Limit: 10})
			mustDo(t, err)
			return hitIDs(hits)
		}
		received := func(as string) (map[string]int, int) {
			t.Helper()
			rows, total, err := s.As(as).Stats(ctx, mailstore.StatsFilter{})
			mustDo(t, err)
			m := map[string]int{}
			for _, r := range rows {
				m[r.Queue] = r.Received
			}
			return m, total.Received
		}
		mailOf := func(id int64) int64 {
			t.Helper()
			h, err := s.History(ctx, id)
			mustDo(t, err)
			for _, x := range h {
				if x.Message != nil {
					return x.Message.ID
				}
			}
			t.Fatalf("ticket %d has no mail", id)
			return 0
		}

		t.Run("other queue sees nothing", func(t *testing.T) {
			r := s.As("carol")
			_, err := r.Ticket(ctx, sup)
			notFound("Ticket", err, sup)
			_, err = r.History(ctx, sup)
			notFound("History", err, sup)
			_, err = r.Resolve(ctx, sup)
			notFound("Resolve", err, sup)
			_, err = r.TicketMail(ctx, sup, mailOf(sup))
			notFound("TicketMail", err, sup)
			_, err = r.Reminders(ctx, mailstore.ReminderFilter{Ticket: sup})
			notFound("Reminders", err, sup)
			_, err = r.Ticket(ctx, 999)
			notFound("Ticket(999)", err, 999)
			if n := reminded("carol"); n != 0 {
				t.Errorf("carol lists %d reminders, want none", n)
			}
			if got := listed("carol"); !slices.Equal(got, []int64{it}) {
				t.Errorf("carol lists %v, want [%d]", got, it)
			}
			if got := found("carol"); !slices.Equal(got, []int64{it}) {
				t.Errorf("carol finds %v, want [%d]", got, it)
			}
			if m, total := received("carol"); len(m) != 1 || m["it-help"] != 1 || total != 1 {
				t.Errorf("carol's stats: %v, total %d; want it-help 1, total 1", m, total)
			}
			// A queue named in the filter counts only what she sees.
			rows, total, err := r.Stats(ctx, mailstore.StatsFilter{Queues: []string{"support"}})
			mustDo(t, err)
			if rows[0].Received != 0 || total.Received != 0 {
				t.Errorf("carol's stats of support: %d, total %d; want 0", rows[0].Received, total.Received)
			}
		})

		t.Run("no role sees nothing", func(t *testing.T) {
			if got := listed("dave"); len(got) != 0 {
				t.Errorf("dave lists %v, want none", got)
			}
			if got := found("dave"); len(got) != 0 {
				t.Errorf("dave finds %v, want none", got)
			}
			if m, total := received("dave"); len(m) != 0 || total != 0 {
				t.Errorf("dave's stats: %v, total %d; want none", m, total)
			}
			_, err := s.As("dave").Members(ctx, "support")
			if !errors.Is(err, mailstore.ErrPermission) {
				t.Errorf("dave's Members(support): err = %v, want ErrPermission", err)
			}
			if _, err := s.As("nobody").ListTickets(ctx, mailstore.Filter{}); !errors.Is(err, mailstore.ErrUnknownUser) {
				t.Errorf("unknown user lists: err = %v, want ErrUnknownUser", err)
			}
		})

		t.Run("roles and sysadmins see", func(t *testing.T) {
			if got := listed("root"); !slices.Equal(got, []int64{it, sup}) {
				t.Errorf("root lists %v, want [%d %d]", got, it, sup)
			}
			if got := found("root"); len(got) != 2 {
				t.Errorf("root finds %v, want both", got)
			}
			if m, total := received("root"); m["support"] != 1 || m["it-help"] != 1 || total != 2 {
				t.Errorf("root's stats: %v, total %d", m, total)
			}
			if n := reminded("root"); n != 1 {
				t.Errorf("root lists %d reminders, want 1", n)
			}
			if n := reminded("walt"); n != 1 {
				t.Errorf("walt lists %d reminders, want 1", n)
			}
			if got := listed("walt"); !slices.Equal(got, []int64{sup}) {
				t.Errorf("walt (watcher) lists %v, want [%d]", got, sup)
			}
			if _, err := s.As("walt").History(ctx, sup); err != nil {
				t.Errorf("walt's History: %v", err)
			}
			if ms, err := s.As("walt").Members(ctx, "support"); err != nil || len(ms) == 0 {
				t.Errorf("walt's Members(support) = %v, %v", ms, err)
			}
			// A watcher sees but may not work: that refusal may say why.
			if err := s.Take(ctx, "walt", sup); !errors.Is(err, mailstore.ErrPermission) {
				t.Errorf("Take by walt: err = %v, want ErrPermission", err)
			}
		})

		t.Run("granted then revoked", func(t *testing.T) {
			mustDo(t, s.Grant(ctx, "root", "support", "dave", mailstore.RoleCaseworker))
			if got := listed("dave"); !slices.Equal(got, []int64{sup}) {
				t.Errorf("dave as caseworker lists %v, want [%d]", got, sup)
			}
			if got := found("dave"); !slices.Equal(got, []int64{sup}) {
				t.Errorf("dave as caseworker finds %v, want [%d]", got, sup)
			}
			if _, err := s.As("dave").TicketMail(ctx, sup, mailOf(sup)); err != nil {
				t.Errorf("dave's TicketMail: %v", err)
			}
			mustDo(t, s.Revoke(ctx, "root", "support", "dave", ""))
			_, err := s.As("dave").Ticket(ctx, sup)
			notFound("Ticket after revoke", err, sup)
		})

		t.Run("writes on an unseen ticket", func(t *testing.T) {
			notFound("Comment by dave", s.Comment(ctx, "dave", sup, "hi"), sup)
			notFound("Take by carol", s.Take(ctx, "carol", sup), sup)
			notFound("Merge by carol", s.Merge(ctx, "carol", it, sup), sup)
			notFound("Promote by carol", s.Promote(ctx, "carol", sup, 1), sup)
			_, err := s.AddReminder(ctx, "carol", sup, clk.now(), "", "x")
			notFound("AddReminder by carol", err, sup)
			notFound("DoneReminder by carol", s.DoneReminder(ctx, "carol", sup, 999), sup)
		})

		t.Run("owner keeps, mover sees up to the move", func(t *testing.T) {
			owned := newTicket(t, s, "alice", "support", "Laptop", "It is slow.")
			tick()
			moved := newTicket(t, s, "bob", "support", "Password", "Forgot it.")
			before := mailOf(moved)
			tick()
			mustDo(t, s.Take(ctx, "alice", owned))
			mustDo(t, s.Move(ctx, "alice", owned, "it-help"))
			mustDo(t, s.Move(ctx, "bob", moved, "it-help"))
			tick()
			mustDo(t, s.Comment(ctx, "carol", moved, "Reset it for them."))
			mustDo(t, s.Comment(ctx, "carol", owned, "A new disk helps."))

			// The owner sees their ticket in full, listed too.
			h, err := s.As("alice").History(ctx, owned)
			mustDo(t, err)
			if last := h[len(h)-1]; last.Type != mailstore.TxComment {
				t.Errorf("alice's history of %d ends with %s, want the comment after the move", owned, last.Type)
			}
			if got := listed("alice"); !slices.Contains(got, owned) || slices.Contains(got, moved) {
				t.Errorf("alice lists %v: want %d (hers), not %d (moved away)", got, owned, moved)
			}

			// Bob sees the ticket he moved up to and including the move.
			r := s.As("bob")
			tk, err := r.Ticket(ctx, moved)
			if err != nil || tk.Queue != "it-help" {
				t.Fatalf("bob's Ticket(%d) = %v, %v", moved, tk, err)
			}
			h, err = r.History(ctx, moved)
			mustDo(t, err)
			if last := h[len(h)-1]; last.Type != mailstore.TxMove || last.New != "it-help" {
				t.Errorf("bob's history of %d ends with %s %s, want the move to it-help", moved, last.Type, last.New)
			}
			full, err := s.History(ctx, moved)
			mustDo(t, err)
			if len(h) != len(full)-1 {
				t.Errorf("bob sees %d of %d transactions, want all but the comment", len(h), len(full))
			}
			if _, err := r.TicketMail(ctx, moved, before); err != nil {
				t.Errorf("bob's TicketMail of the mail before the move: %v", err)
			}
			after := full[len(full)-1].Message
			if after == nil {
				t.Fatal("the comment has no mail")
			}
			if _, err := r.TicketMail(ctx, moved, after.ID); !errors.Is(err, mailstore.ErrNotFound) {
				t.Errorf("bob's TicketMail of the comment after the move: err = %v, want ErrNotFound", err)
			}
			if got := listed("bob"); slices.Contains(got, moved) {
				t.Errorf("bob lists %v: the ticket moved away is not in lists", got)
			}
			// Seeing is not working: the refusal may say why.
			if err := s.Take(ctx, "bob", moved); !errors.Is(err, mailstore.ErrPermission) {
				t.Errorf("Take by bob after the move: err = %v, want ErrPermission", err)
			}
			// Dave never held a role on support: nothing.
			_, err = s.As("dave").History(ctx, moved)
			notFound("dave's History of the moved ticket", err, moved)
		})

		t.Run("quarantine", func(t *testing.T) {
			_, err := s.Quarantine(ctx, "spam", "x@example.net", []string{"support@example.org"}, "x@example.net", "Cheap", []byte("Subject: Cheap\r\n\r\nbuy\r\n"))
			mustDo(t, err)
			q2, err := s.Quarantine(ctx, "spam", "y@example.net", []string{"it-help-comment@example.org"}, "y@example.net", "Cheaper", []byte("Subject: Cheaper\r\n\r\nbuy\r\n"))
			mustDo(t, err)
			for as, want := range map[string]int{"root": 2, "alice": 1, "carol": 1, "dave": 0} {
				qs, err := s.As(as).QuarantineList(ctx, "", 0)
				mustDo(t, err)
				if len(qs) != want {
					t.Errorf("%s lists %d quarantined mails, want %d", as, len(qs), want)
				}
			}
			if _, _, err := s.As("alice").QuarantineGet(ctx, q2); !errors.Is(err, mailstore.ErrNotFound) {
				t.Errorf("alice's QuarantineGet of it-help's mail: err = %v, want ErrNotFound", err)
			}
			if _, _, err := s.As("carol").QuarantineGet(ctx, q2); err != nil {
				t.Errorf("carol's QuarantineGet: %v", err)
			}
		})

		t.Run("disabled reads nothing", func(t *testing.T) {
			mustDo(t, s.DisableUser(ctx, "root", "walt"))
			if _, err := s.As("walt").ListTickets(ctx, mailstore.Filter{}); !errors.Is(err, mailstore.ErrDisabled) {
				t.Errorf("disabled walt lists: err = %v, want ErrDisabled", err)
			}
		})
	})
}

// TestWeekly: tickets received and resolved per week, of the tickets the
// user sees now.
func TestWeekly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		clock := newTestClock()
		since := clock.now()
		s := open(t, mailstore.WithClock(clock.now))
		storetest.Desk(t, s)
		a := newTicket(t, s, "alice", "support", "week 0", "")
		newTicket(t, s, "alice", "support", "week 0 too", "")
		clock.advance(8 * 24 * time.Hour)
		newTicket(t, s, "carol", "it-help", "week 1, it-help", "")
		mustDo(t, s.Take(ctx, "alice", a))
		mustDo(t, s.SetStatus(ctx, "alice", a, "resolve"))
		clock.advance(7 * 24 * time.Hour)
		for _, c := range []struct {
			who                string
			received, resolved []int
		}{
			{"root", []int{2, 1, 0}, []int{0, 1, 0}},
			{"alice", []int{2, 0, 0}, []int{0, 1, 0}},
			{"carol", []int{0, 1, 0}, []int{0, 0, 0}},
		} {
			ws, err := s.As(c.who).Weekly(ctx, since, 3)
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range ws {
				if w.Received != c.received[i] || w.Resolved != c.resolved[i] || !w.Start.Equal(since.AddDate(0, 0, 7*i)) {
					t.Errorf("%s's week %d = %+v, want received %d, resolved %d", c.who, i, w, c.received[i], c.resolved[i])
				}
			}
		}
	})
}
