package mailstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// digests is the digest mails queued for rcpt, decoded.
func digests(t *testing.T, s *mailstore.Store, rcpt string) []string {
	t.Helper()
	return lf(sent(t, s, mailstore.KindDigest, rcpt))
}

// TestDigest: a caseworker's digest lists what they own, their stalled
// tickets whose reminder is due and the unowned new tickets of their
// queues, at their time, once a day; nothing is sent when it is empty.
func TestDigest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		clock := newTestClock() // 2026-11-27 10:00 UTC
		s := open(t, mailstore.WithClock(clock.now), mailstore.WithLocation(time.UTC))
		storetest.Desk(t, s)
		unowned := newTicket(t, s, "alice", "support", "Printer on fire", "")
		owned := newTicket(t, s, "alice", "support", "Toner", "")
		mustDo(t, s.Take(ctx, "alice", owned))
		stalled := newTicket(t, s, "alice", "support", "Waiting for parts", "")
		mustDo(t, s.Take(ctx, "bob", stalled))
		mustDo(t, s.SetStatus(ctx, "bob", stalled, "stall"))
		_, err := s.AddReminder(ctx, "alice", stalled, clock.now().Add(time.Hour), "alice", "parts?")
		mustDo(t, err)
		elsewhere := newTicket(t, s, "carol", "it-help", "VPN down", "")

		if _, err := s.SetUserDigest(ctx, "bob", "alice", "07:30"); !errors.Is(err, mailstore.ErrPermission) {
			t.Errorf("SetUserDigest of another by a caseworker: err = %v, want ErrPermission", err)
		}
		u, err := s.SetUserDigest(ctx, "alice", "alice", "11:30")
		if err != nil || u.Digest != "11:30" {
			t.Fatalf("SetUserDigest = %+v, %v", u, err)
		}
		if _, err := s.SetUserDigest(ctx, "root", "alice", "11.30"); !errors.Is(err, mailstore.ErrInvalid) {
			t.Errorf("SetUserDigest(11.30): err = %v, want ErrInvalid", err)
		}
		// Carol's comes from her queue's default, and she has nothing
		// but an unowned ticket; bob's is off.
		_, err = s.SetQueue(ctx, "root", "it-help", mailstore.QueueChange{DigestDefault: ptr("09:00")})
		mustDo(t, err)

		clock.advance(time.Hour) // 11:00: not yet alice's time
		if n, err := s.SendDueDigests(ctx); err != nil || n != 1 {
			t.Fatalf("SendDueDigests at 11:00 = %d, %v; want carol's only", n, err)
		}
		if got := digests(t, s, "carol@example.org"); len(got) != 1 || !strings.Contains(got[0], "[IT #4] VPN down") {
			t.Errorf("carol's digest = %q", got)
		}
		clock.advance(time.Hour) // 12:00
		if n, err := s.SendDueDigests(ctx); err != nil || n != 1 {
			t.Fatalf("SendDueDigests at 12:00 = %d, %v; want alice's", n, err)
		}
		got := digests(t, s, "alice@example.org")
		if len(got) != 1 {
			t.Fatalf("alice's digests: %q", got)
		}
		owns, due, new := strings.Index(got[0], "Yours, waiting"), strings.Index(got[0], "Stalled, with a reminder due"), strings.Index(got[0], "New and unowned")
		if owns < 0 || due < owns || new < due {
			t.Fatalf("alice's digest lacks a part:\n%s", got[0])
		}
		for _, w := range []struct {
			part, line string
		}{
			{got[0][owns:due], "[support #2] Toner (new, waiting less than a day)"},
			{got[0][due:new], "[support #3] Waiting for parts"},
			{got[0][new:], "[support #1] Printer on fire (waiting less than a day)"},
		} {
			if !strings.Contains(w.part, w.line) {
				t.Errorf("digest part lacks %q:\n%s", w.line, w.part)
			}
		}
		if strings.Contains(got[0], "VPN down") || strings.Count(got[0], "Toner") != 1 {
			t.Errorf("alice's digest lists another queue's ticket or one twice:\n%s", got[0])
		}
		_, _ = unowned, elsewhere

		// Once a day; the next day again.
		clock.advance(time.Hour)
		if n, err := s.SendDueDigests(ctx); err != nil || n != 0 {
			t.Errorf("SendDueDigests again = %d, %v; want 0", n, err)
		}
		clock.advance(24 * time.Hour)
		if n, err := s.SendDueDigests(ctx); err != nil || n != 2 {
			t.Errorf("SendDueDigests the next day = %d, %v; want 2", n, err)
		}

		// Nothing to list, nothing sent.
		_, err = s.SetUserDigest(ctx, "root", "bob", "00:00")
		mustDo(t, err)
		mustDo(t, s.SetStatus(ctx, "bob", stalled, "open"))
		mustDo(t, s.Give(ctx, "bob", stalled, "alice"))
		mustDo(t, s.Take(ctx, "bob", unowned))
		mustDo(t, s.SetStatus(ctx, "bob", unowned, "resolve"))
		if n, err := s.SendDigests(ctx, "root", "bob"); err != nil || n != 0 {
			t.Errorf("SendDigests(bob) with nothing to list = %d, %v; want 0", n, err)
		}
		if got := digests(t, s, "bob@example.org"); len(got) != 0 {
			t.Errorf("bob's empty digest was sent: %q", got)
		}
		// On demand: sent again the same day.
		if n, err := s.SendDigests(ctx, "alice", "alice"); err != nil || n != 1 {
			t.Errorf("SendDigests(alice) by alice = %d, %v; want 1", n, err)
		}
		if _, err := s.SendDigests(ctx, "alice", ""); !errors.Is(err, mailstore.ErrPermission) {
			t.Errorf("SendDigests of everyone by a caseworker: err = %v, want ErrPermission", err)
		}
	})
}

// TestDigestSentOnce: two stores on one database, sending at once, send
// each digest once.
func TestDigestSentOnce(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := newTestClock()
		a := storetest.Open(t, dsn, mailstore.WithClock(clock.now), mailstore.WithLocation(time.UTC))
		b := storetest.Open(t, dsn, mailstore.WithClock(clock.now), mailstore.WithLocation(time.UTC))
		storetest.Desk(t, a)
		newTicket(t, a, "alice", "support", "Printer on fire", "")
		_, err := a.SetQueue(ctx, "root", "support", mailstore.QueueChange{DigestDefault: ptr("07:30")})
		mustDo(t, err)
		for round := range 3 {
			total := atOnce(t, []*mailstore.Store{a, b, a, b}, (*mailstore.Store).SendDueDigests)
			if total != 2 { // alice and bob, of support
				t.Errorf("day %d: %d digests sent, want 2", round, total)
			}
			clock.advance(24 * time.Hour)
		}
		for _, rcpt := range []string{"alice@example.org", "bob@example.org"} {
			if got := digests(t, a, rcpt); len(got) != 3 {
				t.Errorf("%s: %d digests in 3 days, want 3", rcpt, len(got))
			}
		}
	})
}

// eachDSN runs fn on a new SQLite file and, with SAK_TEST_POSTGRES, on a
// new PostgreSQL schema: for tests that open several stores on one.
func eachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "sqlite:"+t.TempDir()+"/sak.db") })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.PostgresDSN(t)) })
}

// atOnce runs send on each store at the same time and returns how many
// they sent in all.
func atOnce(t *testing.T, stores []*mailstore.Store, send func(*mailstore.Store, context.Context) (int, error)) int {
	var mu sync.Mutex
	total := 0
	var wg sync.WaitGroup
	for _, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := send(s, context.Background())
			if err != nil {
				t.Errorf("send: %v", err)
			}
			mu.Lock()
			total += k
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total
}

// TestDigestMore: a part of more than 100 tickets lists the oldest 100
// and says how many more there are, and where to see them.
func TestDigestMore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		clock := newTestClock()
		s := open(t, mailstore.WithClock(clock.now), mailstore.WithLocation(time.UTC))
		storetest.Desk(t, s)
		for i := range 103 {
			newTicket(t, s, "alice", "support", fmt.Sprintf("Request %03d", i), "")
		}
		if n, err := s.SendDigests(ctx, "bob", "bob"); err != nil || n != 1 {
			t.Fatalf("SendDigests(bob) = %d, %v", n, err)
		}
		got := digests(t, s, "bob@example.org")
		if len(got) != 1 {
			t.Fatalf("bob's digests: %d", len(got))
		}
		if !strings.Contains(got[0], "Request 099") || strings.Contains(got[0], "Request 100") ||
			!strings.Contains(got[0], "  … and 3 more: sak ticket list --owner nobody --status new\n") {
			t.Errorf("bob's digest of 103 unowned tickets:\n%s", got[0])
		}
	})
}

// TestDigestThroughGroup: a caseworker by a group's role gets the digest
// of its queue: its default time, its unowned new tickets.
func TestDigestThroughGroup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		clock := newTestClock() // 2026-11-27 10:00 UTC
		s := open(t, mailstore.WithClock(clock.now), mailstore.WithLocation(time.UTC))
		storetest.Desk(t, s)
		_, err := s.AddUser(ctx, "root", mailstore.NewUser{Login: "dave", Email: "dave@example.org"})
		mustDo(t, err)
		_, err = s.CreateGroup(ctx, "root", "it-team", "")
		mustDo(t, err)
		_, err = s.AddGroupMembers(ctx, "root", "it-team", []string{"dave"})
		mustDo(t, err)
		mustDo(t, s.GrantRole(ctx, "root", "it-help", mailstore.RoleGrant{Group: "it-team", Role: mailstore.RoleCaseworker}))
		_, err = s.SetQueue(ctx, "root", "it-help", mailstore.QueueChange{DigestDefault: ptr("09:00")})
		mustDo(t, err)
		id := newTicket(t, s, "carol", "it-help", "VPN down", "")

		if _, err := s.SendDueDigests(ctx); err != nil {
			t.Fatal(err)
		}
		if got := digests(t, s, "dave@example.org"); len(got) != 1 || !strings.Contains(got[0], fmt.Sprintf("[IT #%d] VPN down", id)) {
			t.Errorf("dave's digests = %q, want one listing ticket %d", got, id)
		}
	})
}
