package smtpd

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
	"sak/parse"
)

// withFile is a mail from from with text and a PDF of pdf's bytes, and
// a logo shown inline when logo is set.
func withFile(from, subject, text string, pdf []byte, logo bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: support@example.org\r\nSubject: %s\r\nMessage-ID: <%s.%d@example.org>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\n",
		from, subject, strings.Split(from, "@")[0], len(subject)+len(text)+len(pdf))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
	b.WriteString("--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n")
	if pdf != nil {
		enc := base64.StdEncoding.EncodeToString(pdf)
		b.WriteString("--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;\r\n filename*=utf-8''skjema%20%C3%B8.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	if logo {
		b.WriteString("--b1\r\nContent-Type: image/png\r\nContent-Disposition: inline; filename=logo.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n")
	}
	b.WriteString("--b1--\r\n")
	return b.String()
}

// TestRelayAttachments checks that what sak relays by mail carries the
// attachments of the mail it relays: a caseworker's answer to the
// requestor, a requestor's reply to the owner.
func TestRelayAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s, r := openDesk(t, open)
		pdf := bytes.Repeat([]byte("%PDF-1.7 \x00\xff\r\n"), 700)

		// outbox is the parsed mails queued for rcpt on ticket id since
		// the n-th of them.
		outbox := func(id int64, rcpt string) []*parse.Message {
			t.Helper()
			var ms []*parse.Message
			for _, raw := range queued(t, s, id, rcpt) {
				ms = append(ms, parse.Parse(raw))
			}
			return ms
		}
		// carries reports whether m carries the PDF, byte for byte.
		carries := func(m *parse.Message) bool {
			for _, a := range m.Attachments {
				if a.Name != "skjema ø.pdf" || a.ContentType != "application/pdf" {
					continue
				}
				data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(a.Body)), ""))
				return err == nil && bytes.Equal(data, pdf)
			}
			return false
		}

		id, err := s.CreateTicket(ctx, "root", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com"}, Subject: "Skjema"})
		if err != nil {
			t.Fatal(err)
		}
		tag := fmt.Sprintf("[support #%d]", id)

		// A caseworker's answer with a file reaches the requestor with it.
		r.mustSend("alice@example.org", []string{"support@example.org"},
			withFile("alice@example.org", "Re: "+tag+" Skjema [take]", "Fyll ut skjemaet.", pdf, true))
		ms := outbox(id, "pat@example.com")
		if len(ms) != 1 || !carries(ms[0]) || !strings.Contains(ms[0].Text, "Fyll ut skjemaet.") {
			t.Fatalf("the answer to pat: %d mails; %+v", len(ms), ms)
		}
		if names := fmt.Sprint(described(ms[0].Attachments)); !strings.Contains(names, "logo.png") {
			t.Errorf("the inline logo was not sent on: %s", names)
		}

		// Commands and a file, no text: the file is the answer.
		r.mustSend("alice@example.org", []string{"support@example.org"},
			withFile("alice@example.org", "Re: "+tag+" Skjema [stall]", "", pdf, false))
		if ms := outbox(id, "pat@example.com"); len(ms) != 2 || !carries(ms[1]) {
			t.Fatalf("commands with a file: %d mails to pat", len(ms))
		}
		// Commands and only an inline logo (a signature): nothing to send.
		r.mustSend("alice@example.org", []string{"support@example.org"},
			withFile("alice@example.org", "Re: "+tag+" Skjema [open]", "", nil, true))
		if ms := outbox(id, "pat@example.com"); len(ms) != 2 {
			t.Fatalf("commands with a signature logo sent pat a mail (%d in all)", len(ms))
		}

		// The requestor's reply with the form filled in reaches the owner.
		r.mustSend("pat@example.com", []string{"support@example.org"},
			withFile("pat@example.com", "Re: "+tag+" Skjema", "Her er det.", pdf, false))
		ms = outbox(id, "alice@example.org")
		if len(ms) == 0 || !carries(ms[len(ms)-1]) || !strings.Contains(ms[len(ms)-1].Text, "Her er det.") {
			t.Fatalf("the notification to alice does not carry pat's file: %d mails", len(ms))
		}

		// An answer with a file to three requestors: each gets the file
		// and a Reply-To of their own, and the outbox holds the file once.
		people := []string{"kim@example.com", "lee@example.com", "mo@example.com"}
		id3, err := s.CreateTicket(ctx, "root", mailstore.NewTicket{Queue: "support", Requestors: people, Subject: "Tre"})
		if err != nil {
			t.Fatal(err)
		}
		r.mustSend("alice@example.org", []string{"support@example.org"},
			withFile("alice@example.org", fmt.Sprintf("Re: [support #%d] Tre", id3), "Til alle tre.", pdf, false))
		replyTo := map[string]bool{}
		for _, p := range people {
			ms := outbox(id3, p)
			if len(ms) != 1 || !carries(ms[0]) || !strings.Contains(ms[0].Text, "Til alle tre.") {
				t.Fatalf("the answer to %s: %d mails, or without the file or text", p, len(ms))
			}
			for _, f := range ms[0].Header {
				if f.Name == "Reply-To" {
					replyTo[f.Value] = true
				}
			}
		}
		if len(replyTo) != len(people) {
			t.Errorf("%d distinct Reply-To for %d recipients: %v", len(replyTo), len(people), replyTo)
		}
		var copies, bodies int
		var headerBytes int64
		if err := s.DB().QueryRow(`SELECT COUNT(*), COUNT(DISTINCT body_id), SUM(LENGTH(raw)) FROM outbox WHERE ticket_id = $1 AND kind = 'correspond'`,
			id3).Scan(&copies, &bodies, &headerBytes); err != nil {
			t.Fatal(err)
		}
		if copies != 3 || bodies != 1 || headerBytes > int64(len(pdf)) {
			t.Errorf("%d copies with %d distinct bodies, %d bytes of their own: want 3 sharing 1, headers only", copies, bodies, headerBytes)
		}
		var held int64
		if err := s.DB().QueryRow(`SELECT COALESCE(SUM(LENGTH(data)), 0) FROM outbox_bodies b WHERE b.id IN (SELECT body_id FROM outbox WHERE ticket_id = $1)`, id3).Scan(&held); err != nil {
			t.Fatal(err)
		}
		if held < int64(len(pdf)) || held > 2*int64(len(pdf)) {
			t.Errorf("the shared body holds %d bytes for a file of %d (base64: 4/3 of it)", held, len(pdf))
		}
		// The sender takes each copy whole.
		claimed, err := s.ClaimOutbox(ctx, 1000, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		for _, o := range claimed {
			if o.TicketID == id3 && o.Kind == mailstore.KindCorrespond {
				sent++
				if m := parse.Parse(o.Raw); !carries(m) || !strings.Contains(m.Text, "Til alle tre.") {
					t.Errorf("claimed copy to %s lacks the file or the text", o.Rcpt)
				}
			}
		}
		if sent != len(people) {
			t.Errorf("%d copies claimed for sending, want %d", sent, len(people))
		}
	})
}

// described is as without the parts' bytes.
func described(as []parse.Attachment) []parse.Attachment {
	var out []parse.Attachment
	for _, a := range as {
		a.Header, a.Body = "", nil
		out = append(out, a)
	}
	return out
}
