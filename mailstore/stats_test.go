package mailstore_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

func durp(d time.Duration) *time.Duration { return &d }

func TestStats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		t0 := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
		clk := &fixedClock{t: t0.Add(-30 * 24 * time.Hour)}
		s := open(t, mailstore.WithClock(clk.now))
		storetest.Desk(t, s)
		at := func(d time.Duration) { clk.set(t0.Add(d)) }
		const h, day = time.Hour, 24 * time.Hour

		// Before the period: stalled now.
		at(-10 * day)
		s0 := newTicket(t, s, "alice", "support", "Old", "")
		mustDo(t, s.SetStatus(ctx, "alice", s0, "stall"))

		// support, in the period.
		at(0)
		s1 := newTicket(t, s, "alice", "support", "One", "")
		at(1 * h)
		mustDo(t, s.Reply(ctx, "alice", s1, "answer")) // first response 1h
		at(2 * h)
		mustDo(t, s.Reply(ctx, "bob", s1, "again")) // not the first
		at(5 * h)
		mustDo(t, s.SetStatus(ctx, "alice", s1, "resolve")) // resolution 5h

		at(1 * day)
		s2 := newTicket(t, s, "bob", "support", "Two", "")
		at(1*day + 3*h)
		mustDo(t, s.Reply(ctx, "bob", s2, "answer")) // 3h
		at(2 * day)
		mustDo(t, s.SetStatus(ctx, "bob", s2, "resolve")) // 24h

		at(2 * day)
		s3 := newTicket(t, s, "alice", "support", "Three", "")
		at(2*day + 2*h)
		mustDo(t, s.SetStatus(ctx, "alice", s3, "reject"))

		at(3 * day)
		s4 := newTicket(t, s, "alice", "support", "Four", "")
		at(3*day + h)
		mustDo(t, s.Comment(ctx, "alice", s4, "internal only")) // not a response: stays new

		at(4 * day)
		s5 := newTicket(t, s, "alice", "support", "Five", "")
		at(4*day + 30*time.Minute)
		mustDo(t, s.Reply(ctx, "alice", s5, "answer")) // 30m, open now

		at(5 * day)
		s6 := newTicket(t, s, "alice", "support", "Six, a duplicate", "")
		mustDo(t, s.Merge(ctx, "alice", s6, s5)) // not counted

		// it-help.
		at(1 * day)
		i1 := newTicket(t, s, "carol", "it-help", "Laptop", "")
		at(1*day + 2*h)
		mustDo(t, s.Reply(ctx, "carol", i1, "answer")) // 2h
		at(1*day + 4*h)
		mustDo(t, s.SetStatus(ctx, "carol", i1, "resolve")) // 4h
		at(8 * day)
		newTicket(t, s, "carol", "it-help", "After the period", "") // new now

		clk.set(t0.Add(20 * day))
		f := mailstore.StatsFilter{Since: t0, Until: t0.Add(7 * day)}
		rows, total, err := s.Stats(ctx, f)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		want := []mailstore.QueueStats{
			{Queue: "it-help", Received: 1, Resolved: 1, ResolvedShare: 1, NowNew: 1, Responded: 1, FirstResponse: durp(2 * h), Resolution: durp(4 * h)},
			{Queue: "support", Received: 5, Resolved: 2, Rejected: 1, ResolvedShare: 0.4, RejectedShare: 0.2, NowNew: 1, NowOpen: 1, NowStalled: 1,
				Responded: 3, FirstResponse: durp(h), Resolution: durp(14*h + 30*time.Minute)},
		}
		wantTotal := mailstore.QueueStats{Received: 6, Resolved: 3, Rejected: 1, ResolvedShare: 0.5, RejectedShare: 1.0 / 6, NowNew: 2, NowOpen: 1, NowStalled: 1,
			Responded: 4, FirstResponse: durp(90 * time.Minute), Resolution: durp(5 * h)}
		if len(rows) != len(want) {
			t.Fatalf("Stats rows = %+v, want %d rows", rows, len(want))
		}
		for i := range want {
			checkStats(t, rows[i], want[i])
		}
		checkStats(t, *total, wantTotal)

		// One queue; and a period with nothing in it.
		rows, total, err = s.Stats(ctx, mailstore.StatsFilter{Queues: []string{"support"}, Since: t0.Add(30 * day), Until: t0.Add(31 * day)})
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		if len(rows) != 1 {
			t.Fatalf("Stats(support) rows = %+v, want 1", rows)
		}
		checkStats(t, rows[0], mailstore.QueueStats{Queue: "support", NowNew: 1, NowOpen: 1, NowStalled: 1})
		checkStats(t, *total, mailstore.QueueStats{NowNew: 1, NowOpen: 1, NowStalled: 1})

		// No Since: from the first ticket; no Until: up to now.
		rows, _, err = s.Stats(ctx, mailstore.StatsFilter{Queues: []string{"support"}})
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		if rows[0].Received != 6 {
			t.Errorf("Stats(support, all time).Received = %d, want 6", rows[0].Received)
		}

		_, _, err = s.Stats(ctx, mailstore.StatsFilter{Queues: []string{"nope"}})
		if !errors.Is(err, mailstore.ErrUnknownQueue) {
			t.Errorf("Stats(nope): err = %v, want ErrUnknownQueue", err)
		}
		_, _, err = s.Stats(ctx, mailstore.StatsFilter{Since: t0, Until: t0})
		if !errors.Is(err, mailstore.ErrInvalid) {
			t.Errorf("Stats(empty period): err = %v, want ErrInvalid", err)
		}
	})
}

func checkStats(t *testing.T, got, want mailstore.QueueStats) {
	t.Helper()
	feq := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	deq := func(a, b *time.Duration) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
	if got.Queue != want.Queue || got.Received != want.Received || got.Resolved != want.Resolved || got.Rejected != want.Rejected ||
		!feq(got.ResolvedShare, want.ResolvedShare) || !feq(got.RejectedShare, want.RejectedShare) ||
		got.NowNew != want.NowNew || got.NowOpen != want.NowOpen || got.NowStalled != want.NowStalled || got.Responded != want.Responded ||
		!deq(got.FirstResponse, want.FirstResponse) || !deq(got.Resolution, want.Resolution) {
		t.Errorf("stats of %q:\n got %s\nwant %s", want.Queue, fmtStats(got), fmtStats(want))
	}
}

func fmtStats(s mailstore.QueueStats) string {
	d := func(p *time.Duration) string {
		if p == nil {
			return "nil"
		}
		return p.String()
	}
	return fmt.Sprintf("recv=%d res=%d rej=%d shares=%.4g/%.4g new=%d open=%d stalled=%d responded=%d first=%s resolution=%s",
		s.Received, s.Resolved, s.Rejected, s.ResolvedShare, s.RejectedShare, s.NowNew, s.NowOpen, s.NowStalled, s.Responded, d(s.FirstResponse), d(s.Resolution))
}
