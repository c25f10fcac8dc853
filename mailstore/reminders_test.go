package mailstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

func TestReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
		clk := &fixedClock{t: t0}
		s := open(t, mailstore.WithClock(clk.now))
		storetest.Desk(t, s)
		id := newTicket(t, s, "alice", "support", "Printer on fire", "It burns.")
		before, err := s.Ticket(ctx, id)
		mustDo(t, err)

		t.Run("refusals", func(t *testing.T) {
			_, err := s.AddReminder(ctx, "carol", id, t0.Add(time.Hour), "", "call back")
			if !errors.Is(err, mailstore.ErrNotFound) {
				t.Errorf("AddReminder by carol: err = %v, want ErrNotFound", err)
			}
			_, err = s.AddReminder(ctx, "alice", id, t0.Add(time.Hour), "carol", "call back")
			if !errors.Is(err, mailstore.ErrPermission) {
				t.Errorf("AddReminder for carol: err = %v, want ErrPermission", err)
			}
			_, err = s.AddReminder(ctx, "alice", id, t0.Add(time.Hour), "nobody", "call back")
			if !errors.Is(err, mailstore.ErrUnknownUser) {
				t.Errorf("AddReminder for nobody: err = %v, want ErrUnknownUser", err)
			}
			_, err = s.AddReminder(ctx, "alice", id, t0.Add(time.Hour), "", "  ")
			if !errors.Is(err, mailstore.ErrInvalid) {
				t.Errorf("AddReminder without text: err = %v, want ErrInvalid", err)
			}
			_, err = s.AddReminder(ctx, "alice", 999, t0.Add(time.Hour), "", "call back")
			if !errors.Is(err, mailstore.ErrNotFound) {
				t.Errorf("AddReminder on ticket 999: err = %v, want ErrNotFound", err)
			}
		})

		r, err := s.AddReminder(ctx, "alice", id, t0.Add(2*time.Hour), "bob", "Call Pat back\nabout the toner.")
		if err != nil {
			t.Fatalf("AddReminder: %v", err)
		}
		if r.ID == 0 || r.To != "bob" || r.CreatedBy != "alice" || !r.Due.Equal(t0.Add(2*time.Hour)) || r.Done || r.Sent != nil {
			t.Errorf("AddReminder = %+v", r)
		}
		mine, err := s.AddReminder(ctx, "alice", id, t0.Add(3*time.Hour), "", "Check the printer")
		mustDo(t, err)
		if mine.To != "alice" {
			t.Errorf("reminder for the actor: To = %q, want alice", mine.To)
		}

		list, err := s.Reminders(ctx, mailstore.ReminderFilter{User: "bob", Open: true})
		mustDo(t, err)
		if len(list) != 1 || list[0].ID != r.ID || list[0].Text != "Call Pat back\nabout the toner." || list[0].TicketID != id {
			t.Fatalf("Reminders(bob) = %+v, want reminder %d", list, r.ID)
		}
		all, err := s.Reminders(ctx, mailstore.ReminderFilter{Ticket: id})
		mustDo(t, err)
		if len(all) != 2 || all[0].ID != r.ID || all[1].ID != mine.ID {
			t.Fatalf("Reminders(ticket) = %+v, want %d and %d by due time", all, r.ID, mine.ID)
		}

		// Not due yet.
		clk.set(t0.Add(time.Hour))
		if n, err := s.SendDueReminders(ctx); err != nil || n != 0 {
			t.Fatalf("SendDueReminders before due = %d, %v; want 0", n, err)
		}
		// Due: sent once.
		clk.set(t0.Add(2 * time.Hour))
		if n, err := s.SendDueReminders(ctx); err != nil || n != 1 {
			t.Fatalf("SendDueReminders when due = %d, %v; want 1", n, err)
		}
		if n, err := s.SendDueReminders(ctx); err != nil || n != 0 {
			t.Fatalf("SendDueReminders again = %d, %v; want 0", n, err)
		}
		out, err := s.Outbox(ctx, mailstore.OutboxFilter{Ticket: id, Status: "pending"})
		mustDo(t, err)
		var sent []mailstore.OutboxRow
		for _, o := range out {
			if o.Kind == mailstore.KindNotify && o.Rcpt == "bob@example.org" {
				sent = append(sent, o)
			}
		}
		if len(sent) != 1 {
			t.Fatalf("outbox = %+v, want one notify mail to bob", out)
		}
		raw, err := s.OutboxRaw(ctx, sent[0].ID)
		mustDo(t, err)
		for _, w := range []string{"Subject: [support #", "Reminder: Printer on fire", "Call Pat back", "support-comment@example.org", "--done"} {
			if !strings.Contains(string(raw), w) {
				t.Errorf("reminder mail lacks %q:\n%s", w, raw)
			}
		}
		list, err = s.Reminders(ctx, mailstore.ReminderFilter{User: "bob"})
		mustDo(t, err)
		if len(list) != 1 || list[0].Sent == nil || !list[0].Sent.Equal(t0.Add(2*time.Hour)) || list[0].Done {
			t.Fatalf("Reminders(bob) after sending = %+v, want sent at due, not done", list)
		}

		// Done: the other one is never sent.
		if err := s.DoneReminder(ctx, "bob", id, mine.ID); err != nil {
			t.Fatalf("DoneReminder: %v", err)
		}
		err = s.DoneReminder(ctx, "bob", id, mine.ID)
		if !errors.Is(err, mailstore.ErrConflict) {
			t.Errorf("DoneReminder twice: err = %v, want ErrConflict", err)
		}
		err = s.DoneReminder(ctx, "carol", id, r.ID)
		if !errors.Is(err, mailstore.ErrNotFound) || err.Error() != fmt.Sprintf("no ticket %d", id) {
			t.Errorf("DoneReminder by carol: err = %v, want no ticket %d", err, id)
		}
		err = s.DoneReminder(ctx, "bob", id, 999)
		if !errors.Is(err, mailstore.ErrNotFound) {
			t.Errorf("DoneReminder(999): err = %v, want ErrNotFound", err)
		}
		other := newTicket(t, s, "alice", "support", "Other", "")
		err = s.DoneReminder(ctx, "bob", other, r.ID)
		if !errors.Is(err, mailstore.ErrNotFound) {
			t.Errorf("DoneReminder on the wrong ticket: err = %v, want ErrNotFound", err)
		}
		clk.set(t0.Add(4 * time.Hour))
		if n, err := s.SendDueReminders(ctx); err != nil || n != 0 {
			t.Fatalf("SendDueReminders after done = %d, %v; want 0", n, err)
		}
		stillOpen, err := s.Reminders(ctx, mailstore.ReminderFilter{Open: true, Ticket: id})
		mustDo(t, err)
		if len(stillOpen) != 1 || stillOpen[0].ID != r.ID {
			t.Errorf("open reminders = %+v, want only %d", stillOpen, r.ID)
		}

		// On the ticket's history, without making it look worked on.
		hist, err := s.History(ctx, id)
		mustDo(t, err)
		var types []string
		for _, x := range hist {
			if strings.HasPrefix(x.Type, "reminder") {
				types = append(types, x.Type)
			}
		}
		if got := strings.Join(types, ","); got != "reminder,reminder,reminder-sent,reminder-done" {
			t.Errorf("reminder transactions = %s", got)
		}
		after, err := s.Ticket(ctx, id)
		mustDo(t, err)
		if !after.Updated.Equal(before.Updated) {
			t.Errorf("ticket updated %v, was %v: reminders must not touch it", after.Updated, before.Updated)
		}
	})
}

// TestRemindersSentOnce runs SendDueReminders from two stores on one
// database, two goroutines each, as two 'sak serve' processes would.
func TestRemindersSentOnce(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := storetest.Open(t, dsn)
		b := storetest.Open(t, dsn)
		storetest.Desk(t, a)
		const n = 12
		var ids []int64
		for i := 0; i < n; i++ {
			id := newTicket(t, a, "alice", "support", "Ticket", "")
			ids = append(ids, id)
			if _, err := a.AddReminder(ctx, "alice", id, time.Now().Add(-time.Minute), "bob", "due"); err != nil {
				t.Fatal(err)
			}
		}
		total := atOnce(t, []*mailstore.Store{a, b, a, b}, (*mailstore.Store).SendDueReminders)
		if total != n {
			t.Errorf("sent %d reminders in all, want %d", total, n)
		}
		for _, id := range ids {
			out, err := a.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
			mustDo(t, err)
			if len(out) != 1 {
				t.Errorf("ticket %d: %d reminder mails, want 1", id, len(out))
			}
		}
		rs, err := b.Reminders(ctx, mailstore.ReminderFilter{})
		mustDo(t, err)
		for _, r := range rs {
			if r.Sent == nil {
				t.Errorf("reminder %d not marked sent", r.ID)
			}
		}
	})
}
