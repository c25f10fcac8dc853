package mailstore

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
)

var update = flag.Bool("update", false, "rewrite golden files with the output the tests get")

// TestBuiltinGolden renders every built-in template, in nb, en and (for
// the mail to requestors) nb+en, for the sample ticket, as the whole MIME
// message sak queues, and compares the bytes with
// testdata/mail/KIND.LANG.eml: quoted-printable UTF-8 text, the subject
// in RFC 2047 encoded words folded within 78 characters, and
// Content-Language. The Message-ID and loop header, random, are masked.
func TestBuiltinGolden(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	s := &Store{log: slog.New(slog.DiscardHandler)}
	s.secret.Store([]byte("test secret"))
	for _, lang := range []string{LangNB, LangEN, LangNBEN} {
		for _, kind := range TemplateKinds {
			if lang == LangNBEN && !bilingual[kind] {
				continue
			}
			t.Run(kind+"."+lang, func(t *testing.T) {
				q := &Queue{ID: 1, Name: "opptak", Address: "opptak@example.org", CommentAddress: "opptak-comment@example.org", Tag: "opptak",
					Lang: lang, Signature: "Opptakskontoret\nUniversitetet i Eksempelby"}
				o := &op{s: s, now: now.UnixMicro(), t: &ticketRow{id: 42}, queue: q}
				d := sampleData(q, true)
				r := s.render(kind, q, "", d)
				subject := taggedSubject(q, 42, r.subject)
				if untagged[kind] {
					subject = r.subject
				}
				m, err := o.compose(&outMail{kind: KindAutoReply, fromName: q.Name, fromAddr: q.Address, to: []string{d.Requestor},
					subject: subject, text: r.body, lang: r.lang, replyTo: "opptak+r1@example.org"})
				if err != nil {
					t.Fatal(err)
				}
				if s.TemplateFailures() != 0 {
					t.Fatalf("the built-in failed")
				}
				raw := masked(m.Raw)
				assertGolden(t, filepath.Join("testdata", "mail", kind+"."+strings.ReplaceAll(lang, "+", "_")+".eml"), raw)
				for _, line := range strings.Split(string(raw), "\r\n") {
					if len(line) > 78 {
						t.Errorf("line of %d characters: %q", len(line), line)
					}
				}
				// The bytes decode to the text and subject rendered.
				mr, err := mail.CreateReader(bytes.NewReader(m.Raw))
				if err != nil {
					t.Fatal(err)
				}
				if got, err := mr.Header.Subject(); err != nil || got != subject {
					t.Errorf("Subject decodes to %q (%v), want %q", got, err, subject)
				}
				if got := mr.Header.Get("Content-Language"); got != r.lang {
					t.Errorf("Content-Language %q, want %q", got, r.lang)
				}
				p, err := mr.NextPart()
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(p.Body)
				if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != m.Text && got != m.Text+"\n" {
					t.Errorf("text decodes to %q, want %q", got, m.Text)
				}
			})
		}
	}
}

var maskRe = regexp.MustCompile(`(?m)^(Message-Id: <sak\.42\.)[0-9a-f]+(@)|^(X-Sak-Loop: ).*$`)

func masked(raw []byte) []byte {
	return maskRe.ReplaceAllFunc(raw, func(b []byte) []byte {
		if bytes.HasPrefix(b, []byte("X-Sak-Loop")) {
			return []byte("X-Sak-Loop: MASKED")
		}
		return regexp.MustCompile(`[0-9a-f]{18}`).ReplaceAll(b, []byte("MASKED"))
	})
}

func assertGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestEncodeSubject: subjects come back whole from their encoded words,
// and fold within 78 characters.
func TestEncodeSubject(t *testing.T) {
	for _, subject := range []string{
		"Printer on fire",
		"[support #42] Får ikke logget inn på Canvas",
		strings.TrimSpace(strings.Repeat("Søknad om forlengelse av frist ", 8)),
		strings.Repeat("æøå", 90),
		"=?utf-8?q?looks_encoded?= but is not",
		"emoji 🙂 and tab\there",
	} {
		var h mail.Header
		h.Set("Subject", encodeSubject(subject))
		var b bytes.Buffer
		if err := writeText(&b, &h, "x\n"); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(b.String(), "\r\n") {
			if len(line) > 78 {
				t.Errorf("%q: line of %d characters: %q", subject, len(line), line)
			}
		}
		mr, err := mail.CreateReader(&b)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := mr.Header.Subject(); err != nil || got != subject {
			t.Errorf("encodeSubject(%q) decodes to %q (%v)", subject, got, err)
		}
	}
}
