package smtpd

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// A delivery report about mail sak sent is recorded on its ticket, not
// made into a ticket, and gets no auto-reply; for mail sent before
// return paths were signed, the Message-ID of a mail sak sent names it.
func TestBounceRecordedOnTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open)
		r.mustSend("pat@example.com", []string{"support@example.org"}, mailText("pat@example.com", "support@example.org", "Help", "b1@example.com", "", "help"))
		id := r.tickets()[0].ID
		out, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
		sent := out[0].MessageID
		// Sent before return paths were signed: to the plain queue
		// address, naming a Message-ID sak sent.
		r.mustSend("", []string{"support@example.org"}, dsn("dsn1", "pat@example.com", sent))
		if n := len(r.tickets()); n != 1 {
			t.Fatalf("the bounce made a ticket: %d tickets", n)
		}
		h := r.history(id)
		last := h[len(h)-1]
		if last.Type != mailstore.TxBounce || last.New != sent || !strings.Contains(last.Note, "5.1.1") {
			t.Fatalf("last transaction = %+v, want a bounce of %s", last, sent)
		}
		after, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
		if news := after[len(out):]; len(news) != 1 || news[0].Kind != mailstore.KindAlert || news[0].Rcpt != "walt@example.org" {
			t.Fatalf("the bounce caused %+v, want only the alert to the watcher", news)
		}
	})
}

func TestStartTLS(t *testing.T) {
	s := storetest.SQLite(t)
	storetest.Desk(t, s)
	cert, err := tls.X509KeyPair(localhostCert, localhostKey)
	if err != nil {
		t.Fatal(err)
	}
	r := serve(t, s, Config{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	conn, err := net.Dial("tcp", r.smtp)
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClientStartTLS(conn, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	defer c.Close()
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("no TLS after STARTTLS")
	}
	msg := mailText("pat@example.com", "support@example.org", "over TLS", "tls1@example.com", "", "secret")
	if err := c.SendMail("pat@example.com", []string{"support@example.org"}, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	if n := len(r.tickets()); n != 1 {
		t.Fatalf("%d tickets", n)
	}
}

// localhostCert is a self-signed certificate for localhost, made at start.
var localhostCert, localhostKey = testCert()

// dsn is a delivery report from mx.example.com, to a queue address, that
// delivery to rcpt failed (5.1.1); it names the returned mail's
// Message-ID when msgid is not "".
func dsn(id, rcpt, msgid string) string {
	lines := []string{
		"From: MAILER-DAEMON@mx.example.com",
		"To: support@example.org",
		"Subject: Undelivered Mail Returned to Sender",
		"Message-ID: <" + id + "@mx.example.com>",
		"MIME-Version: 1.0",
		`Content-Type: multipart/report; report-type=delivery-status; boundary="r1"`,
		"", "--r1", "Content-Type: text/plain", "", "Your mail could not be delivered.",
		"--r1", "Content-Type: message/delivery-status", "", "Reporting-MTA: dns; mx.example.com", "",
		"Final-Recipient: rfc822; " + rcpt, "Action: failed", "Status: 5.1.1", "Diagnostic-Code: smtp; 550 5.1.1 user unknown"}
	if msgid != "" {
		lines = append(lines, "--r1", "Content-Type: text/rfc822-headers", "", "From: support@example.org", "To: "+rcpt,
			"Message-ID: <"+msgid+">")
	}
	return strings.Join(append(lines, "--r1--", ""), "\r\n")
}

// answered has pat open a ticket with the mail msgid and alice answer
// it; it returns the ticket.
func answered(t *testing.T, r *rig, msgid string) int64 {
	t.Helper()
	r.mustSend("pat@example.com", []string{"support@example.org"}, mailText("pat@example.com", "support@example.org", "Help", msgid, "", "help"))
	id := r.tickets()[0].ID
	if err := r.store.Reply(context.Background(), "alice", id, "Try turning it off."); err != nil {
		t.Fatal(err)
	}
	return id
}

// sentReply has alice answer pat's new ticket and the outbound worker
// send it: it returns the ticket, the reply's outbox row and the return
// path it went out with.
func sentReply(t *testing.T, r *rig, msgid string) (int64, mailstore.OutboxRow, string) {
	t.Helper()
	ctx := context.Background()
	id := answered(t, r, msgid)
	k := newSink(t)
	w := &Outbound{Store: r.store, Relay: k.addr}
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	rows, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
	for _, row := range rows {
		if row.Kind != mailstore.KindCorrespond {
			continue
		}
		for _, m := range k.mails() {
			if m.rcpt == row.Rcpt && bytes.Contains(m.data, []byte(row.MessageID)) {
				return id, row, m.from
			}
		}
	}
	t.Fatalf("the reply to pat was not sent: %+v", k.mails())
	return 0, mailstore.OutboxRow{}, ""
}

// Every mail sak sends with an envelope sender has a return path signed
// for its outbox row; a delivery report to it is a bounce of that row,
// named by the return path alone, whatever (if anything) the report says
// of the Message-ID.
func TestBounceToSignedReturnPath(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open)
		id, row, from := sentReply(t, r, "vr1@example.com")
		want := fmt.Sprintf("support+b%d-", row.ID)
		if !strings.HasPrefix(from, want) || !strings.HasSuffix(from, "@example.org") {
			t.Fatalf("reply went out with MAIL FROM %q, want %sTOKEN@example.org", from, want)
		}
		before, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{})
		r.mustSend("", []string{from}, dsn("vr-dsn1", "pat@example.com", ""))
		if n := len(r.tickets()); n != 1 {
			t.Fatalf("the bounce made a ticket: %d tickets", n)
		}
		h := r.history(id)
		last := h[len(h)-1]
		if last.Type != mailstore.TxBounce || last.New != row.MessageID || !strings.HasPrefix(last.Note, "pat@example.com: ") || !strings.Contains(last.Note, "5.1.1") {
			t.Fatalf("last transaction = %+v, want a bounce of %s to pat@example.com", last, row.MessageID)
		}
		after, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{})
		if news := after[len(before):]; len(news) != 1 || news[0].Kind != mailstore.KindAlert || news[0].Rcpt != "walt@example.org" {
			t.Fatalf("the bounce caused %+v, want only the alert to the watcher", news)
		}
		for _, o := range after {
			if o.ID == row.ID && (o.Status != "failed" || !strings.Contains(o.LastError, "5.1.1")) {
				t.Fatalf("bounced outbox row = %+v, want failed with the report", o)
			}
		}
	})
}

// A delivery report that does not come to a return path sak signed is
// not a bounce, whatever Message-ID it names: a stranger's fake report
// naming a requestor's mail, or one to a return path with a forged token,
// is ordinary mail (a non-participant note when it threads).
func TestForgedBounceIsMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		id, row, from := sentReply(t, r, "fb1@example.com")
		local, domain, _ := strings.Cut(from, "@")
		tok := local[strings.LastIndex(local, "-")+1:]
		other := []byte(tok)
		other[0] = map[bool]byte{true: 'b', false: 'a'}[other[0] == 'a']
		cases := []struct{ name, rcpt, msgid string }{
			{"requestor's Message-ID, to the queue", "support@example.org", "fb1@example.com"},
			{"requestor's Message-ID, tagged", "support@example.org", "fb1@example.com"},
			{"forged token", local[:strings.LastIndex(local, "-")+1] + string(other) + "@" + domain, "fb1@example.com"},
			{"token of another row", fmt.Sprintf("support+b%d-%s@%s", row.ID+1, tok, domain), ""},
			{"reply-address token as a return path", fmt.Sprintf("support+b%d-%s@%s", id, tok, domain), ""},
		}
		for i, c := range cases {
			msg := dsn(fmt.Sprint("fb-dsn", i), "pat@example.com", c.msgid)
			if strings.HasSuffix(c.name, "tagged") {
				msg = strings.Replace(msg, "Subject: Undelivered", fmt.Sprintf("Subject: [support #%d] Undelivered", id), 1)
			}
			d, err := r.d.Deliver(context.Background(), &Envelope{Routes: []mailstore.Route{mustRoute(t, r.d, c.rcpt)}}, []byte(msg))
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if d.Kind == mailstore.TxBounce {
				t.Errorf("%s: recorded as a bounce of ticket %d", c.name, d.Ticket)
			}
			if strings.HasSuffix(c.name, "tagged") && (d.Ticket != id || d.Kind != mailstore.TxNote) {
				t.Errorf("%s: delivered as %s on %d, want a note on %d", c.name, d.Kind, d.Ticket, id)
			}
		}
		for _, x := range r.history(id) {
			if x.Type == mailstore.TxBounce {
				t.Fatalf("a forged report was recorded as a bounce: %+v", x)
			}
		}
	})
}

// A bounce can come back before the worker marks its batch sent (a local
// relay reports at once): the row stays failed.
func TestBounceBeforeMarkSent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open)
		id := answered(t, r, "bm1@example.com")
		rows, err := r.store.ClaimOutbox(ctx, 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var row mailstore.OutboxRow
		for _, o := range rows {
			if o.Kind == mailstore.KindCorrespond {
				row = o
			}
		}
		if row.ID == 0 || !strings.HasPrefix(row.MailFrom, fmt.Sprintf("support+b%d-", row.ID)) {
			t.Fatalf("claimed rows %+v, want the reply with its signed return path", rows)
		}
		r.mustSend("", []string{row.MailFrom}, dsn("bm-dsn", "pat@example.com", ""))
		if err := r.store.MarkSent(ctx, row.ID); err != nil {
			t.Fatal(err)
		}
		out, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
		for _, o := range out {
			if o.ID == row.ID && o.Status != "failed" {
				t.Fatalf("bounced row marked sent after the bounce: %+v", o)
			}
		}
	})
}
