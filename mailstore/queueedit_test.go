package mailstore_test

import (
	"context"
	"fmt"
	"strings"
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

// TestQueueRenameSight: a caseworker of a queue still sees a ticket moved
// out of it before the queue was renamed, up to the move, and the move
// still says what it said; the old name still finds the queue, and no new
// queue may take it.
func TestQueueRenameSight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		t1, _, t3 := editDesk(t, s)
		ctx := context.Background()
		if err := s.Move(ctx, "alice", t1, "it-help"); err != nil {
			t.Fatal(err)
		}
		q, err := s.SetQueue(ctx, "root", "support", mailstore.QueueChange{Name: ptr("Helpdesk")})
		if err != nil {
			t.Fatal(err)
		}
		if q.Name != "helpdesk" || q.Tag != "support" || q.Address != "support@example.org" {
			t.Errorf("renamed queue = %s [%s] %s, want helpdesk [support] support@example.org", q.Name, q.Tag, q.Address)
		}
		if tk, err := s.As("alice").Ticket(ctx, t1); err != nil || tk.Queue != "it-help" {
			t.Errorf("alice reads ticket %d moved out of her renamed queue: %v, %v", t1, tk, err)
		}
		txs, err := s.As("alice").History(ctx, t1)
		if err != nil || len(txs) == 0 {
			t.Fatalf("alice reads the history of ticket %d: %v, %v", t1, txs, err)
		}
		if last := txs[len(txs)-1]; last.Type != mailstore.TxMove || last.Old != "support" || last.New != "it-help" {
			t.Errorf("the last transaction alice sees = %s %s→%s, want the move from support as it was written", last.Type, last.Old, last.New)
		}
		if _, err := s.As("alice").Ticket(ctx, t3); !mailstore.IsRefusal(err) {
			t.Errorf("alice reads ticket %d, never in her queue: err = %v, want no ticket", t3, err)
		}
		if q, err := s.Queue(ctx, "SUPPORT"); err != nil || q.Name != "helpdesk" {
			t.Errorf("Queue(former name) = %v, %v; want helpdesk", q, err)
		}
		_, err = s.CreateQueue(ctx, "root", mailstore.NewQueue{Name: "support", Address: "desk@example.org"})
		wantErr(t, "a new queue of a former name", err, mailstore.ErrConflict, "former name of queue helpdesk")
		d, err := s.As("root").QueueDetail(ctx, "helpdesk")
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Renames) != 1 || d.Renames[0].What != "name" || d.Renames[0].Old != "support" || d.Renames[0].New != "helpdesk" || d.Renames[0].By != "root" {
			t.Errorf("renames of helpdesk = %+v, want support → helpdesk by root", d.Renames)
		}
	})
}

// TestQueueTagThreads: after a queue's subject tag changes, a reply with
// the old tag and one with the new both thread to their ticket, new mail
// is written with the new tag, and a caseworker's mail with the old tag
// and a number that does not exist is held as with the new.
func TestQueueTagThreads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s)
		ctx := context.Background()
		d := mustDeliver(t, s, incoming(q, "pat@example.com", "p1@example.com", "Printer", "It burns."))
		q, err := s.SetQueue(ctx, "root", "support", mailstore.QueueChange{Tag: ptr("HD")})
		if err != nil {
			t.Fatal(err)
		}
		for i, tag := range []string{"support", "SUPPORT", "HD", "hd"} {
			in := incoming(q, "pat@example.com", fmt.Sprintf("r%d@example.com", i), fmt.Sprintf("Re: [%s #%d] Printer", tag, d.Ticket), "Still burning.")
			in.Tags = []mailstore.Tag{{Tag: tag, ID: d.Ticket}}
			if r := mustDeliver(t, s, in); r.Created || r.Ticket != d.Ticket {
				t.Errorf("a reply tagged [%s #%d] = ticket %d (created %v), want ticket %d", tag, d.Ticket, r.Ticket, r.Created, d.Ticket)
			}
		}
		n := mustDeliver(t, s, incoming(q, "kim@example.com", "k1@example.com", "Lab access", "Room 101."))
		got := sent(t, s, mailstore.KindAutoReply, "kim@example.com")
		if want := fmt.Sprintf("[HD #%d]", n.Ticket); len(got) != 1 || !strings.Contains(got[0], want) {
			t.Errorf("the acknowledgement after the tag change: %q, want it tagged %s", got, want)
		}
		in := incoming(q, "alice@example.org", "a1@example.org", "Re: [support #999] Printer", "Done.")
		in.Tags = []mailstore.Tag{{Tag: "support", ID: 999}}
		in.Verified = true
		if r := mustDeliver(t, s, in); r.Kind != "quarantine" {
			t.Errorf("a caseworker's mail tagged [support #999] = %+v, want it held", r)
		}
	})
}

// TestQueueRenameRefused: a new name or tag that another queue has or
// had (any case), an invalid one, one asked by a manager, and an
// imported tracker's tag are refused, and a refused edit changes nothing.
func TestQueueRenameRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		storetest.Desk(t, s)
		ctx := context.Background()
		if err := s.Grant(ctx, "root", "support", "bob", mailstore.RoleManager); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetQueue(ctx, "root", "it-help", mailstore.QueueChange{Name: ptr("desk"), Tag: ptr("DSK")}); err != nil {
			t.Fatal(err)
		}
		im, err := s.NewImporter(ctx, "rt.example.org")
		if err != nil {
			t.Fatal(err)
		}
		if err := im.AddSubjectTag(ctx, "RT.example.org"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name   string
			as     string
			change mailstore.QueueChange
			kind   error
			says   string
		}{
			{"another's name", "root", mailstore.QueueChange{Name: ptr("Desk")}, mailstore.ErrConflict, "queue desk exists already"},
			{"another's former name", "root", mailstore.QueueChange{Name: ptr("IT-help")}, mailstore.ErrConflict, "former name of queue desk"},
			{"another's tag", "root", mailstore.QueueChange{Tag: ptr("dsk")}, mailstore.ErrConflict, "subject tag of queue desk"},
			{"another's former tag", "root", mailstore.QueueChange{Tag: ptr("it")}, mailstore.ErrConflict, "former subject tag of queue desk"},
			{"an imported tracker's tag", "root", mailstore.QueueChange{Tag: ptr("rt.example.org")}, mailstore.ErrConflict, "rt.example.org"},
			{"no name", "root", mailstore.QueueChange{Name: ptr("help desk")}, mailstore.ErrInvalid, "not valid"},
			{"no tag", "root", mailstore.QueueChange{Tag: ptr("[HD]")}, mailstore.ErrInvalid, "not valid"},
			{"a manager's rename", "bob", mailstore.QueueChange{Name: ptr("helpdesk")}, mailstore.ErrPermission, "only a sysadmin may rename queues"},
			{"a manager's tag", "bob", mailstore.QueueChange{Tag: ptr("HD")}, mailstore.ErrPermission, "only a sysadmin may change the subject tags"},
			{"a good name with a taken tag", "root", mailstore.QueueChange{Name: ptr("helpdesk"), Tag: ptr("DSK"), Lang: ptr(mailstore.LangNB)}, mailstore.ErrConflict, "subject tag of queue desk"},
		} {
			_, err := s.SetQueue(ctx, c.as, "support", c.change)
			wantErr(t, c.name, err, c.kind, c.says)
		}
		d, err := s.As("root").QueueDetail(ctx, "support")
		if err != nil {
			t.Fatal(err)
		}
		if d.Name != "support" || d.Tag != "support" || d.Lang != mailstore.LangEN || len(d.Renames) != 0 {
			t.Errorf("support after refused edits: %s [%s] %s, renames %+v; want it as it was", d.Name, d.Tag, d.Lang, d.Renames)
		}
		if _, err := s.Queue(ctx, "helpdesk"); !mailstore.IsRefusal(err) {
			t.Errorf("Queue(helpdesk) err = %v, want no queue", err)
		}
		// Its own former name and tag are its own to take back.
		for _, c := range []mailstore.QueueChange{{Name: ptr("it-help"), Tag: ptr("IT")}, {Name: ptr("it-help"), Tag: ptr("IT")}} {
			if q, err := s.SetQueue(ctx, "root", "desk", c); err != nil || q.Name != "it-help" || q.Tag != "IT" {
				t.Errorf("desk back to it-help [IT]: %v, %v", q, err)
			}
		}
		if d, err := s.As("root").QueueDetail(ctx, "it-help"); err != nil || len(d.Renames) != 4 {
			t.Errorf("renames of it-help: %+v, %v; want 4 (the same name again is no rename)", d, err)
		}
	})
}
