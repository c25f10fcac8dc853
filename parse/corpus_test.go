package parse

import (
	"sak/internal/testcorpus"

	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// corpusDir is ../shared/corpus; without it the test skips (fails under CI).
func corpusDir(t testing.TB) string { return testcorpus.Dir(t, "corpus") }

// corpusFiles lists the .eml files under the corpus, relative to it.
func corpusFiles(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".eml") {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	files := corpusFiles(t, dir)
	if len(files) == 0 {
		t.Fatalf("no .eml files in %s", dir)
	}
	withDefects, defects := 0, 0
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			m := Parse(raw)
			checkValid(t, name, m)
			if len(m.Defects) > 0 {
				withDefects++
				defects += len(m.Defects)
			}
			// Derived variants: damaged copies must parse as well.
			checkValid(t, name+" (cr only)", Parse(bytes.ReplaceAll(raw, []byte("\n"), []byte("\r"))))
			checkValid(t, name+" (first half)", Parse(raw[:len(raw)/2]))
			checkValid(t, name+" (second half)", Parse(raw[len(raw)/2:]))
		})
	}
	t.Logf("parsed %d corpus files; %d had defects, %d defects in all", len(files), withDefects, defects)
}

// TestCorpusFiles checks values read by hand from a few corpus files.
func TestCorpusFiles(t *testing.T) {
	dir := corpusDir(t)
	tests := []struct {
		file  string
		field string
		got   func(*Message) any
		want  any
	}{
		{"sisimai/bsd__rfc3464-01.eml", "Report", func(m *Message) any { return *m.Report }, Report{
			Action:            "failed",
			Recipients:        []string{"userunknown@bouncehammer.jp"},
			Status:            "5.1.1",
			Diagnostic:        "550 5.1.1 <userunknown@bouncehammer.jp>... User Unknown",
			OriginalMessageID: "E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org",
		}},
		{"sisimai/bsd__rfc3464-01.eml", "Text", func(m *Message) any { return m.Text }, "Your message to <nekochan> was automatically rejected:\nNot enough disk space"},
		{"sisimai/bsd__rfc3464-01.eml", "AutoSubmitted", func(m *Message) any { return m.AutoSubmitted }, "auto-generated (failure)"},
		{"sisimai/bsd__rfc3464-01.eml", "From", func(m *Message) any { return *m.From }, Address{"Mail Delivery Subsystem", "MAILER-DAEMON@smtpgw.example.jp"}},
		{"sisimai/bsd__rhost-google-01.eml", "Report.Diagnostic", func(m *Message) any { return m.Report.Diagnostic }, "550 5.2.1 The email account that you tried to reach is disabled. g0000000000ggg.00"},
		{"sisimai/mac__lhost-exim-01.eml", "Subject", func(m *Message) any { return m.Subject }, "Mail delivery failed: returning message to sender"},
		{"sisimai/mac__lhost-exim-01.eml", "MessageID", func(m *Message) any { return m.MessageID }, "E1P1ceB-000FL1-4q@e1.example.org"},
		{"mime4j/mimetools-testmsgs__german-qp.eml", "From", func(m *Message) any { return *m.From }, Address{"Jörn Reder", "joern@zyn.de"}},
		{"mime4j/mimetools-testmsgs__german-qp.eml", "NewText", func(m *Message) any { return NewText(m.Text) },
			"Hallo,\n\ndas ist eine Testnachricht mit 8 Bit Sönderzäichen, und obendrein noch\nquoted-printable kodiert.\n\nGrüße,\n\nJörn"},
		{"mime4j/mimetools-testmsgs__russian.eml", "Attachments", func(m *Message) any { return described(m.Attachments) }, []Attachment{{Name: "Список.doc", ContentType: "text/plain", Size: 17}}},
		{"ruby-mail/multipart_report_multiple_status.eml", "Report.Recipients", func(m *Message) any { return m.Report.Recipients }, []string{"u@ci.com"}},
		{"ruby-mail/multipart_report_multiple_status.eml", "Report.OriginalMessageID", func(m *Message) any { return m.Report.OriginalMessageID }, "4c2a146147ac8_61ff157c4ec1652df@s.h.c.mail"},
		{"enmime/low-quality__bad-header-start.eml", "From", func(m *Message) any { return *m.From }, Address{"James Hillyerd", "james@makita.skynet"}},
		{"sisimai/not__is-not-bounce-02.eml", "Report", func(m *Message) any { return m.Report }, (*Report)(nil)},
	}
	for _, tc := range tests {
		t.Run(tc.file+"/"+tc.field, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			m := Parse(raw)
			if got := tc.got(m); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q).%s = %#v, want %#v", tc.file, tc.field, got, tc.want)
			}
		})
	}
}
