package mailstore_test

import (
	"context"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestQueueAddressAndDisable: a changed address routes to the queue and
// the old one to none; a disabled queue's addresses route to none (smtpd
// answers 550 at RCPT) while its tickets stay readable.
func TestQueueAddressAndDisable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		_, _, it := editDesk(t, s)
		ctx := context.Background()
		if _, err := s.SetQueue(ctx, "root", "support", mailstore.QueueChange{Address: ptr("help@example.org")}); err != nil {
			t.Fatal(err)
		}
		if r, err := s.Route(ctx, "help@example.org"); err != nil || r.Queue.Name != "support" {
			t.Errorf("Route(new address) = %v, %v; want support", r.Queue, err)
		}
		if _, err := s.Route(ctx, "support@example.org"); !mailstore.IsRefusal(err) {
			t.Errorf("Route(old address) err = %v, want no queue", err)
		}
		if err := s.SwitchQueue(ctx, "root", "it-help", false); err != nil {
			t.Fatal(err)
		}
		_, err := s.Route(ctx, "it-help@example.org")
		wantErr(t, "Route to a disabled queue", err, mailstore.ErrUnknownQueue, "no queue")
		if tk, err := s.As("carol").Ticket(ctx, it); err != nil || tk.Queue != "it-help" {
			t.Errorf("a ticket of a disabled queue: %v, %v", tk, err)
		}
		// Its addresses are still its own: no other queue takes them.
		_, err = s.SetQueue(ctx, "root", "support", mailstore.QueueChange{Address: ptr("it-help@example.org")})
		wantErr(t, "another queue's address", err, mailstore.ErrConflict, "queue it-help")
		if err := s.SwitchQueue(ctx, "root", "it-help", true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Route(ctx, "it-help@example.org"); err != nil {
			t.Errorf("Route to an enabled queue: %v", err)
		}
	})
}
