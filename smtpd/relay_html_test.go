package smtpd

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/emersion/go-message"

	"sak/mailstore"
	"sak/mailstore/storetest"
	"sak/parse"
)

// mimePart is one leaf of a mail as go-message reads it: its header and
// its body, transfer encoding undone.
type mimePart struct {
	header message.Header
	body   []byte
}

// mimeTree reads raw with go-message and returns its shape, as
// "multipart/mixed[text/plain,application/pdf]", and its leaves by type.
func mimeTree(t *testing.T, raw []byte) (string, map[string]mimePart) {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("go-message cannot read the mail: %v\n%s", err, raw)
	}
	leaves := map[string]mimePart{}
	var shape func(e *message.Entity) string
	shape = func(e *message.Entity) string {
		typ, _, err := e.Header.ContentType()
		if err != nil {
			t.Fatalf("Content-Type: %v", err)
		}
		mr := e.MultipartReader()
		if mr == nil {
			body, err := io.ReadAll(e.Body)
			if err != nil {
				t.Fatalf("read %s part: %v", typ, err)
			}
			leaves[typ] = mimePart{header: e.Header, body: body}
			return typ
		}
		var kids []string
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("read parts of %s: %v", typ, err)
			}
			kids = append(kids, shape(p))
		}
		return typ + "[" + strings.Join(kids, ",") + "]"
	}
	return shape(e), leaves
}

// openDesk is a store with storetest's desk, and a server on it that
// believes every sender (Auth Off).
func openDesk(t *testing.T, open storetest.Opener) (*mailstore.Store, *rig) {
	t.Helper()
	s := open(t)
	storetest.Desk(t, s)
	r := serve(t, s, Config{})
	r.d.Verifier = &Auth{Off: true}
	return s, r
}

// queued is the mails queued for rcpt on ticket id, oldest first.
func queued(t *testing.T, s *mailstore.Store, id int64, rcpt string) [][]byte {
	t.Helper()
	out, err := s.Outbox(t.Context(), mailstore.OutboxFilter{Ticket: id})
	if err != nil {
		t.Fatal(err)
	}
	var raws [][]byte
	for _, o := range out {
		if o.Rcpt == rcpt {
			raw, err := s.OutboxRaw(t.Context(), o.ID)
			if err != nil {
				t.Fatal(err)
			}
			raws = append(raws, raw)
		}
	}
	return raws
}

// TestRelayHTML checks that a caseworker's HTML answer by mail reaches
// the requestors as multipart/alternative: the text as before, and the
// HTML, sanitised, in multipart/related with the images it shows, the
// other attachments beside them; and that a text-only answer stays text.
func TestRelayHTML(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s, r := openDesk(t, open)

		// sent is the last mail queued for rcpt on ticket id.
		sent := func(id int64, rcpt string) []byte {
			t.Helper()
			all := queued(t, s, id, rcpt)
			if len(all) == 0 {
				t.Fatalf("no mail queued for %s on ticket %d", rcpt, id)
			}
			return all[len(all)-1]
		}
		reply := func(file string, id int64) string {
			t.Helper()
			b, err := os.ReadFile("testdata/" + file)
			if err != nil {
				t.Fatal(err)
			}
			msg := strings.ReplaceAll(string(b), "{{TAG}}", fmt.Sprintf("[support #%d]", id))
			r.mustSend("alice@example.org", []string{"support@example.org"}, msg)
			return msg
		}
		logo, err := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAABzYWstbG9nby1ieXRlcw==")
		if err != nil {
			t.Fatal(err)
		}

		// Outlook: related(alternative(text, html), image), in mixed
		// with a PDF; two requestors share one queued body.
		id, err := s.CreateTicket(ctx, "root", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com", "kim@example.com"}, Subject: "Skjema"})
		if err != nil {
			t.Fatal(err)
		}
		in := reply("html-reply-outlook.eml", id)
		for _, rcpt := range []string{"pat@example.com", "kim@example.com"} {
			shape, parts := mimeTree(t, sent(id, rcpt))
			want := "multipart/mixed[multipart/alternative[text/plain,multipart/related[text/html,image/png]],application/pdf]"
			if shape != want {
				t.Fatalf("the answer to %s is %s, want %s", rcpt, shape, want)
			}
			if got, want := string(parts["text/plain"].body), strings.ReplaceAll(parse.Parse([]byte(in)).Text+"\n", "\n", "\r\n"); got != want {
				t.Errorf("the text part to %s is\n%q\nwant it as the text alone sends it:\n%q", rcpt, got, want)
			}
			html := string(parts["text/html"].body)
			for _, want := range []string{"<ul", "<li", "Fyll ut", `<a href="https://www.example.org/skjema">skjemaet</a>`,
				`<b><span style="color: #c00000">Send det innen fredag</span></b>`, `src="cid:image001.png@01DB4A2B.3C9E1F20"`, `alt="logo"`, "Slik går du fram"} {
				if !strings.Contains(html, want) {
					t.Errorf("the HTML to %s lacks %q:\n%s", rcpt, want, html)
				}
			}
			for _, bad := range []string{"<script", "alert", "tracker.example.net", "onclick", "onload", "javascript:", "<iframe", "evil.example.net", "steal()", "url(", "MsoNormal"} {
				if strings.Contains(html, bad) {
					t.Errorf("the HTML to %s still holds %q:\n%s", rcpt, bad, html)
				}
			}
			img := parts["image/png"]
			if cid := img.header.Get("Content-Id"); cid != "<image001.png@01DB4A2B.3C9E1F20>" {
				t.Errorf("the image's Content-ID is %q", cid)
			}
			if !bytes.Equal(img.body, logo) {
				t.Errorf("the image arrived as %q, want %q", img.body, logo)
			}
			if pdf := string(parts["application/pdf"].body); pdf != "%PDF-1.7\n% skjema\n" {
				t.Errorf("the PDF arrived as %q", pdf)
			}
		}
		// The ticket keeps the mail as it came, with its text.
		hist, err := s.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var kept *mailstore.Message
		for _, x := range hist {
			if x.Message != nil {
				kept = x.Message
			}
		}
		if kept == nil || kept.Text != parse.Parse([]byte(in)).Text || kept.MessageID != "AM0PR10MB3187E1C0D1@AM0PR10MB3187.EURPRD10.PROD.OUTLOOK.COM" {
			t.Errorf("the ticket keeps %+v", kept)
		}

		// Thunderbird: alternative(text, related(html, image)), under a
		// queue template with a footer of its own, escaped in the HTML.
		if err := s.SetTemplate(ctx, "root", "support", "correspond",
			"Subject: {{.Ticket.Subject}}\n\n{{.Text}}\n-- \nSvar over denne linjen <ikke under> & takk ({{.Tag}})\n"); err != nil {
			t.Fatal(err)
		}
		id2, err := s.CreateTicket(ctx, "root", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com"}, Subject: "Kvittering"})
		if err != nil {
			t.Fatal(err)
		}
		reply("html-reply-thunderbird.eml", id2)
		shape, parts := mimeTree(t, sent(id2, "pat@example.com"))
		if want := "multipart/alternative[text/plain,multipart/related[text/html,image/png]]"; shape != want {
			t.Fatalf("the Thunderbird answer is %s, want %s", shape, want)
		}
		footer := fmt.Sprintf("Svar over denne linjen <ikke under> & takk ([support #%d])", id2)
		if text := string(parts["text/plain"].body); !strings.Contains(text, "*Husk* dette:") || !strings.Contains(text, footer) {
			t.Errorf("the text part lacks the text or the footer:\n%s", text)
		}
		html := string(parts["text/html"].body)
		escaped := fmt.Sprintf("Svar over denne linjen &lt;ikke under&gt; &amp; takk ([support #%d])", id2)
		for _, want := range []string{"<ol>", "<li>Skriv saksnummeret</li>", "<b>Husk</b>", `src="cid:part1.Xq3mT7ab.Zk9pLw2c@example.org"`, escaped} {
			if !strings.Contains(html, want) {
				t.Errorf("the HTML lacks %q:\n%s", want, html)
			}
		}
		if i, j := strings.Index(html, "Skriv saksnummeret"), strings.Index(html, escaped); i > j {
			t.Errorf("the footer is not after the text:\n%s", html)
		}
		img2 := parts["image/png"].header
		if cid := img2.Get("Content-Id"); cid != "<part1.Xq3mT7ab.Zk9pLw2c@example.org>" {
			t.Errorf("the image's Content-ID is %q", cid)
		}

		// A template that does not show the text as it is: the text
		// alone, as before, the image beside it.
		if err := s.SetTemplate(ctx, "root", "support", "correspond", "Subject: {{.Ticket.Subject}}\n\n{{printf \"%q\" .Text}}\n"); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile("testdata/html-reply-thunderbird.eml")
		if err != nil {
			t.Fatal(err)
		}
		r.mustSend("alice@example.org", []string{"support@example.org"}, strings.NewReplacer("{{TAG}}", fmt.Sprintf("[support #%d]", id2),
			"Message-ID: <6f1c", "Message-ID: <7f1c").Replace(string(b)))
		if shape, _ := mimeTree(t, sent(id2, "pat@example.com")); shape != "multipart/mixed[text/plain,image/png]" {
			t.Errorf("under a template that quotes the text, the answer is %s", shape)
		}

		// A text-only answer stays text/plain.
		r.mustSend("alice@example.org", []string{"support@example.org"},
			withFile("alice@example.org", fmt.Sprintf("Re: [support #%d] Skjema", id), "Bare tekst.", nil, false))
		if shape, parts := mimeTree(t, sent(id, "pat@example.com")); shape != "text/plain" ||
			!strings.Contains(string(parts["text/plain"].body), "Bare tekst.") {
			t.Errorf("a text-only answer went out as %s: %q", shape, parts["text/plain"].body)
		}
	})
}
