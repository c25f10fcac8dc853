package mailstore

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
)

// TestComposeText checks that a composed text mail is MIME a mail reader
// takes apart again: the header fields sak's mail carries, its text
// quoted-printable (non-ASCII, "=" and a line over 76 characters come
// back as they were), and the header text kept only for stored mail.
func TestComposeText(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s := &Store{}
	s.secret.Store([]byte("test secret"))
	o := &op{s: s, now: now.UnixMicro(), t: &ticketRow{id: 42}, queue: &Queue{Address: "support@example.org", Name: "support", Tag: "support"}}
	text := "Svar på saken din: " + strings.Repeat("lang linje ", 12) + "\n\na = b\n"
	m := &outMail{kind: KindAutoReply, fromName: "Støtte", fromAddr: "support@example.org", to: []string{"ola@example.net"},
		subject: "[support #42] Received: Skriver på tredje", inReplyTo: "a@example.net", refs: []string{"a@example.net"}, text: text}
	out, err := o.compose(m)
	if err != nil {
		t.Fatal(err)
	}
	if out.Header != "" {
		t.Errorf("header text kept for a mail only queued: %q", out.Header)
	}
	r, err := mail.CreateReader(bytes.NewReader(out.Raw))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"Auto-Submitted":            "auto-replied",
		"X-Sak-Ticket":              "42",
		"Message-Id":                "<" + out.MessageID + ">",
		"In-Reply-To":               "<a@example.net>",
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if s, err := r.Header.Subject(); err != nil || s != m.subject {
		t.Errorf("Subject %q (%v), want %q", s, err, m.subject)
	}
	if d, err := r.Header.Date(); err != nil || !d.Equal(now) {
		t.Errorf("Date %v (%v), want %v", d, err, now)
	}
	p, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(p.Body)
	if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != text {
		t.Errorf("text came back as %q, want %q", got, text)
	}
	for _, line := range strings.Split(string(out.Raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line of %d characters: %q", len(line), line)
		}
	}

	m.keep = true
	kept, err := o.compose(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(kept.Header, "Subject: "+m.subject+"\n") || !strings.Contains(kept.Header, "From: Støtte <support@example.org>\n") {
		t.Errorf("stored header text lacks the decoded Subject or From:\n%s", kept.Header)
	}
}

// TestSplitDetail: the one +detail rule routes and compares queue
// addresses, and keeps a signed reply token as written.
func TestSplitDetail(t *testing.T) {
	for _, c := range []struct{ in, base, detail string }{
		{"Support+Ab9@Example.ORG", "support@example.org", "Ab9"},
		{"<it-help+a+b@example.org>", "it-help@example.org", "a+b"},
		{" support@example.org ", "support@example.org", ""},
		{"local+x", "local", "x"},
	} {
		base, detail := splitDetail(c.in)
		if base != c.base || detail != c.detail {
			t.Errorf("splitDetail(%q) = %q, %q; want %q, %q", c.in, base, detail, c.base, c.detail)
		}
		if QueueAddress(c.in) != c.base {
			t.Errorf("QueueAddress(%q) = %q, want %q", c.in, QueueAddress(c.in), c.base)
		}
	}
}
