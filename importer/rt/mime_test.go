package rt

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset"

	"sak/parse"
)

// leaf is a decoded non-container part of a mail.
type leaf struct {
	ctype string
	body  []byte
}

// leaves decodes a mail with go-message, into message/rfc822 parts too.
func leaves(t *testing.T, raw []byte) []leaf {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read rebuilt mail: %v\n%s", err, raw)
	}
	var out []leaf
	var walk func(e *message.Entity)
	walk = func(e *message.Entity) {
		ct, _, _ := e.Header.ContentType()
		if mr := e.MultipartReader(); mr != nil {
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("next part: %v", err)
				}
				walk(p)
			}
		}
		if ct == "message/rfc822" {
			inner, err := message.Read(e.Body)
			if err != nil {
				t.Fatalf("read message/rfc822: %v", err)
			}
			walk(inner)
			return
		}
		b, err := io.ReadAll(e.Body)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		out = append(out, leaf{ct, b})
	}
	walk(e)
	return out
}

// rtLeaves lists the parts RT stored with content, in tree order.
func rtLeaves(parts []Part) []Part {
	kids := map[int64][]Part{}
	var root *Part
	for i := range parts {
		if parts[i].Parent == 0 && root == nil {
			root = &parts[i]
		} else {
			kids[parts[i].Parent] = append(kids[parts[i].Parent], parts[i])
		}
	}
	var out []Part
	var walk func(p Part)
	walk = func(p Part) {
		if len(kids[p.ID]) == 0 || p.HasContent {
			out = append(out, p)
			return
		}
		for _, k := range kids[p.ID] {
			walk(k)
		}
	}
	walk(*root)
	return out
}

func unixLines(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }

// TestRebuildFixture rebuilds every mail of the fixture and checks that
// each part decodes to what RT stored: binaries byte for byte, text up to
// line ends (CRLF in mail).
func TestRebuildFixture(t *testing.T) {
	db := openFixture(t, fixtureCopy(t))
	ctx := context.Background()
	ts, err := db.Tickets(ctx, TicketFilter{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	mails, files := 0, 0
	for _, tk := range ts {
		xs, err := db.Transactions(ctx, tk.ID, 0, 1<<62)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range xs {
			if len(x.Parts) == 0 {
				continue
			}
			raw, lost, err := Rebuild(x.Parts)
			if err != nil || len(lost) > 0 {
				t.Fatalf("Rebuild(transaction %d) = %v, lost %d", x.ID, err, len(lost))
			}
			mails++
			got := leaves(t, raw)
			want := rtLeaves(x.Parts)
			if len(got) != len(want) {
				t.Errorf("transaction %d: %d parts, want %d\n%s", x.ID, len(got), len(want), raw)
				continue
			}
			for i, p := range want {
				content, err := p.Decoded()
				if err != nil {
					t.Fatal(err)
				}
				g := got[i].body
				if p.Filename != "" {
					files++
				}
				if strings.HasPrefix(p.ContentType, "text/") && p.Filename == "" {
					g, content = unixLines(g), unixLines(content)
				}
				if !bytes.Equal(g, content) {
					t.Errorf("transaction %d part %d (%s %q): %d bytes, want %d", x.ID, p.ID, p.ContentType, p.Filename, len(g), len(content))
				}
			}
			m := parse.Parse(raw)
			for _, d := range m.Defects {
				if !strings.Contains(d, "8-bit") {
					t.Logf("transaction %d: parse defect %q", x.ID, d)
				}
			}
		}
	}
	if mails != 215 || files != 6 {
		t.Errorf("checked %d mails and %d files, want 215 and 6", mails, files)
	}
}

func TestRebuild(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\n\n\r")
	pdf := []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\r\n%%EOF\n")
	for _, tc := range []struct {
		name   string
		parts  []Part
		header []string // in the rebuilt mail
		leaves []leaf
	}{{
		name: "multipart with binaries stored base64 and quoted-printable",
		parts: []Part{
			{ID: 1, ContentType: "multipart/mixed", Headers: "Subject: Søknad\nContent-Type: multipart/mixed;\n boundary=\"b1\"\nContent-Length: 0\n"},
			{ID: 2, Parent: 1, ContentType: "text/plain", ContentEncoding: "quoted-printable", HasContent: true,
				Content: []byte("Hei p=C3=A5 deg\n"), Headers: "Content-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: 7bit\nX-RT-Original-Encoding: iso-8859-1\n"},
			{ID: 3, Parent: 1, ContentType: "image/png", ContentEncoding: "base64", HasContent: true,
				Content: []byte(b64(png)), Headers: "Content-Type: image/png; name=\"a.png\"\nContent-Transfer-Encoding: base64\n"},
			{ID: 4, Parent: 1, ContentType: "application/pdf", ContentEncoding: "none", HasContent: true,
				Content: pdf, Headers: "Content-Type: application/pdf\nContent-Transfer-Encoding: binary\n"},
		},
		header: []string{"Subject: Søknad\r\n", "boundary=\"b1\"", "Content-Transfer-Encoding: 8bit\r\n", "Content-Transfer-Encoding: base64\r\n"},
		leaves: []leaf{{"text/plain", []byte("Hei på deg\r\n")}, {"image/png", png}, {"application/pdf", pdf}},
	}, {
		name: "forwarded message and a container without boundary",
		parts: []Part{
			{ID: 10, ContentType: "multipart/mixed", Headers: "Content-Type: multipart/mixed\n"},
			{ID: 11, Parent: 10, ContentType: "text/plain", HasContent: true, Content: []byte("see below"), Headers: "Content-Type: text/plain\n"},
			{ID: 12, Parent: 10, ContentType: "message/rfc822", Headers: "Content-Type: message/rfc822\n"},
			{ID: 13, Parent: 12, ContentType: "text/plain", HasContent: true, Content: []byte("inner\n"), Headers: "Subject: inner\nContent-Type: text/plain\n"},
		},
		header: []string{"boundary="},
		leaves: []leaf{{"text/plain", []byte("see below")}, {"text/plain", []byte("inner\r\n")}},
	}, {
		name: "single long line",
		parts: []Part{
			{ID: 20, ContentType: "text/plain", HasContent: true, Content: []byte(strings.Repeat("x", 2000)), Headers: "Content-Type: text/plain\n"},
		},
		header: []string{"Content-Transfer-Encoding: quoted-printable\r\n"},
		leaves: []leaf{{"text/plain", []byte(strings.Repeat("x", 2000))}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			raw, lost, err := Rebuild(tc.parts)
			if err != nil || len(lost) != 0 {
				t.Fatalf("Rebuild = %v, lost %v", err, lost)
			}
			if bytes.Contains(raw, []byte("Content-Length")) {
				t.Errorf("RT's Content-Length kept:\n%s", raw)
			}
			if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
				t.Errorf("bare LF in rebuilt mail:\n%q", raw)
			}
			for _, h := range tc.header {
				if !bytes.Contains(raw, []byte(h)) {
					t.Errorf("rebuilt mail lacks %q:\n%s", h, raw)
				}
			}
			got := leaves(t, raw)
			if len(got) != len(tc.leaves) {
				t.Fatalf("%d parts, want %d:\n%s", len(got), len(tc.leaves), raw)
			}
			for i, l := range tc.leaves {
				if got[i].ctype != l.ctype || !bytes.Equal(got[i].body, l.body) {
					t.Errorf("part %d = %s %q, want %s %q", i, got[i].ctype, got[i].body, l.ctype, l.body)
				}
			}
		})
	}
}

func TestRebuildErrors(t *testing.T) {
	if _, _, err := Rebuild(nil); err == nil {
		t.Error("Rebuild(nil): no error")
	}
	_, lost, err := Rebuild([]Part{{ID: 1, HasContent: true, Content: []byte("a")}, {ID: 2, Parent: 99, HasContent: true}})
	if err != nil || len(lost) != 1 || lost[0].ID != 2 {
		t.Errorf("orphan part: lost %v, %v", lost, err)
	}
	if _, _, err := Rebuild([]Part{{ID: 1, ContentEncoding: "base64", HasContent: true, Content: []byte("!!!")}}); err == nil {
		t.Error("bad base64: no error")
	}
}

func FuzzRebuild(f *testing.F) {
	f.Add("Content-Type: multipart/mixed; boundary=x\n", "text/plain", "quoted-printable", []byte("a=C3=A5"))
	f.Add("Content-Type: message/rfc822\n", "message/rfc822", "", []byte(nil))
	f.Fuzz(func(t *testing.T, headers, ctype, enc string, content []byte) {
		parts := []Part{
			{ID: 1, Headers: headers, ContentType: ctype},
			{ID: 2, Parent: 1, Headers: headers, ContentType: ctype, ContentEncoding: enc, Content: content, HasContent: content != nil},
			{ID: 3, Parent: 2, Headers: "Content-Type: text/plain\n", ContentType: "text/plain", Content: content, HasContent: true},
		}
		raw, _, err := Rebuild(parts)
		if err == nil {
			parse.Parse(raw)
		}
	})
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
