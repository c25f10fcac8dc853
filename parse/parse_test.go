package parse

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// readTestdata returns a file from testdata/.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// checkValid fails when a parsed message breaks the promises of Parse.
func checkValid(t testing.TB, name string, m *Message) {
	t.Helper()
	if m == nil {
		t.Fatalf("Parse(%q) = nil", name)
	}
	for _, s := range messageStrings(m) {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) || strings.ContainsFunc(s, isC1) {
			t.Errorf("Parse(%q) returned %q, want valid UTF-8 without NUL and C1 controls", name, s)
		}
	}
	for _, d := range m.Defects {
		if strings.HasPrefix(d, "internal error") {
			t.Errorf("Parse(%q) defect %q", name, d)
		}
	}
}

func isC1(r rune) bool { return r >= 0x80 && r <= 0x9f }

// messageStrings lists every string in m.
func messageStrings(m *Message) []string {
	s := []string{m.MessageID, m.Subject, m.Text, m.AutoSubmitted, m.Precedence, m.ListID}
	s = append(s, m.InReplyTo...)
	s = append(s, m.References...)
	s = append(s, m.Defects...)
	for _, f := range m.Header {
		s = append(s, f.Name, f.Value)
	}
	for _, a := range m.Attachments {
		s = append(s, a.Name, a.ContentType)
	}
	addrs := append(append(append([]Address{}, m.ReplyTo...), m.To...), m.Cc...)
	for _, a := range []*Address{m.From, m.Sender} {
		if a != nil {
			addrs = append(addrs, *a)
		}
	}
	for _, a := range addrs {
		s = append(s, a.Name, a.Addr)
	}
	if r := m.Report; r != nil {
		s = append(s, r.Action, r.Status, r.Diagnostic, r.OriginalMessageID)
		s = append(s, r.Recipients...)
	}
	return s
}

// described is as without the parts' bytes, for comparing what was found.
func described(as []Attachment) []Attachment {
	var out []Attachment
	for _, a := range as {
		a.Header, a.Body = "", nil
		out = append(out, a)
	}
	return out
}

// TestAttachmentPart checks that an attachment keeps a well-formed header
// made from what was read of it and its body as it came, so that it can be
// sent on.
func TestAttachmentPart(t *testing.T) {
	raw, err := os.ReadFile("testdata/attachment-2231.eml")
	if err != nil {
		t.Fatal(err)
	}
	m := Parse(raw)
	if len(m.Attachments) != 3 {
		t.Fatalf("%d attachments, want 3", len(m.Attachments))
	}
	pdf := m.Attachments[0]
	wantHeader := "Content-Type: application/pdf; name*=utf-8''Rapport%20%C3%A6%C3%B8%C3%A5.pdf\r\n" +
		"Content-Disposition: attachment; filename*=utf-8''Rapport%20%C3%A6%C3%B8%C3%A5.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n"
	if pdf.Header != wantHeader {
		t.Errorf("pdf Header = %q, want %q", pdf.Header, wantHeader)
	}
	data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(pdf.Body)), ""))
	if err != nil || len(data) != 1028 || data[1] != 1 || string(data[1024:]) != "%PDF" {
		t.Errorf("pdf Body decodes to %d bytes (%v), want the 1028 written", len(data), err)
	}
	if png := m.Attachments[1]; !strings.HasPrefix(png.Header, "Content-Type: image/png; name*=utf-8''Bilde%20av%20%C3%A6rfugl.png\r\nContent-Disposition: inline;") {
		t.Errorf("inline image Header = %q", png.Header)
	}
	if txt := m.Attachments[2]; string(txt.Body) != "log line" || txt.Header != "Content-Type: text/plain; name*=utf-8''logg%20%C3%B8.txt\r\nContent-Disposition: attachment; filename*=utf-8''logg%20%C3%B8.txt\r\n" {
		t.Errorf("text attachment = %q, %q", txt.Header, txt.Body)
	}
	// A malformed field (a bare CR, an unclosed quote, an 8-bit byte)
	// gives a well-formed one.
	m = Parse([]byte("Content-Type: application/octet-stream; name=\"a\rBcc: x@example.org\xd6\n\nAAAA\n"))
	if h := m.Attachments[0].Header; h != "Content-Type: application/octet-stream; name*=utf-8''a%20Bcc%3A%20x%40example.org%C3%96\r\nContent-Disposition: attachment; filename*=utf-8''a%20Bcc%3A%20x%40example.org%C3%96\r\n" {
		t.Errorf("Header = %q", h)
	}
}

func TestParseTestdata(t *testing.T) {
	tests := []struct {
		file  string
		field string
		got   func(*Message) any
		want  any
	}{
		{"latin1-qp.eml", "Subject", func(m *Message) any { return m.Subject }, "Blåbærsyltetøy på hytta"},
		{"latin1-qp.eml", "From", func(m *Message) any { return *m.From }, Address{Name: "Østen Æbelø", Addr: "Osten+sak@Example.NO"}},
		{"latin1-qp.eml", "To", func(m *Message) any { return m.To }, []Address{{"Support, IT", "support@example.no"}, {"", "opptak@example.no"}}},
		{"latin1-qp.eml", "Cc", func(m *Message) any { return m.Cc }, []Address{{"Pål", "pal@example.no"}}},
		{"latin1-qp.eml", "Date", func(m *Message) any { return m.Date.UTC() }, time.Date(2024, 3, 5, 9, 15, 0, 0, time.UTC)},
		{"latin1-qp.eml", "Text", func(m *Message) any { return m.Text }, "Hei,\n\nJeg får ikke logget inn på portalen. Kan dere hjelpe?\n\nHilsen Østen"},
		{"latin1-qp.eml", "Defects", func(m *Message) any { return m.Defects }, []string(nil)},

		{"utf8-subject.eml", "Subject", func(m *Message) any { return m.Subject }, "Søknad om opptak – æøå [support #42]"},
		{"utf8-subject.eml", "MessageID", func(m *Message) any { return m.MessageID }, "utf8.1@example.no"},
		{"utf8-subject.eml", "InReplyTo", func(m *Message) any { return m.InReplyTo }, []string{"sak-42-1@sak.example.no"}},
		{"utf8-subject.eml", "References", func(m *Message) any { return m.References }, []string{"sak-42-0@sak.example.no", "sak-42-1@sak.example.no"}},
		{"utf8-subject.eml", "AutoSubmitted", func(m *Message) any { return m.AutoSubmitted }, "auto-replied"},
		{"utf8-subject.eml", "Precedence", func(m *Message) any { return m.Precedence }, "bulk"},
		{"utf8-subject.eml", "ListID", func(m *Message) any { return m.ListID }, "Studenter <studenter.lists.example.no>"},
		{"utf8-subject.eml", "ListUnsubscribe", func(m *Message) any { return m.ListUnsubscribe }, true},
		{"utf8-subject.eml", "Header[2]", func(m *Message) any { return m.Header[2] }, HeaderField{"Subject", "Søknad om opptak – æøå [support #42]"}},
		{"utf8-subject.eml", "Header[4]", func(m *Message) any { return m.Header[4].Name }, "Message-Id"},
		{"utf8-subject.eml", "TicketTags", func(m *Message) any { return TicketTags(m.Subject) }, []TicketTag{{"support", 42}}},
		{"utf8-subject.eml", "Text", func(m *Message) any { return m.Text }, "Æ, ø og å er fine bokstaver."},

		{"alternative.eml", "Text", func(m *Message) any { return m.Text }, "Skriveren på rom 101 virker ikke."},
		{"alternative.eml", "HTMLOnly", func(m *Message) any { return m.HTMLOnly }, false},
		{"alternative.eml", "Attachments", func(m *Message) any { return described(m.Attachments) }, []Attachment(nil)},

		{"html-only.eml", "Text", func(m *Message) any { return m.Text }, "Ny henvendelse\n\nNavn: Per & Pål\n\nLinje 1\nLinje 2\n\n- en\n- to\n\n«Takk» – 5 < 6"},
		{"html-only.eml", "HTMLOnly", func(m *Message) any { return m.HTMLOnly }, true},

		{"attachment-2231.eml", "Text", func(m *Message) any { return m.Text }, "Se vedlegg."},
		{"attachment-2231.eml", "Attachments", func(m *Message) any { return described(m.Attachments) }, []Attachment{
			{Name: "Rapport æøå.pdf", ContentType: "application/pdf", Size: 1028},
			{Name: "Bilde av ærfugl.png", ContentType: "image/png", Size: 8, Inline: true},
			{Name: "logg ø.txt", ContentType: "text/plain", Size: 8},
		}},

		{"dsn.eml", "Report", func(m *Message) any { return *m.Report }, Report{
			Action:            "failed",
			Recipients:        []string{"slow@example.com", "nobody@example.org"},
			Status:            "5.1.1",
			Diagnostic:        "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown",
			OriginalMessageID: "sak-42-7@sak.example.no",
		}},
		{"dsn.eml", "Text", func(m *Message) any { return m.Text }, "I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients."},
		{"dsn.eml", "Attachments", func(m *Message) any { return m.Attachments[0].ContentType }, "message/rfc822"},

		{"reply.eml", "NewText", func(m *Message) any { return NewText(m.Text) }, "Takk, det virker nå.\n\nVi sees."},
		{"reply.eml", "Report", func(m *Message) any { return m.Report }, (*Report)(nil)},

		{"malformed.eml", "Subject", func(m *Message) any { return m.Subject }, "Spørsmål om lån"},
		{"malformed.eml", "From", func(m *Message) any { return *m.From }, Address{Name: "Ola Østby", Addr: "ola@example.no"}},
		{"malformed.eml", "MessageID", func(m *Message) any { return m.MessageID }, "bare.1@example.no"},
		{"malformed.eml", "Date", func(m *Message) any { return m.Date.IsZero() }, true},
		{"malformed.eml", "Text", func(m *Message) any { return m.Text }, "This line starts the body without a blank line.\nNUL here: and latin-1: blå"},
		{"malformed.eml", "Defects", func(m *Message) any { return len(m.Defects) }, 6},

		{"bad-mime.eml", "Text", func(m *Message) any { return m.Text }, "Hei dere!\n\nBrød =ZZ og smør"},
		{"bad-mime.eml", "Attachments", func(m *Message) any { return described(m.Attachments) }, []Attachment{{ContentType: "application/octet-stream", Size: 3}}},
		{"bad-mime.eml", "Defects", func(m *Message) any { return m.Defects }, []string{
			"multipart has no closing boundary",
			"bad base64 data; decoded what was readable",
			`unknown charset "x-no-such-charset"; read as utf-8`,
			`unknown content-transfer-encoding "x-rot13"; kept as is`,
			"bad quoted-printable data; kept the bad bytes as written",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file+"/"+tc.field, func(t *testing.T) {
			m := Parse(readTestdata(t, tc.file))
			checkValid(t, tc.file, m)
			if got := tc.got(m); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q).%s = %#v, want %#v", tc.file, tc.field, got, tc.want)
			}
		})
	}
}

// TestLineEndings checks that LF, CRLF and CR-only copies of a message, and
// one behind an mbox "From " line, parse alike.
func TestLineEndings(t *testing.T) {
	crlf := readTestdata(t, "latin1-qp.eml")
	lf := bytes.ReplaceAll(crlf, []byte("\r\n"), []byte("\n"))
	variants := map[string][]byte{
		"crlf": crlf,
		"lf":   lf,
		"cr":   bytes.ReplaceAll(lf, []byte("\n"), []byte("\r")),
		"mbox": append([]byte("From osten@example.no Tue Mar  5 10:15:00 2024\n"), lf...),
		"bom":  append([]byte("\xef\xbb\xbf"), lf...),
	}
	want := Parse(crlf)
	for name, raw := range variants {
		t.Run(name, func(t *testing.T) {
			got := Parse(raw)
			checkValid(t, name, got)
			if got.Subject != want.Subject || got.Text != want.Text || got.MessageID != want.MessageID {
				t.Errorf("Parse(%s copy) = %q %q %q, want %q %q %q", name,
					got.Subject, got.Text, got.MessageID, want.Subject, want.Text, want.MessageID)
			}
		})
	}
}

func TestParseOddInput(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		wantText string
		wantSubj string
	}{
		{"empty", "", "", ""},
		{"only newlines", "\n\n\n", "", ""},
		{"no header", "Hello there,\nplease help.\n", "Hello there,\nplease help.", ""},
		{"header only", "Subject: hi", "", "hi"},
		{"leading space", " Subject: hi\n\nbody", "body", "hi"},
		{"blank first line", "   \nSubject: hi\n\nbody", "body", "hi"},
		{"bad line inside", "Subject: hi\ngarbage line\nTo: a@b.c\n\nbody", "body", "hi"},
		{"nul in header", "Subject: a\x00b\n\nx\x00y", "xy", "ab"},
		{"folded subject", "Subject: one\n\t two\n   three\n\nx", "x", "one two three"},
		{"2047 bad charset", "Subject: =?x-nope?Q?bl=E5?=\n\nx", "x", "blå"},
		{"2047 unpadded", "Subject: =?utf-8?B?eHB0bw?=\n\nx", "x", "xpto"},
		{"utf-8 raw header", "Subject: blåbær\n\nx", "x", "blåbær"},
		{"multipart no boundary", "Content-Type: multipart/mixed\n\n--zz\n\nin part\n--zz--\n", "in part", ""},
		{"multipart wrong boundary", "Content-Type: multipart/mixed; boundary=a_\n\n--a\n\npart\n--a--\n", "part", ""},
		{"multipart no delimiter", "Content-Type: multipart/mixed; boundary=q\n\njust text\n", "just text", ""},
		{"bad content type", "Content-Type: garbage\n\ntext", "text", ""},
		{"missing semicolon", "Content-Type: text/plain charset=iso-8859-1\n\nbl\xe5", "blå", ""},
		{"html in mixed", "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\none\n--b\nContent-Type: text/html\n\n<p>two</p>\n--b--\n", "one\n\ntwo", ""},
		{"utf-8 claimed, latin-1 sent", "Content-Type: text/plain; charset=utf-8\n\nbl\xe5", "blå", ""},
		{"base64 chunks", "Content-Transfer-Encoding: base64\n\naGk=IHRoZXJl\n", "hi there", ""},
		{"qp soft break", "Content-Transfer-Encoding: quoted-printable\n\nab=  \ncd=3D\n", "abcd=", ""},
		{"cte misspelt", "Content-Transfer-Encoding: Quoted Printable\n\na=3Db", "a=b", ""},
		{"unclosed html", "Content-Type: text/html\n\n<p>a < b <script>x", "a < b", ""},
		{"delivery status as text", "Content-Type: message/delivery-status\n\nnot really a report\n", "not really a report", ""},
		// Outlook labels windows-1252 text ISO-8859-1: 0x96 is an en dash,
		// 0x93/0x94 quotes, 0x80 the euro, never C1 controls.
		{"iso-8859-1 is windows-1252", "Content-Type: text/plain; charset=iso-8859-1\n\n9\x9617 \x93ja\x94 5 \x80", "9–17 “ja” 5 €", ""},
		{"latin1 label", "Content-Type: text/plain; charset=latin1\n\na\x96b", "a–b", ""},
		{"iso-8859-1 encoded word", "Subject: =?iso-8859-1?Q?S=F8knad_=96_opptak?=\n\nx", "x", "Søknad – opptak"},
		{"us-ascii with 8-bit bytes", "Content-Type: text/plain; charset=us-ascii\n\na\x96b", "a–b", ""},
		{"C1 written as utf-8", "Subject: a\u0096b\n\nc\u0085d\u0081e", "c…de", "a–b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Parse([]byte(tc.raw))
			checkValid(t, tc.name, m)
			if m.Text != tc.wantText || m.Subject != tc.wantSubj {
				t.Errorf("Parse(%q) = text %q subject %q, want %q %q", tc.raw, m.Text, m.Subject, tc.wantText, tc.wantSubj)
			}
		})
	}
}

// nestedMultipart builds a message with depth nested multipart/mixed parts
// and one text part at the bottom.
func nestedMultipart(depth int) []byte {
	var b bytes.Buffer
	b.WriteString("Subject: deep\n")
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\n\nbottom\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\n", i)
	}
	return b.Bytes()
}

func TestDeepNesting(t *testing.T) {
	tests := []struct {
		depth    int
		wantText string
		wantAtt  int
	}{
		{10, "bottom", 0},
		{maxDepth, "bottom", 0},
		{maxDepth + 1, "", 1},
		{1000, "", 1},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.depth), func(t *testing.T) {
			raw := nestedMultipart(tc.depth)
			start := time.Now()
			m := Parse(raw)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Parse(%d-deep multipart) took %v", tc.depth, d)
			}
			checkValid(t, "nested", m)
			if m.Text != tc.wantText || len(m.Attachments) != tc.wantAtt {
				t.Errorf("Parse(%d-deep multipart) = text %q, %d attachments, want %q, %d",
					tc.depth, m.Text, len(m.Attachments), tc.wantText, tc.wantAtt)
			}
		})
	}
}

func TestManyParts(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("Content-Type: multipart/mixed; boundary=x\n\n")
	for range maxParts + 10 {
		b.WriteString("--x\nContent-Type: application/octet-stream\n\nz\n")
	}
	b.WriteString("--x--\n")
	m := Parse(b.Bytes())
	if len(m.Attachments) != maxParts-1 {
		t.Errorf("Parse(%d parts) = %d attachments, want %d", maxParts+10, len(m.Attachments), maxParts-1)
	}
}

func TestParseReader(t *testing.T) {
	raw := readTestdata(t, "alternative.eml")
	m, err := ParseReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if want := Parse(raw); !reflect.DeepEqual(m, want) {
		t.Errorf("ParseReader() = %+v, want %+v", m, want)
	}
}

func TestAddresses(t *testing.T) {
	tests := []struct {
		value string
		want  []Address
	}{
		{"a@b.no", []Address{{"", "a@b.no"}}},
		{`"Nordmann, Ola" <ola@b.no>, kari@b.no`, []Address{{"Nordmann, Ola", "ola@b.no"}, {"", "kari@b.no"}}},
		{"MAILER-DAEMON (Mail Delivery System)", []Address{{"Mail Delivery System", "MAILER-DAEMON"}}},
		{"Big Bug bb@bug.com", []Address{{"", "bb@bug.com"}}},
		{"alice@example.com <bob@example.com>", []Address{{"alice@example.com", "bob@example.com"}}},
		{"Pete(A wonderful \\) chap) <pete(his account)@silly.test(his host)>", []Address{{"Pete", "pete@silly.test"}}},
		{"undisclosed-recipients:;", []Address(nil)},
		{"=?iso-8859-1?Q?J=F8rn?= <j@x.no>", []Address{{"Jørn", "j@x.no"}}},
	}
	for _, tc := range tests {
		m := Parse([]byte("To: " + tc.value + "\n\n"))
		if !reflect.DeepEqual(m.To, tc.want) {
			t.Errorf("Parse(To: %q).To = %#v, want %#v", tc.value, m.To, tc.want)
		}
	}
}

func TestDates(t *testing.T) {
	want := time.Date(2024, 3, 5, 9, 15, 0, 0, time.UTC)
	for _, v := range []string{
		"Tue, 5 Mar 2024 10:15:00 +0100",
		"Tue, 05 Mar 2024 10:15:00 +0100 (CET)",
		"5 Mar 2024 10:15:00 +0100",
		"Tue, 5 Mar 2024 09:15:00 GMT",
		"Tue Mar  5 09:15:00 2024",
		"2024-03-05T10:15:00+01:00",
	} {
		m := Parse([]byte("Date: " + v + "\n\n"))
		if !m.Date.Equal(want) {
			t.Errorf("Parse(Date: %q).Date = %v, want %v", v, m.Date, want)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>a</p><p>b</p>", "a\n\nb"},
		{"<div>Line1</div>\n<div>Line2</div><div><br></div><div>Line3</div>", "Line1\nLine2\n\nLine3"},
		{"x &amp; y&nbsp;z", "x & y z"},
		{"<pre>  a\n    b</pre>", "a\n    b"},
		{"<STYLE>p{}</STYLE>text<SCRIPT>bad()</script>", "text"},
		{"a <!-- hidden --> b", "a b"},
		{"<a href='x>y'>link</a>", "y'>link"},
		{"3 < 4 and 5 > 4", "3 < 4 and 5 > 4"},
		{"<table><tr><td>a</td><td>b</td></tr></table>", "a b"},
		{"&lt;script&gt;", "<script>"},
	}
	for _, tc := range tests {
		if got := htmlToText(tc.in); got != tc.want {
			t.Errorf("htmlToText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestPathological checks that inputs built to trigger quadratic work are
// handled in linear time: eight times the input may take at most 40 times
// as long (quadratic work takes 64), unless it is still fast (under a
// second: with the race detector on a busy machine, memory first touched
// makes small timings noise). Each size is timed three times and the
// fastest counts, so that a busy machine or the race detector, which slow
// both sizes alike, do not fail it.
func TestPathological(t *testing.T) {
	tests := []struct {
		name string
		run  func(n int)
	}{
		{"folded header", func(n int) { Parse([]byte("Subject: a" + strings.Repeat("\n b", n) + "\n\nx")) }},
		{"many params", func(n int) { Parse([]byte("Content-Type: text/plain" + strings.Repeat(" a=b", n) + "\n\nx")) }},
		{"long param value", func(n int) { Parse([]byte("Content-Type: text/plain; name=" + strings.Repeat("a ", n) + "\n\nx")) }},
		{"many bad lines", func(n int) { Parse([]byte(strings.Repeat("Subject: x\nbad\n", n))) }},
		{"many boundaries", func(n int) {
			Parse([]byte("Content-Type: multipart/mixed; boundary=b\n\n" + strings.Repeat("--bb--b\n", n)))
		}},
		{"html brackets", func(n int) { htmlToText(strings.Repeat("<a", n) + strings.Repeat("< ", n)) }},
		{"html scripts", func(n int) { htmlToText(strings.Repeat("<script>", n)) }},
		{"nested brackets", func(n int) { Commands(strings.Repeat("[", n) + "take" + strings.Repeat("]", n)) }},
		{"nested kept brackets", func(n int) { Commands(strings.Repeat("[x", n) + strings.Repeat("]", n)) }},
		{"quote lines", func(n int) { NewText(strings.Repeat("From: x\n", n)) }},
		{"references", func(n int) { Parse([]byte("References:" + strings.Repeat(" <a@b>", n) + "\n\n")) }},
		{"addresses", func(n int) { Parse([]byte("To:" + strings.Repeat(" a@b,", n) + "\n\n")) }},
		{"bad addresses", func(n int) { Parse([]byte("To:" + strings.Repeat(" a@b <,", n) + "\n\n")) }},
	}
	fastest := func(run func(int), n int) time.Duration {
		best := time.Duration(1<<63 - 1)
		for range 3 {
			start := time.Now()
			run(n)
			best = min(best, time.Since(start))
		}
		return best
	}
	const n = 25_000
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			small, large := fastest(tc.run, n), fastest(tc.run, 8*n)
			if large > 40*small && large > time.Second {
				t.Errorf("%s: %d items took %v, %d took %v: more than linear", tc.name, n, small, 8*n, large)
			}
		})
	}
}
