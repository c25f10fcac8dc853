package smtpd

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// A delivery report about mail sak sent is recorded on its ticket, not
// made into a ticket, and gets no auto-reply.
func TestBounceRecordedOnTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		r := newRig(t, open)
		r.mustSend("pat@example.com", []string{"support@example.org"}, mailText("pat@example.com", "support@example.org", "Help", "b1@example.com", "", "help"))
		id := r.tickets()[0].ID
		out, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
		sent := out[0].MessageID
		dsn := strings.Join([]string{
			"From: MAILER-DAEMON@mx.example.com",
			"To: support@example.org",
			"Subject: Undelivered Mail Returned to Sender",
			"Message-ID: <dsn1@mx.example.com>",
			"MIME-Version: 1.0",
			`Content-Type: multipart/report; report-type=delivery-status; boundary="r1"`,
			"", "--r1", "Content-Type: text/plain", "", "Your mail could not be delivered.",
			"--r1", "Content-Type: message/delivery-status", "", "Reporting-MTA: dns; mx.example.com", "",
			"Final-Recipient: rfc822; pat@example.com", "Action: failed", "Status: 5.1.1", "Diagnostic-Code: smtp; 550 5.1.1 user unknown",
			"--r1", "Content-Type: text/rfc822-headers", "", "From: support@example.org", "To: pat@example.com",
			"Message-ID: <" + sent + ">", "--r1--", ""}, "\r\n")
		r.mustSend("", []string{"support@example.org"}, dsn)
		if n := len(r.tickets()); n != 1 {
			t.Fatalf("the bounce made a ticket: %d tickets", n)
		}
		h := r.history(id)
		last := h[len(h)-1]
		if last.Type != mailstore.TxBounce || last.New != sent || !strings.Contains(last.Note, "5.1.1") {
			t.Fatalf("last transaction = %+v, want a bounce of %s", last, sent)
		}
		after, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
		if len(after) != len(out) {
			t.Fatalf("the bounce caused %d outgoing mails", len(after)-len(out))
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
