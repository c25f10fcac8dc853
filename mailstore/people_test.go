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

// incoming is a mail from from to the queue q with the subject and text.
func incoming(q *mailstore.Queue, from, msgid, subject, text string) *mailstore.Incoming {
	return &mailstore.Incoming{
		Mail: mailstore.Mail{
			Raw:       fmt.Appendf(nil, "From: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\n\r\n%s\r\n", from, subject, msgid, text),
			MessageID: msgid, From: from, Subject: subject, Text: text,
		},
		MailFrom: from,
		Routes:   []mailstore.Route{{Queue: q}},
	}
}

func mustDeliver(t *testing.T, s *mailstore.Store, in *mailstore.Incoming) *mailstore.Delivery {
	t.Helper()
	d, err := s.Deliver(context.Background(), in)
	if err != nil {
		t.Fatalf("Deliver(%s): %v", in.MessageID, err)
	}
	return d
}

// outboxTo lists the recipients of the ticket's outbox rows of a kind.
func outboxTo(t *testing.T, s *mailstore.Store, ticket int64, kind string) []string {
	t.Helper()
	rows, err := s.Outbox(context.Background(), mailstore.OutboxFilter{Ticket: ticket})
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, r := range rows {
		if r.Kind == kind {
			to = append(to, r.Rcpt)
		}
	}
	slices.Sort(to)
	return to
}

// TestFollowUpChangesNoPeople: the Ccs of the mail that makes a ticket
// join it, a follow-up's never (a forged requestor's From with Cc: evil
// would get the next answer to evil), and Reply-To makes no requestor.
func TestFollowUpChangesNoPeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s)
		ctx := context.Background()
		first := incoming(q, "pat@example.com", "p1@example.com", "Password", "I forgot it.")
		first.Recipients = []string{"support@example.org", "boss@example.com", "alice@example.org"}
		first.ReplyTo = []string{"pat-other@example.net"}
		d := mustDeliver(t, s, first)
		tk, err := s.Ticket(ctx, d.Ticket)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(tk.Requestors, ",") != "pat@example.com" || strings.Join(tk.Ccs, ",") != "boss@example.com" {
			t.Fatalf("new ticket: requestors %v, ccs %v; want pat (not the Reply-To) and boss", tk.Requestors, tk.Ccs)
		}
		forged := incoming(q, "pat@example.com", "p2@example.com", fmt.Sprintf("Re: [support #%d] Password", d.Ticket), "Send it here too.")
		forged.Tags = []mailstore.Tag{{Tag: "support", ID: d.Ticket}}
		forged.Recipients = []string{"support@example.org", "evil@evil.test"}
		forged.ReplyTo = []string{"evil2@evil.test"}
		if f := mustDeliver(t, s, forged); f.Ticket != d.Ticket || f.Kind != mailstore.TxCorrespond {
			t.Fatalf("follow-up = %+v, want correspondence on %d", f, d.Ticket)
		}
		tk, _ = s.Ticket(ctx, d.Ticket)
		if strings.Join(tk.Requestors, ",") != "pat@example.com" || strings.Join(tk.Ccs, ",") != "boss@example.com" {
			t.Fatalf("after a follow-up: requestors %v, ccs %v; want them unchanged", tk.Requestors, tk.Ccs)
		}
		h, err := s.History(ctx, d.Ticket)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range h {
			if x.Type == mailstore.TxAddCc || x.Type == mailstore.TxAddRequest {
				t.Errorf("transaction %s %s after a follow-up", x.Type, x.New)
			}
		}
		if err := s.Reply(ctx, "alice", d.Ticket, "Your new password is hunter2."); err != nil {
			t.Fatal(err)
		}
		if to := outboxTo(t, s, d.Ticket, mailstore.KindCorrespond); strings.Join(to, ",") != "boss@example.com,pat@example.com" {
			t.Fatalf("the answer went to %v, want boss and pat", to)
		}
	})
}

// TestForgedCaseworkerNewTicket: a new ticket in a caseworker's name that
// is not authenticated is flagged unverified on its create transaction and
// its message; an authenticated one is not.
func TestForgedCaseworkerNewTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s)
		ctx := context.Background()
		for _, c := range []struct {
			verified bool
			flag     string
		}{{false, mailstore.FlagUnverified}, {true, ""}} {
			in := incoming(q, "alice@example.org", fmt.Sprintf("a%v@example.org", c.verified), "Please reset", "Reset the VPN.")
			in.Verified = c.verified
			d := mustDeliver(t, s, in)
			if got := strings.Join(d.Flags, ","); got != c.flag {
				t.Errorf("verified %v: delivery flags %q, want %q", c.verified, got, c.flag)
			}
			h, err := s.History(ctx, d.Ticket)
			if err != nil {
				t.Fatal(err)
			}
			if h[0].Type != mailstore.TxCreate || h[0].Note != c.flag || h[0].Message == nil || strings.Join(h[0].Message.Flags, ",") != c.flag {
				t.Errorf("verified %v: create transaction %+v (message %+v), want flag %q on both", c.verified, h[0], h[0].Message, c.flag)
			}
		}
	})
}

// TestAddRemoveCc: caseworkers of the queue and sysadmins add and remove
// Ccs, each change a transaction; the answers follow the Ccs.
func TestAddRemoveCc(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		storetest.Desk(t, s)
		ctx := context.Background()
		id, err := s.CreateTicket(ctx, "alice", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com"}, Subject: "Printer"})
		if err != nil {
			t.Fatal(err)
		}
		// carol works another queue: she cannot see the ticket at all.
		wantErr(t, "AddCc by carol (it-help)", s.AddCc(ctx, "carol", id, "evil@evil.test"), mailstore.ErrNotFound, "no ticket")
		wantErr(t, "AddCc by walt (watcher)", s.AddCc(ctx, "walt", id, "evil@evil.test"), mailstore.ErrPermission, "not a caseworker")
		if err := s.AddCc(ctx, "alice", id, "Boss <boss@example.com>"); err != nil {
			t.Fatal(err)
		}
		if err := s.AddCc(ctx, "root", id, "deputy@example.com"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "AddCc again", s.AddCc(ctx, "bob", id, "boss@example.com"), mailstore.ErrConflict, "already")
		wantErr(t, "RemoveCc by carol", s.RemoveCc(ctx, "carol", id, "boss@example.com"), mailstore.ErrNotFound, "no ticket")
		wantErr(t, "RemoveCc of a requestor", s.RemoveCc(ctx, "bob", id, "pat@example.com"), mailstore.ErrNotFound, "not a Cc")
		if err := s.RemoveCc(ctx, "bob", id, "deputy@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := s.Reply(ctx, "alice", id, "Fixed."); err != nil {
			t.Fatal(err)
		}
		if to := outboxTo(t, s, id, mailstore.KindCorrespond); strings.Join(to, ",") != "boss@example.com,pat@example.com" {
			t.Fatalf("the answer went to %v, want boss and pat", to)
		}
		h, err := s.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range h {
			if x.Type == mailstore.TxAddCc || x.Type == mailstore.TxDelCc {
				got = append(got, x.Actor+" "+x.Type+" "+x.Old+x.New)
			}
		}
		if want := "alice add-cc boss@example.com,root add-cc deputy@example.com,bob del-cc deputy@example.com"; strings.Join(got, ",") != want {
			t.Fatalf("history %q, want %q", strings.Join(got, ","), want)
		}
	})
}
