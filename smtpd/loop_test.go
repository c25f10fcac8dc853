package smtpd

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
	"sak/parse"
)

// The loop header counts only with the value sak itself made for the
// mail: a forged one (anything, or the queue address that sak's header
// once held, or sak's real value copied onto another mail) suppresses
// neither the auto-reply nor the watchers' notice of a new ticket.
func TestForgedLoopHeader(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open)
		r.mustSend("pat@example.com", []string{"support@example.org"}, mailText("pat@example.com", "support@example.org", "First", "lh0@example.com", "", "x"))
		var real string
		rows, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{})
		for _, o := range rows {
			raw, _ := r.store.OutboxRaw(ctx, o.ID)
			if v := parse.Parse(raw).Get(mailstore.LoopHeader); v != "" {
				real = v
			}
		}
		if real == "" {
			t.Fatal("sak's mail carries no loop header")
		}
		for i, v := range []string{"anything", "support@example.org", real} {
			from := fmt.Sprintf("x%d@example.com", i)
			d, err := r.d.Deliver(ctx, &Envelope{MailFrom: from, Routes: []mailstore.Route{mustRoute(t, r.d, "support@example.org")}},
				[]byte(mailText(from, "support@example.org", "Help", fmt.Sprintf("lh%d@example.com", i+1), mailstore.LoopHeader+": "+v+"\r\n", "help")))
			if err != nil {
				t.Fatal(err)
			}
			out, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: d.Ticket})
			var got []string
			for _, o := range out {
				got = append(got, o.Kind+" "+o.Rcpt)
			}
			want := []string{mailstore.KindAutoReply + " " + from, mailstore.KindNotify + " walt@example.org"}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s: %q: mail sent %v, want %v", mailstore.LoopHeader, v, got, want)
			}
		}
	})
}

// sak's own mail fed back in is still known for its own: it is delivered
// quietly and never answered.
func TestOwnMailFedBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open)
		r.mustSend("pat@example.com", []string{"support@example.org"}, mailText("pat@example.com", "support@example.org", "First", "of0@example.com", "", "x"))
		if err := r.store.Reply(ctx, "alice", r.tickets()[0].ID, "Try turning it off."); err != nil {
			t.Fatal(err)
		}
		rows, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{})
		if len(rows) != 3 {
			t.Fatalf("sak sent %d mails, want an auto-reply, a notice and a reply", len(rows))
		}
		for _, o := range rows {
			raw, err := r.store.OutboxRaw(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			env := &Envelope{MailFrom: "pat@example.com", Routes: []mailstore.Route{mustRoute(t, r.d, "it-help@example.org")}}
			in, err := r.d.incoming(ctx, env, raw, parse.Parse(raw))
			if err != nil {
				t.Fatal(err)
			}
			// A reply carries no Auto-Submitted: the loop header alone tells.
			if !in.Quiet || in.NoAutoReply == "" || o.Kind == mailstore.KindCorrespond && in.NoAutoReply != "sak's own mail" {
				t.Errorf("sak's %s mail to %s fed back: quiet %v, no auto-reply %q; want it known as sak's own", o.Kind, o.Rcpt, in.Quiet, in.NoAutoReply)
			}
		}
	})
}
