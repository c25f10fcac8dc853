package smtpd

import (
	"context"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// clockRig is newRig on a store that reads the time from the clock it
// returns.
func clockRig(t *testing.T, open storetest.Opener) (*rig, *storetest.Clock) {
	t.Helper()
	clk := storetest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	s := open(t, mailstore.WithClock(clk.Now))
	storetest.Desk(t, s)
	return serve(t, s, Config{}), clk
}

// alertsTo are the texts (subject line, then the decoded body) of the
// alerts queued for rcpt, oldest first.
func alertsTo(t *testing.T, r *rig, rcpt string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := r.store.Outbox(ctx, mailstore.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, row := range rows {
		if row.Kind != mailstore.KindAlert || row.Rcpt != rcpt {
			continue
		}
		raw, err := r.store.OutboxRaw(ctx, row.ID)
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, m.Header.Get("Subject")+"\n"+string(body))
	}
	return texts
}

// claimer returns returnPath: it claims every pending row, as the
// outbound worker does before sending, and returns the signed return path
// of the claimed row of kind to rcpt about ticket.
func claimer(t *testing.T, r *rig) (returnPath func(ticket int64, rcpt, kind string) string) {
	var claimed []mailstore.OutboxRow
	return func(ticket int64, rcpt, kind string) string {
		t.Helper()
		rows, err := r.store.ClaimOutbox(context.Background(), 1000, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		claimed = append(claimed, rows...)
		for _, row := range claimed {
			if row.TicketID == ticket && row.Rcpt == rcpt && row.Kind == kind {
				return row.MailFrom
			}
		}
		t.Fatalf("no %s mail to %s about ticket %d claimed", kind, rcpt, ticket)
		return ""
	}
}

// newest is the ticket made last.
func newest(r *rig) int64 {
	var id int64
	for _, tk := range r.tickets() {
		id = max(id, tk.ID)
	}
	return id
}

// lastTxn is the last transaction of ticket id, which must be of type typ.
func lastTxn(t *testing.T, r *rig, id int64, typ string) mailstore.Transaction {
	t.Helper()
	h := r.history(id)
	last := h[len(h)-1]
	if last.Type != typ {
		t.Fatalf("last transaction of ticket %d = %+v, want %s", id, last, typ)
	}
	return last
}

// The owner, or the watchers when the ticket is unowned, hear of a
// bounce of sak's mail on it: whom it bounced from and what the report
// said; never of a delay, never of an alert that bounced, never at the
// address that bounced, and at most once in a while however many come.
func TestBounceAlert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r, clk := clockRig(t, open)
		pat, walt, alice := "pat@example.com", "walt@example.org", "alice@example.org"
		var ids []int64
		for i, subject := range []string{"Printer", "Scanner"} {
			r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", subject, fmt.Sprintf("ba%d@example.com", i), "", "help"))
			id := newest(r)
			if err := r.store.Reply(ctx, "alice", id, "Try turning it off."); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		a, b := ids[0], ids[1]
		returnPath := claimer(t, r)
		ra := returnPath(a, pat, mailstore.KindCorrespond)
		rb := returnPath(b, pat, mailstore.KindCorrespond)

		// A delay is recorded, and tells no one.
		delayed := strings.Replace(dsn("ba-delay", pat, ""), "Action: failed", "Action: delayed", 1)
		r.mustSend("", []string{ra}, delayed)
		lastTxn(t, r, a, mailstore.TxBounce)
		if got := alertsTo(t, r, walt); len(got) != 0 {
			t.Fatalf("a delay alerted the watcher: %q", got)
		}

		// A failure tells the watcher of the unowned ticket.
		r.mustSend("", []string{ra}, dsn("ba-fail1", pat, ""))
		bounce := lastTxn(t, r, a, mailstore.TxBounce)
		got := alertsTo(t, r, walt)
		if len(got) != 1 {
			t.Fatalf("alerts to the watcher: %q, want 1", got)
		}
		for _, want := range []string{fmt.Sprintf("[support #%d] Undeliverable: Printer", a), "to " + pat, "5.1.1 user unknown", fmt.Sprintf("transaction %d", bounce.ID)} {
			if !strings.Contains(got[0], want) {
				t.Errorf("alert lacks %q:\n%s", want, got[0])
			}
		}
		for _, x := range []string{pat, alice, "bob@example.org"} {
			if n := len(alertsTo(t, r, x)); n != 0 {
				t.Errorf("%d alerts to %s", n, x)
			}
		}

		// A second bounce within the window, of another ticket, is
		// recorded and folded into the next alert.
		r.mustSend("", []string{rb}, dsn("ba-fail2", pat, ""))
		lastTxn(t, r, b, mailstore.TxBounce)
		if got := alertsTo(t, r, walt); len(got) != 1 {
			t.Fatalf("a bounce storm: %d alerts to the watcher, want 1", len(got))
		}
		clk.Add(16 * time.Minute)
		r.mustSend("", []string{ra}, dsn("ba-fail3", pat, ""))
		got = alertsTo(t, r, walt)
		if len(got) != 2 || !strings.Contains(got[1], fmt.Sprintf("1 more bounce since 2026-12-01 09:00 UTC, not announced one by one: #%d.", b)) {
			t.Fatalf("alerts after the window: %q, want a second naming #%d", got, b)
		}

		// An owned ticket's bounce tells the owner alone.
		if err := r.store.Take(ctx, "alice", a); err != nil {
			t.Fatal(err)
		}
		r.mustSend("", []string{ra}, dsn("ba-fail4", pat, ""))
		if got := alertsTo(t, r, alice); len(got) != 1 || !strings.Contains(got[0], "to "+pat) {
			t.Fatalf("alerts to the owner: %q, want 1", got)
		}
		if n := len(alertsTo(t, r, walt)); n != 2 {
			t.Fatalf("%d alerts to the watcher of an owned ticket, want still 2", n)
		}

		// The owner's own address bounced: the watchers hear of it, not
		// the address that bounced.
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", fmt.Sprintf("Re: [support #%d] Printer", a), "ba-re@example.com", "", "Still broken."))
		notice := returnPath(a, alice, mailstore.KindNotify)
		clk.Add(16 * time.Minute)
		r.mustSend("", []string{notice}, dsn("ba-fail5", alice, ""))
		if n := len(alertsTo(t, r, alice)); n != 1 {
			t.Fatalf("%d alerts to the address that bounced, want still 1", n)
		}
		got = alertsTo(t, r, walt)
		if len(got) != 3 || !strings.Contains(got[2], "to "+alice) {
			t.Fatalf("alerts to the watcher: %q, want a third about %s", got, alice)
		}

		// An alert that bounces is recorded, and alerts no one (a loop).
		alert := returnPath(a, walt, mailstore.KindAlert)
		before, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{})
		clk.Add(16 * time.Minute)
		r.mustSend("", []string{alert}, dsn("ba-fail6", walt, ""))
		if x := lastTxn(t, r, a, mailstore.TxBounce); !strings.HasPrefix(x.Note, walt+": ") {
			t.Fatalf("the alert's bounce = %+v", x)
		}
		if after, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{}); len(after) != len(before) {
			t.Fatalf("the bounce of an alert queued %d mails", len(after)-len(before))
		}
	})
}

// The owner, or the watchers when the ticket is unowned, hear of a
// non-participant's mail kept as a note, with the command that promotes
// it; not of automatic mail, and at most once in a while.
func TestNonParticipantAlert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r, clk := clockRig(t, open)
		pat, eve, walt, alice := "pat@example.com", "eve@example.net", "walt@example.org", "alice@example.org"
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "Broken", "na1@example.com", "", "Help."))
		id := newest(r)
		subj := fmt.Sprintf("Re: [support #%d] Broken", id)
		r.mustSend(eve, []string{"support@example.org"}, mailText(eve, "support@example.org", subj, "na2@example.net", "", "I know the fix."))
		note := lastTxn(t, r, id, mailstore.TxNote)
		got := alertsTo(t, r, walt)
		if len(got) != 1 {
			t.Fatalf("alerts to the watcher: %q, want 1", got)
		}
		promote := fmt.Sprintf("sak ticket promote %d %d", id, note.ID)
		for _, want := range []string{"Kept as a note: Broken", eve + ", who is not on ticket", "    I know the fix.", promote} {
			if !strings.Contains(got[0], want) {
				t.Errorf("alert lacks %q:\n%s", want, got[0])
			}
		}
		if n := len(alertsTo(t, r, eve)) + len(alertsTo(t, r, pat)); n != 0 {
			t.Errorf("%d alerts to the sender or the requestor", n)
		}

		// Within the window: kept, not announced.
		r.mustSend("mallory@example.net", []string{"support@example.org"}, mailText("mallory@example.net", "support@example.org", subj, "na3@example.net", "", "Me too."))
		lastTxn(t, r, id, mailstore.TxNote)
		if n := len(alertsTo(t, r, walt)); n != 1 {
			t.Fatalf("%d alerts within the window, want 1", n)
		}

		// Automatic mail, and sak's own mail come back (the alert itself,
		// a loop), are kept and announce nothing.
		clk.Add(16 * time.Minute)
		r.mustSend(eve, []string{"support@example.org"}, mailText(eve, "support@example.org", subj, "na4@example.net", "Auto-Submitted: auto-replied\r\n", "I am away."))
		lastTxn(t, r, id, mailstore.TxNote)
		rows, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
		var own []byte
		for _, row := range rows {
			if row.Kind == mailstore.KindAlert {
				own, _ = r.store.OutboxRaw(ctx, row.ID)
			}
		}
		r.mustSend("support@example.org", []string{"support@example.org"}, string(own))
		if x := lastTxn(t, r, id, mailstore.TxNote); x.Message == nil || !strings.Contains(x.Message.Subject, "Kept as a note") {
			t.Fatalf("sak's own alert came back as %+v", x)
		}
		if n := len(alertsTo(t, r, walt)); n != 1 {
			t.Fatalf("%d alerts after automatic mail, want 1", n)
		}

		// The next after the window goes out, to the owner once there is
		// one.
		if err := r.store.Take(ctx, "alice", id); err != nil {
			t.Fatal(err)
		}
		r.mustSend("trent@example.net", []string{"support@example.org"}, mailText("trent@example.net", "support@example.org", subj, "na5@example.net", "", "Hello."))
		got = alertsTo(t, r, alice)
		if len(got) != 1 || !strings.Contains(got[0], "trent@example.net, who is not on ticket") {
			t.Fatalf("alerts to the owner: %q", got)
		}
		if n := len(alertsTo(t, r, walt)); n != 1 {
			t.Fatalf("%d alerts to the watcher of an owned ticket, want still 1", n)
		}
		// The command in the alert works.
		note = lastTxn(t, r, id, mailstore.TxNote)
		if !strings.Contains(got[0], fmt.Sprintf("sak ticket promote %d %d", id, note.ID)) {
			t.Fatalf("alert does not name the note's transaction %d:\n%s", note.ID, got[0])
		}
		if err := r.store.Promote(ctx, "alice", id, note.ID); err != nil {
			t.Fatal(err)
		}
	})
}
