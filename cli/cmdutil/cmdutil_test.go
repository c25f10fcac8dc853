package cmdutil

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSanitize(t *testing.T) {
	for _, tc := range []struct {
		name, in, line, text string
	}{
		{"plain", "Printer on fire", "Printer on fire", "Printer on fire"},
		{"utf-8", "Søknad om opptak – 2026", "Søknad om opptak – 2026", "Søknad om opptak – 2026"},
		{"csi colour", "\x1b[31mred\x1b[0m", "red", "red"},
		{"csi clear screen", "a\x1b[2Jb", "ab", "ab"},
		{"csi private mode", "a\x1b[?1049hb", "ab", "ab"},
		{"osc title with BEL", "a\x1b]0;owned\x07b", "ab", "ab"},
		{"osc hyperlink with ST", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click", "click"},
		{"dcs", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab", "ab"},
		{"two-byte escape", "a\x1bcb\x1b7c", "abc", "abc"},
		{"charset escape", "a\x1b(Bb", "ab", "ab"},
		{"lone ESC at end", "ab\x1b", "ab", "ab"},
		{"unterminated csi", "ab\x1b[31", "ab", "ab"},
		{"C1 CSI as a rune", "a\u009b31mb", "ab", "ab"},
		{"C1 OSC as a rune", "a\u009d0;x\u009cb", "ab", "ab"},
		{"other C1", "a\u0085b", "ab", "ab"},
		{"C0 controls", "a\x00b\x07c\x08d\x7fe", "abcde", "abcde"},
		{"newlines and tabs", "a\nb\tc\r\nd\re", "a b c d e", "a\nb\tc\nd\ne"},
		{"bidi override", "abc\u202edcba\u2066x\u2069", "abcdcbax", "abcdcbax"},
		{"invalid utf-8", "a\xffb\x9b", "a\uFFFDb\uFFFD", "a\uFFFDb\uFFFD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sanitize(tc.in); got != tc.line {
				t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.line)
			}
			if got := SanitizeText(tc.in); got != tc.text {
				t.Errorf("SanitizeText(%q) = %q, want %q", tc.in, got, tc.text)
			}
		})
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[31mred", "\x1b]0;t\x07", "a\u009bb", "\xff\xfe", "x\r\ny"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, got := range []string{Sanitize(s), SanitizeText(s)} {
			for _, r := range got {
				if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r < 0xa0) || (r >= 0x202a && r <= 0x202e) {
					t.Fatalf("sanitised %q still holds %U: %q", s, r, got)
				}
			}
			if Sanitize(got) != Sanitize(s) {
				t.Fatalf("Sanitize is not idempotent on %q", s)
			}
		}
		if strings.Contains(Sanitize(s), "\n") {
			t.Fatalf("Sanitize(%q) kept a newline", s)
		}
	})
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello world", 5, "hell…"},
		{"søknad", 3, "sø…"},
		{"x", 0, ""},
	} {
		if got := Truncate(tc.in, tc.width); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

func TestHumanSize(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {999, "999 B"}, {1000, "1.0 kB"}, {1536, "1.5 kB"}, {12_345, "12 kB"}, {3_400_000, "3.4 MB"}, {5e12, "5.0 TB"},
	} {
		if got := HumanSize(tc.n); got != tc.want {
			t.Errorf("HumanSize(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestParseTicketID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"42", 42, true}, {"#42", 42, true}, {"abc", 0, false}, {"", 0, false}, {"#", 0, false}, {"0", 0, false}, {"99999999999999999999", 0, false},
	} {
		got, err := ParseTicketID(tc.in)
		if got != tc.want || (err == nil) != tc.ok || (err != nil && !IsUsage(err)) {
			t.Errorf("ParseTicketID(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestTable(t *testing.T) {
	tb := &Table{Width: 40, Columns: []Column{
		{Header: "ID", Right: true},
		{Header: "NAME", Max: 8},
		{Header: "SUBJECT", Flex: true, Min: 7},
		{Header: "X"},
	}}
	tb.AddRow("1", "alice", "short", "")
	tb.AddRow("1234", "bartholomew", "a subject far too long for forty columns\x1b[31m", "y")
	var b bytes.Buffer
	if err := tb.Render(&b); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"  ID  NAME      SUBJECT                X\n" +
		"   1  alice     short\n" +
		"1234  barthol…  a subject far too lo…  y\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if n := len([]rune(line)); n > 40 {
			t.Errorf("line %q is %d wide, want at most 40", line, n)
		}
	}
}

func TestColorOnlyWhenEnabled(t *testing.T) {
	if got := (Color{}).Bold("x"); got != "x" {
		t.Errorf("disabled Bold = %q", got)
	}
	if got := (Color{Enabled: true}).Bold("x"); got != "\x1b[1mx\x1b[0m" {
		t.Errorf("enabled Bold = %q", got)
	}
	ios, _, _ := TestStreams()
	if ios.IsTTY || ios.Color || ios.Width != DefaultWidth {
		t.Errorf("TestStreams = %+v, want no TTY, no colour, width %d", ios, DefaultWidth)
	}
}

func TestPrintJSON(t *testing.T) {
	var b bytes.Buffer
	if err := PrintJSON(&b, map[string]any{"subject": "<a & b>\x1b", "when": time.Date(2026, 11, 27, 10, 4, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"subject\": \"<a & b>\\u001b\",\n  \"when\": \"2026-11-27T10:04:00Z\"\n}\n"
	if b.String() != want {
		t.Errorf("PrintJSON = %q, want %q", b.String(), want)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "25M": 25 << 20, "25mib": 25 << 20, " 512K ": 512 << 10, "2G": 2 << 30, "1024G": 1 << 40} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	// 99999999999G would overflow int64: more than 1 TiB is refused.
	for _, in := range []string{"", "0", "-5M", "big", "25X", "1025G", "99999999999G"} {
		if n, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, n)
		}
	}
}

func TestWidth(t *testing.T) {
	size := func(w int, err error) func() (int, error) { return func() (int, error) { return w, err } }
	for _, c := range []struct {
		columns string
		tty     bool
		size    func() (int, error)
		want    int
	}{
		{"", true, size(160, nil), 160},
		{"", true, size(0, errors.New("no size")), DefaultWidth},
		{"", true, size(20, nil), DefaultWidth},
		{"", false, size(160, nil), 0},
		{"120", false, size(160, nil), 120},
		{"120", true, size(160, nil), 120},
		{"12", true, size(160, nil), 160},
		{"wide", false, size(160, nil), 0},
	} {
		if got := width(c.columns, c.tty, c.size); got != c.want {
			t.Errorf("width(%q, tty %v) = %d, want %d", c.columns, c.tty, got, c.want)
		}
	}
}
