package mailstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// editDesk is storetest.Desk with tickets 1 and 2 in support and 3 in
// it-help.
func editDesk(t *testing.T, s *mailstore.Store) (t1, t2, t3 int64) {
	t.Helper()
	storetest.Desk(t, s)
	ctx := context.Background()
	var ids []int64
	for _, nt := range []struct{ as, queue, subject string }{
		{"alice", "support", "Printer on fire"},
		{"bob", "support", "Lab access"},
		{"carol", "it-help", "VPN down"},
	} {
		id, err := s.CreateTicket(ctx, nt.as, mailstore.NewTicket{Queue: nt.queue, Requestors: []string{"pat@example.com"}, Subject: nt.subject})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids[0], ids[1], ids[2]
}

// lastTxns are the types, old and new values of the last n transactions
// of ticket id, as "type old→new".
func lastTxns(t *testing.T, s *mailstore.Store, id int64, n int) []string {
	t.Helper()
	txs, err := s.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range txs[max(0, len(txs)-n):] {
		out = append(out, x.Type+" "+x.Old+"→"+x.New)
	}
	return out
}

// refused checks that err is a refusal of kind and that it left ticket
// id's history as it was (before, its length).
func refused(t *testing.T, s *mailstore.Store, what string, err, kind error, id int64, before int) {
	t.Helper()
	if !errors.Is(err, kind) || !mailstore.IsRefusal(err) {
		t.Errorf("%s: err = %v, want a refusal of kind %v", what, err, kind)
	}
	txs, herr := s.History(context.Background(), id)
	if herr != nil {
		t.Fatal(herr)
	}
	if len(txs) != before {
		t.Errorf("%s: the history has %d rows, want %d (a refusal changes nothing)", what, len(txs), before)
	}
}

func historyLen(t *testing.T, s *mailstore.Store, id int64) int {
	t.Helper()
	txs, err := s.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return len(txs)
}

func TestEditTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		id, _, _ := editDesk(t, s)
		ctx := context.Background()
		due := time.Date(2027, 1, 15, 12, 0, 0, 0, time.UTC)
		if err := s.EditTicket(ctx, "alice", id, mailstore.TicketChange{Subject: ptr("  Printer on fire again \t"), Priority: ptr(7), Due: &due}); err != nil {
			t.Fatal(err)
		}
		want := []string{"set-subject Printer on fire→Printer on fire again", "set-priority 0→7", "set-due →2027-01-15T12:00:00Z"}
		if got := lastTxns(t, s, id, 3); !slices.Equal(got, want) {
			t.Errorf("history after the edit = %q, want %q", got, want)
		}
		tk, err := s.Ticket(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Subject != "Printer on fire again" || tk.Priority != 7 || tk.Due == nil || !tk.Due.Equal(due) {
			t.Errorf("after the edit: subject %q, priority %d, due %v", tk.Subject, tk.Priority, tk.Due)
		}
		// Only what changes is recorded; a zero due time takes it away.
		if err := s.EditTicket(ctx, "root", id, mailstore.TicketChange{Priority: ptr(7), Due: &time.Time{}}); err != nil {
			t.Fatal(err)
		}
		if got, want := lastTxns(t, s, id, 1), []string{"set-due 2027-01-15T12:00:00Z→"}; !slices.Equal(got, want) {
			t.Errorf("after --no-due: %q, want %q", got, want)
		}
		if tk, _ := s.Ticket(ctx, id); tk.Due != nil {
			t.Errorf("due after it was taken away: %v", tk.Due)
		}
		before := historyLen(t, s, id)
		for _, c := range []struct {
			name   string
			as     string
			change mailstore.TicketChange
			kind   error
		}{
			{"a watcher", "walt", mailstore.TicketChange{Priority: ptr(1)}, mailstore.ErrPermission},
			{"another queue's caseworker", "carol", mailstore.TicketChange{Priority: ptr(1)}, mailstore.ErrNotFound},
			{"nothing", "alice", mailstore.TicketChange{}, mailstore.ErrInvalid},
			{"empty subject", "alice", mailstore.TicketChange{Subject: ptr("  ")}, mailstore.ErrInvalid},
			{"two lines", "alice", mailstore.TicketChange{Subject: ptr("a\nb")}, mailstore.ErrInvalid},
			{"priority 100", "alice", mailstore.TicketChange{Priority: ptr(100)}, mailstore.ErrInvalid},
			{"priority -1", "alice", mailstore.TicketChange{Priority: ptr(-1)}, mailstore.ErrInvalid},
			{"the same values", "alice", mailstore.TicketChange{Priority: ptr(7), Subject: ptr("Printer on fire again")}, mailstore.ErrConflict},
			// One bad field refuses the good ones with it.
			{"a good and a bad field", "alice", mailstore.TicketChange{Subject: ptr("New"), Priority: ptr(1000)}, mailstore.ErrInvalid},
		} {
			err := s.EditTicket(ctx, c.as, id, c.change)
			refused(t, s, c.name, err, c.kind, id, before)
		}
		if tk, _ := s.Ticket(ctx, id); tk.Subject != "Printer on fire again" || tk.Priority != 7 {
			t.Errorf("after refused edits: subject %q, priority %d", tk.Subject, tk.Priority)
		}
	})
}

func TestUntake(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		id, _, _ := editDesk(t, s)
		ctx := context.Background()
		before := historyLen(t, s, id)
		refused(t, s, "untake of an unowned ticket", s.Untake(ctx, "alice", id), mailstore.ErrConflict, id, before)
		if err := s.Take(ctx, "alice", id); err != nil {
			t.Fatal(err)
		}
		before++
		refused(t, s, "a watcher untakes", s.Untake(ctx, "walt", id), mailstore.ErrPermission, id, before)
		refused(t, s, "another queue's caseworker untakes", s.Untake(ctx, "carol", id), mailstore.ErrNotFound, id, before)
		// As steal: another caseworker of the queue may.
		if err := s.Untake(ctx, "bob", id); err != nil {
			t.Fatalf("bob untakes alice's ticket: %v", err)
		}
		if got, want := lastTxns(t, s, id, 1), []string{"untake alice→"}; !slices.Equal(got, want) {
			t.Errorf("history = %q, want %q", got, want)
		}
		if tk, _ := s.Ticket(ctx, id); tk.Owner != nil {
			t.Errorf("owner after untake: %q", *tk.Owner)
		}
		// Its owner may, also when the ticket moved to a queue they
		// do not work.
		if err := s.Take(ctx, "alice", id); err != nil {
			t.Fatal(err)
		}
		if err := s.Move(ctx, "root", id, "it-help"); err != nil {
			t.Fatal(err)
		}
		if err := s.Untake(ctx, "alice", id); err != nil {
			t.Errorf("alice untakes her ticket in it-help: %v", err)
		}
	})
}

func TestLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		t1, t2, t3 := editDesk(t, s)
		ctx := context.Background()
		if err := s.LinkTicket(ctx, "alice", t1, mailstore.LinkDependsOn, t2); err != nil {
			t.Fatal(err)
		}
		if err := s.LinkTicket(ctx, "bob", t2, mailstore.LinkMemberOf, t1); err != nil {
			t.Fatal(err)
		}
		if got, want := lastTxns(t, s, t1, 1), []string{"link DependsOn→2"}; !slices.Equal(got, want) {
			t.Errorf("history of 1 = %q, want %q", got, want)
		}
		linksOf := func(as string, id int64) string {
			t.Helper()
			tk, err := s.As(as).Ticket(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, l := range tk.Links {
				out = append(out, l.Direction+" "+l.Type+" "+fmt.Sprint(l.Ticket))
			}
			return strings.Join(out, ", ")
		}
		if got, want := linksOf("alice", t1), "out DependsOn 2, in MemberOf 2"; got != want {
			t.Errorf("links of 1 = %q, want %q", got, want)
		}
		if got, want := linksOf("alice", t2), "out MemberOf 1, in DependsOn 1"; got != want {
			t.Errorf("links of 2 = %q, want %q", got, want)
		}
		before := historyLen(t, s, t1)
		for _, c := range []struct {
			name  string
			as    string
			typ   string
			other int64
			kind  error
		}{
			{"again", "alice", mailstore.LinkDependsOn, t2, mailstore.ErrConflict},
			{"to itself", "alice", mailstore.LinkRefersTo, t1, mailstore.ErrInvalid},
			{"to a ticket alice does not see", "alice", mailstore.LinkRefersTo, t3, mailstore.ErrNotFound},
			{"to no ticket", "alice", mailstore.LinkRefersTo, 999, mailstore.ErrNotFound},
			{"by a watcher", "walt", mailstore.LinkRefersTo, t2, mailstore.ErrPermission},
			{"of an unknown type", "alice", "HasMember", t2, mailstore.ErrInvalid},
		} {
			refused(t, s, "link "+c.name, s.LinkTicket(ctx, c.as, t1, c.typ, c.other), c.kind, t1, before)
		}
		refused(t, s, "unlink of no link", s.UnlinkTicket(ctx, "alice", t1, mailstore.LinkRefersTo, t2), mailstore.ErrNotFound, t1, before)
		refused(t, s, "unlink by a watcher", s.UnlinkTicket(ctx, "walt", t1, mailstore.LinkDependsOn, t2), mailstore.ErrPermission, t1, before)
		// Links to tickets the reader does not see are not shown.
		if err := s.LinkTicket(ctx, "root", t3, mailstore.LinkRefersTo, t1); err != nil {
			t.Fatal(err)
		}
		if got, want := linksOf("alice", t1), "out DependsOn 2, in MemberOf 2"; got != want {
			t.Errorf("links of 1 as alice = %q, want %q", got, want)
		}
		if got, want := linksOf("root", t1), "out DependsOn 2, in MemberOf 2, in RefersTo 3"; got != want {
			t.Errorf("links of 1 as root = %q, want %q", got, want)
		}
		if err := s.UnlinkTicket(ctx, "bob", t1, mailstore.LinkDependsOn, t2); err != nil {
			t.Fatal(err)
		}
		if got, want := lastTxns(t, s, t1, 1), []string{"unlink DependsOn→2"}; !slices.Equal(got, want) {
			t.Errorf("history of 1 = %q, want %q", got, want)
		}
		if got, want := linksOf("alice", t1), "in MemberOf 2"; got != want {
			t.Errorf("links of 1 after unlink = %q, want %q", got, want)
		}
	})
}

func TestRequestors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		id, _, _ := editDesk(t, s)
		ctx := context.Background()
		if err := s.AddRequestor(ctx, "alice", id, "Kim <KIM@example.com>"); err != nil {
			t.Fatal(err)
		}
		// A caseworker may be a requestor (not a Cc).
		if err := s.AddRequestor(ctx, "alice", id, "bob@example.org"); err != nil {
			t.Fatal(err)
		}
		if err := s.AddCc(ctx, "alice", id, "boss@example.com"); err != nil {
			t.Fatal(err)
		}
		before := historyLen(t, s, id)
		for _, c := range []struct {
			name, as, addr string
			kind           error
		}{
			{"again", "alice", "kim@example.com", mailstore.ErrConflict},
			{"a Cc", "alice", "boss@example.com", mailstore.ErrConflict},
			{"sak's own address", "alice", "support@example.org", mailstore.ErrInvalid},
			{"by a watcher", "walt", "lee@example.com", mailstore.ErrPermission},
			{"no address", "alice", "not an address", mailstore.ErrInvalid},
		} {
			refused(t, s, "add requestor "+c.name, s.AddRequestor(ctx, c.as, id, c.addr), c.kind, id, before)
		}
		refused(t, s, "remove a Cc as requestor", s.RemoveRequestor(ctx, "alice", id, "boss@example.com"), mailstore.ErrNotFound, id, before)
		for _, a := range []string{"pat@example.com", "bob@example.org"} {
			if err := s.RemoveRequestor(ctx, "bob", id, a); err != nil {
				t.Fatal(err)
			}
		}
		before += 2
		err := s.RemoveRequestor(ctx, "alice", id, "kim@example.com")
		refused(t, s, "remove the last requestor", err, mailstore.ErrConflict, id, before)
		if err != nil && !strings.Contains(err.Error(), "requestor add") {
			t.Errorf("removing the last requestor: %q, want it to say what to do", err)
		}
		if got, want := lastTxns(t, s, id, 2), []string{"del-requestor pat@example.com→", "del-requestor bob@example.org→"}; !slices.Equal(got, want) {
			t.Errorf("history = %q, want %q", got, want)
		}
		tk, _ := s.Ticket(ctx, id)
		if !slices.Equal(tk.Requestors, []string{"kim@example.com"}) || !slices.Equal(tk.Ccs, []string{"boss@example.com"}) {
			t.Errorf("requestors %q, Ccs %q", tk.Requestors, tk.Ccs)
		}
	})
}

// TestImportedTicketShows: what an import brings and no sak operation
// makes (minutes worked and estimated, a link to a URI and one made
// under the old tracker's name for a ticket) is on the ticket as read.
func TestImportedTicketShows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s)
		ctx := context.Background()
		im, err := s.NewImporter(ctx, "rt.example.org")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2020, 1, 2, 3, 4, 0, 0, time.UTC)
		base := mailstore.ImportTicket{QueueID: q.ID, Status: mailstore.StatusOpen, Created: now, Updated: now,
			Requestors: []mailstore.ImportPerson{{Email: "pat@example.com"}}}
		first, second := base, base
		first.OldID, first.Subject, first.TimeWorked, first.TimeEstimated = 1, "Old one", 90, 120
		first.Fields = []mailstore.Field{{Name: "Asset tag", Value: "PRN-0317"}, {Name: "Asset tag", Value: "LT-2291"}, {Name: "Kategori", Value: "Master"}}
		second.OldID, second.Subject = 2, "Old two"
		second.Links = []mailstore.ImportLink{
			{Type: "DependsOn", Target: "fsck.com-rt://rt.example.org/ticket/1", TargetID: 1 + im.Offset, Created: now},
			{Type: "RefersTo", Target: "https://wiki.example.org/Printers", Created: now},
		}
		if _, err := im.ImportTickets(ctx, []*mailstore.ImportTicket{&first, &second}, "", ""); err != nil {
			t.Fatal(err)
		}
		t1, err := s.Ticket(ctx, 1+im.Offset)
		if err != nil {
			t.Fatal(err)
		}
		if t1.TimeWorked != 90 || t1.TimeEstimated != 120 {
			t.Errorf("minutes worked %d, estimated %d; want 90, 120", t1.TimeWorked, t1.TimeEstimated)
		}
		if !slices.Equal(t1.Fields, first.Fields) {
			t.Errorf("fields of 1 = %+v, want %+v", t1.Fields, first.Fields)
		}
		want := []mailstore.Link{{Type: "DependsOn", Direction: "in", Ticket: 2 + im.Offset}}
		if !slices.Equal(t1.Links, want) {
			t.Errorf("links of 1 = %+v, want %+v", t1.Links, want)
		}
		t2, _ := s.Ticket(ctx, 2+im.Offset)
		want = []mailstore.Link{{Type: "DependsOn", Direction: "out", Ticket: 1 + im.Offset}, {Type: "RefersTo", Direction: "out", URI: "https://wiki.example.org/Printers"}}
		if !slices.Equal(t2.Links, want) {
			t.Errorf("links of 2 = %+v, want %+v", t2.Links, want)
		}
		// The link the old tracker made is the link sak would make: not
		// a second one, and unlink takes it away.
		if err := s.LinkTicket(ctx, "alice", 2+im.Offset, mailstore.LinkDependsOn, 1+im.Offset); !errors.Is(err, mailstore.ErrConflict) {
			t.Errorf("link as imported again: %v, want a conflict", err)
		}
		if err := s.UnlinkTicket(ctx, "alice", 2+im.Offset, mailstore.LinkDependsOn, 1+im.Offset); err != nil {
			t.Errorf("unlink the imported link: %v", err)
		}
		// A later import of the ticket replaces its fields.
		first.Fields = first.Fields[2:]
		first.LastTxn++
		if _, err := im.ImportTickets(ctx, []*mailstore.ImportTicket{&first}, "", ""); err != nil {
			t.Fatal(err)
		}
		if t1, err = s.Ticket(ctx, 1+im.Offset); err != nil || !slices.Equal(t1.Fields, first.Fields) {
			t.Errorf("fields of 1 after a second import = %+v, %v; want %+v", t1.Fields, err, first.Fields)
		}
	})
}
