package archive

import (
	"sak/internal/testcorpus"

	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readAll reads every message of an mbox.
func readAll(t testing.TB, in []byte, opts MboxOptions) []*Message {
	t.Helper()
	r := NewMbox(bytes.NewReader(in[opts.Offset:]), opts)
	var msgs []*Message
	for {
		m, err := r.Next()
		if err == io.EOF {
			return msgs
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		msgs = append(msgs, m)
		if len(msgs) > len(in)+1 {
			t.Fatalf("more messages than bytes: the reader does not advance")
		}
	}
}

func raws(msgs []*Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, string(m.Raw))
	}
	return out
}

func TestMbox(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		variant Variant
		want    []string
	}{
		{"empty", "", MboxRD, nil},
		{"one", "From pat@example.com Sat Jan  3 01:05:34 1996\nSubject: a\n\nhi\n\n", MboxRD, []string{"Subject: a\n\nhi\n"}},
		{"two", "From a Sat Jan  3 01:05:34 1996\nSubject: a\n\nhi\n\nFrom b Sat Jan  3 01:05:35 1996\nSubject: b\n\nho\n", MboxRD,
			[]string{"Subject: a\n\nhi\n", "Subject: b\n\nho\n"}},
		{"crlf", "From a Sat Jan  3 01:05:34 1996\r\nSubject: a\r\n\r\nhi\r\n\r\nFrom b Sat Jan  3 01:05:35 1996\r\nSubject: b\r\n\r\nho\r\n\r\n", MboxRD,
			[]string{"Subject: a\r\n\r\nhi\r\n", "Subject: b\r\n\r\nho\r\n"}},
		{"no From line: one message file", "Subject: a\n\nhi\n", MboxRD, []string{"Subject: a\n\nhi\n"}},
		{"From in text without a date is text", "From a Sat Jan  3 01:05:34 1996\nSubject: a\n\nhi\n\nFrom here on it is text\n", MboxRD,
			[]string{"Subject: a\n\nhi\n\nFrom here on it is text\n"}},
		{"From without a blank line before is text", "From a Sat Jan  3 01:05:34 1996\nSubject: a\n\nhi\nFrom b Sat Jan  3 01:05:35 1996\n", MboxRD,
			[]string{"Subject: a\n\nhi\nFrom b Sat Jan  3 01:05:35 1996\n"}},
		{"mboxrd unquoting", "From a Sat Jan  3 01:05:34 1996\nSubject: a\n\n>From me\n>>From you\n> From x\n\n", MboxRD,
			[]string{"Subject: a\n\nFrom me\n>From you\n> From x\n"}},
		{"mboxo unquoting", "From a Sat Jan  3 01:05:34 1996\nSubject: a\n\n>From me\n>>From you\n\n", MboxO,
			[]string{"Subject: a\n\nFrom me\n>>From you\n"}},
		{"content-length", "From a Sat Jan  3 01:05:34 1996\nContent-Length: 45\nSubject: a\n\nhi\n\nFrom b Sat Jan  3 01:05:35 1996\nand more\n\n" +
			"From b Sat Jan  3 01:05:35 1996\nSubject: b\n\nho\n", MboxCL2,
			[]string{"Content-Length: 45\nSubject: a\n\nhi\n\nFrom b Sat Jan  3 01:05:35 1996\nand more\n", "Subject: b\n\nho\n"}},
		{"content-length at the end", "From a Sat Jan  3 01:05:34 1996\nContent-Length: 3\nSubject: a\n\nhi\n", MboxRD,
			[]string{"Content-Length: 3\nSubject: a\n\nhi\n"}},
		{"content-length not unquoted", "From a Sat Jan  3 01:05:34 1996\nContent-Length: 9\n\n>From me\n\n", MboxRD,
			[]string{"Content-Length: 9\n\n>From me\n"}},
		{"content-length too long is ignored", "From a Sat Jan  3 01:05:34 1996\nContent-Length: 999\n\nhi\n\nFrom b Sat Jan  3 01:05:35 1996\n\nho\n", MboxRD,
			[]string{"Content-Length: 999\n\nhi\n", "\nho\n"}},
		{"content-length too short is ignored", "From a Sat Jan  3 01:05:34 1996\nContent-Length: 1\n\nhi\n\nFrom b Sat Jan  3 01:05:35 1996\n\nho\n", MboxRD,
			[]string{"Content-Length: 1\n\nhi\n", "\nho\n"}},
		{"content-length splitting a From line", "From a Sat Jan  3 01:05:34 1996\nContent-Length: 6\n\nhi\n\nFrom b Sat Jan  3 01:05:35 1996\n\nho\n", MboxRD,
			[]string{"Content-Length: 6\n\nhi\n", "\nho\n"}},
		{"empty message", "From a Sat Jan  3 01:05:34 1996\n\nFrom b Sat Jan  3 01:05:35 1996\nSubject: b\n", MboxRD,
			[]string{"", "Subject: b\n"}},
		{"From line only", "From a", MboxRD, []string{""}},
		{"no final newline", "From a Sat Jan  3 01:05:34 1996\nSubject: a\n\nhi", MboxRD, []string{"Subject: a\n\nhi"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs := readAll(t, []byte(tc.in), MboxOptions{Variant: tc.variant})
			got := raws(msgs)
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
				t.Errorf("Mbox(%q) = %q, want %q", tc.in, got, tc.want)
			}
			checkSpans(t, []byte(tc.in), msgs, tc.variant)
		})
	}
}

func TestFromLine(t *testing.T) {
	for _, tc := range []struct {
		line, sender string
		date         time.Time
	}{
		{"From pat@example.com Sat Jan  3 01:05:34 1996\n", "pat@example.com", time.Date(1996, 1, 3, 1, 5, 34, 0, time.UTC)},
		{"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\r\n", "MAILER-DAEMON", time.Date(2011, 7, 8, 12, 8, 34, 0, time.UTC)},
		{"From - Mon Mar 02 10:00:00 2020\n", "", time.Date(2020, 3, 2, 10, 0, 0, 0, time.UTC)},
		{"From 1234@xxx Mon Jan 01 00:00:00 +0100 2018\n", "1234@xxx", time.Date(2017, 12, 31, 23, 0, 0, 0, time.UTC)},
		{"From a@b Tue Feb  4 05:06:07 2014 remote from uucp\n", "a@b", time.Date(2014, 2, 4, 5, 6, 7, 0, time.UTC)},
		{"From a@b sometime\n", "a@b", time.Time{}},
	} {
		sender, date := parseFromLine([]byte(tc.line))
		if sender != tc.sender || !date.Equal(tc.date) {
			t.Errorf("parseFromLine(%q) = %q, %v; want %q, %v", tc.line, sender, date, tc.sender, tc.date)
		}
	}
	msgs := readAll(t, []byte("From pat@example.com Sat Jan  3 01:05:34 1996\nSubject: a\n\nhi\n"), MboxOptions{})
	if len(msgs) != 1 || msgs[0].Sender != "pat@example.com" || msgs[0].Date.Year() != 1996 {
		t.Errorf("message = %+v", msgs[0])
	}
}

func TestMboxTooLarge(t *testing.T) {
	big := strings.Repeat("x", 100) + "\n"
	in := "From a Sat Jan  3 01:05:34 1996\n\n" + strings.Repeat(big, 10) + "\nFrom b Sat Jan  3 01:05:35 1996\nSubject: b\n\nho\n"
	msgs := readAll(t, []byte(in), MboxOptions{MaxSize: 500})
	if len(msgs) != 2 || !errors.Is(msgs[0].Err, ErrTooLarge) || msgs[0].Raw != nil || msgs[0].Size != 1011 || string(msgs[1].Raw) != "Subject: b\n\nho\n" {
		t.Fatalf("messages = %q, err %v, size %d", raws(msgs), msgs[0].Err, msgs[0].Size)
	}
	// A line longer than the read buffer: no separator is missed after it.
	long := "From a Sat Jan  3 01:05:34 1996\n\n" + strings.Repeat("y", 200<<10) + "\n\nFrom b Sat Jan  3 01:05:35 1996\nSubject: b\n"
	msgs = readAll(t, []byte(long), MboxOptions{})
	if len(msgs) != 2 || len(msgs[0].Raw) != 1+200<<10+1 || string(msgs[1].Raw) != "Subject: b\n" {
		t.Fatalf("long line: %d messages", len(msgs))
	}
	checkSpans(t, []byte(long), msgs, MboxRD)
}

// TestMboxResume starts a reader at each message's offset: it reads the
// same messages as a reader from the start.
func TestMboxResume(t *testing.T) {
	var b bytes.Buffer
	w := &MboxWriter{W: &b}
	for i := range 20 {
		raw := fmt.Sprintf("Subject: %d\nMessage-ID: <%d@x>\n\nFrom the start\n>From quoted\n", i, i)
		if i%3 == 0 {
			raw = strings.ReplaceAll(raw, "\n", "\r\n")
		}
		if err := w.Write("a@example.com", time.Unix(int64(i)*3600, 0), []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	all := readAll(t, b.Bytes(), MboxOptions{})
	if len(all) != 20 {
		t.Fatalf("%d messages, want 20", len(all))
	}
	for k, m := range all {
		tail := readAll(t, b.Bytes(), MboxOptions{Offset: m.Offset})
		if fmt.Sprintf("%q", raws(tail)) != fmt.Sprintf("%q", raws(all[k:])) || tail[0].Offset != m.Offset {
			t.Fatalf("resume at %d: %q", m.Offset, raws(tail))
		}
	}
}

// TestMboxCorpus writes every corpus mail into one mbox, mboxrd and
// mboxo, and reads them back: each comes back byte for byte (a newline
// added to one that had no final newline).
func TestMboxCorpus(t *testing.T) {
	files := corpusFiles(t)
	for _, v := range []Variant{MboxRD, MboxO} {
		var b bytes.Buffer
		w := &MboxWriter{W: &b, Variant: v}
		var want []string
		for i, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if v == MboxO && bytes.Contains(raw, []byte("\n>From ")) {
				continue // mboxo cannot keep these
			}
			if err := w.Write("sender@example.com", time.Unix(int64(i), 0), raw); err != nil {
				t.Fatal(err)
			}
			if len(raw) > 0 && raw[len(raw)-1] != '\n' {
				nl := "\n"
				if i := bytes.IndexByte(raw, '\n'); i > 0 && raw[i-1] == '\r' {
					nl = "\r\n"
				}
				raw = append(raw, nl...)
			}
			want = append(want, string(raw))
		}
		msgs := readAll(t, b.Bytes(), MboxOptions{Variant: v})
		got := raws(msgs)
		if len(got) != len(want) {
			t.Fatalf("%v: read %d messages, wrote %d", v, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%v: message %d differs:\n got %q\nwant %q", v, i, trim(got[i]), trim(want[i]))
			}
		}
		checkSpans(t, b.Bytes(), msgs, v)
	}
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// corpusFiles lists the mails of ../shared/corpus.
func corpusFiles(t testing.TB) []string { return testcorpus.CorpusFiles(t) }

func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"", "From a\n", ">From a\n>>From b\nFrom c", "x\r\nFrom y\r\n>From z\r\n", "no from here"} {
		if got := string(Unquote(Quote([]byte(s), MboxRD), MboxRD)); got != s {
			t.Errorf("Unquote(Quote(%q)) = %q", s, got)
		}
	}
}

// checkSpans checks that the messages cover the input exactly: every byte
// is in a message, its "From " line or the blank line that ends it.
func checkSpans(t testing.TB, in []byte, msgs []*Message, v Variant) {
	t.Helper()
	if len(in) == 0 {
		if len(msgs) != 0 {
			t.Fatalf("%d messages in empty input", len(msgs))
		}
		return
	}
	if len(msgs) == 0 {
		t.Fatalf("no messages in %d bytes", len(in))
	}
	var at int64
	for i, m := range msgs {
		if m.Offset != at || m.Offset > m.Start || m.Start > m.RawEnd || m.RawEnd > m.End || m.End > int64(len(in)) {
			t.Fatalf("message %d spans %d %d %d %d, previous ended at %d", i, m.Offset, m.Start, m.RawEnd, m.End, at)
		}
		sep := in[m.Offset:m.Start]
		if !(len(sep) == 0 && i == 0) && !bytes.HasPrefix(sep, []byte("From ")) {
			t.Fatalf("message %d: separator %q", i, sep)
		}
		if tail := string(in[m.RawEnd:m.End]); tail != "" && tail != "\n" && tail != "\r\n" {
			t.Fatalf("message %d: tail %q", i, tail)
		}
		if m.Size != m.RawEnd-m.Start {
			t.Fatalf("message %d: size %d, span %d", i, m.Size, m.RawEnd-m.Start)
		}
		if m.Err == nil {
			want := in[m.Start:m.RawEnd]
			if !m.ContentLength {
				want = Unquote(want, v)
			}
			if !bytes.Equal(m.Raw, want) {
				t.Fatalf("message %d: raw %q, want %q", i, m.Raw, want)
			}
		}
		at = m.End
	}
	if at != int64(len(in)) {
		t.Fatalf("messages end at %d of %d bytes", at, len(in))
	}
}

// FuzzMbox: the reader never panics, every byte of input is in a message
// or a separator, and reading from any message's offset gives the same
// messages as reading from the start.
func FuzzMbox(f *testing.F) {
	for _, s := range []string{
		"",
		"From a Sat Jan  3 01:05:34 1996\nSubject: a\n\nhi\n\nFrom b Sat Jan  3 01:05:35 1996\nSubject: b\n\nho\n",
		"From a Sat Jan  3 01:05:34 1996\r\nSubject: a\r\n\r\n>From hi\r\n\r\n",
		"From a Sat Jan  3 01:05:34 1996\nContent-Length: 6\n\nhi\n\nFrom b Sat Jan  3 01:05:35 1996\n\nho\n",
		"From a Sat Jan  3 01:05:34 1996\nContent-Length: 3\n\nhi\nFrom b 1:11 2000\n",
		"Subject: x\n\n\nFrom 1:11 2000\n",
		"\n\n\n",
	} {
		f.Add([]byte(s), uint8(0))
	}
	seeds, _ := filepath.Glob("../testdata/*.eml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b, uint8(1))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, v uint8) {
		variant := Variant(v % 3)
		opts := MboxOptions{Variant: variant, MaxSize: 1 + int64(v)*8}
		if v >= 128 {
			opts.MaxSize = 0
		}
		msgs := readAll(t, in, opts)
		checkSpans(t, in, msgs, variant)
		if len(msgs) > 1 {
			k := len(in) % len(msgs)
			opts.Offset = msgs[k].Offset
			tail := readAll(t, in, opts)
			if len(tail) != len(msgs)-k {
				t.Fatalf("resume at %d: %d messages, want %d", opts.Offset, len(tail), len(msgs)-k)
			}
			for i, m := range tail {
				o := msgs[k+i]
				if m.End != o.End || m.RawEnd != o.RawEnd || !bytes.Equal(m.Raw, o.Raw) || (m.Err == nil) != (o.Err == nil) {
					t.Fatalf("resume at %d: message %d differs", opts.Offset, i)
				}
			}
		}
	})
}
