package mimepart

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHeader(t *testing.T) {
	for _, tc := range []struct {
		typ    string
		params map[string]string
		name   string
		inline bool
		cte    string
		want   string
	}{
		{"application/pdf", nil, "Rapport æøå.pdf", false, "Base64",
			"Content-Type: application/pdf; name*=utf-8''Rapport%20%C3%A6%C3%B8%C3%A5.pdf\r\nContent-Disposition: attachment; filename*=utf-8''Rapport%20%C3%A6%C3%B8%C3%A5.pdf\r\nContent-Transfer-Encoding: base64\r\n"},
		{"text/plain", map[string]string{"charset": "iso-8859-1", "name": "old", "boundary": "b"}, "logg.txt", false, "7bit",
			"Content-Type: text/plain; charset=iso-8859-1; name=logg.txt\r\nContent-Disposition: attachment; filename=logg.txt\r\n"},
		{"image/png", nil, "", true, "x-unknown", "Content-Type: image/png\r\nContent-Disposition: inline\r\n"},
		{"not a type", map[string]string{"bad key": "v"}, "a\rb", false, "",
			"Content-Type: application/octet-stream; name*=utf-8''a%0Db\r\nContent-Disposition: attachment; filename*=utf-8''a%0Db\r\n"},
		{"application/pdf", map[string]string{"bad key": "v"}, "x.pdf", false, "",
			"Content-Type: application/pdf; name=x.pdf\r\nContent-Disposition: attachment; filename=x.pdf\r\n"},
	} {
		if got := Header(tc.typ, tc.params, tc.name, tc.inline, tc.cte); got != tc.want {
			t.Errorf("Header(%q, %v, %q, %v, %q) =\n%q\nwant\n%q", tc.typ, tc.params, tc.name, tc.inline, tc.cte, got, tc.want)
		}
	}
}

func TestType(t *testing.T) {
	for in, want := range map[string]string{
		"application/pdf":                        "application/pdf",
		"not a type":                             "application/octet-stream",
		"text":                                   "application/octet-stream",
		"a/" + strings.Repeat("b", 128):          "application/octet-stream",
		strings.Repeat("a", 127) + "/x-y.z+json": strings.Repeat("a", 127) + "/x-y.z+json",
	} {
		if got := Type(in); got != want {
			t.Errorf("Type(%.20q…) = %.20q…, want %.20q…", in, got, want)
		}
	}
}

func TestFileName(t *testing.T) {
	long := strings.Repeat("æ", 200) // 400 bytes
	got := FileName(long)
	if len(got) > maxName || !utf8.ValidString(got) || !strings.HasPrefix(long, got) || len(got) < maxName-1 {
		t.Errorf("FileName of 400 bytes of æ = %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
	if FileName("a.pdf") != "a.pdf" {
		t.Error("a short name was changed")
	}
	// Every byte percent-encoded still fits a header line.
	if h := Header("application/pdf", nil, strings.Repeat("\x01", 1000), false, "base64"); len(strings.Split(h, "\r\n")[0]) > 998 {
		t.Errorf("a long name makes a line of %d characters", len(strings.Split(h, "\r\n")[0]))
	}
}

func TestBase64(t *testing.T) {
	data := make([]byte, 200)
	for i := range data {
		data[i] = byte(i * 7)
	}
	enc := string(Base64(data))
	lines := strings.Split(strings.TrimSuffix(enc, "\r\n"), "\r\n")
	if len(lines) != 4 || len(lines[0]) != 76 || len(lines[3]) != 268-3*76 || !strings.HasSuffix(enc, "\r\n") {
		t.Errorf("Base64 of 200 bytes = %q", enc)
	}
	if got, err := base64.StdEncoding.DecodeString(strings.Join(lines, "")); err != nil || string(got) != string(data) {
		t.Errorf("Base64 does not decode back: %v", err)
	}
	if enc := Base64(nil); len(enc) != 0 {
		t.Errorf("Base64(nil) = %q, want nothing", enc)
	}
}

func TestCRLF(t *testing.T) {
	for in, want := range map[string]string{
		"a\nb\r\nc\n": "a\r\nb\r\nc\r\n",
		"\nx":         "\r\nx",
		"a\rb\r\r\n":  "a\rb\r\r\n",
		"no break":    "no break",
	} {
		if got := string(CRLF([]byte(in))); got != want {
			t.Errorf("CRLF(%q) = %q, want %q", in, got, want)
		}
	}
}
