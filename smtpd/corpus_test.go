package smtpd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emersion/go-smtp"

	"sak/internal/testcorpus"
	"sak/mailstore"
	"sak/mailstore/storetest"
)

// corpusFiles lists the real-world mails in ../shared/corpus.
func corpusFiles(t *testing.T) []string { return testcorpus.CorpusFiles(t) }

// TestCorpus delivers every corpus mail through the mailgate path (the
// Deliverer) and through SMTP: none may fail, each is stored with its
// bytes, and each ticket's text is valid UTF-8.
func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		r.d.Log = nil // 800 deliveries: keep the test log readable
		ctx := context.Background()
		route, err := r.d.Route(ctx, "support@example.org")
		if err != nil {
			t.Fatal(err)
		}
		quarantined, duplicates := 0, 0
		for i, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			name := strings.TrimPrefix(f, filepath.Dir(filepath.Dir(f))+"/")
			// The mailgate path: bytes exactly as in the file.
			env := &Envelope{MailFrom: fmt.Sprintf("gate%d@example.net", i), Routes: []mailstore.Route{route}}
			d, err := r.d.Deliver(ctx, env, raw)
			if err != nil {
				t.Errorf("%s: mailgate delivery: %v", name, err)
				continue
			}
			if d.Quarantine != 0 {
				// Marked as spam by a filter on its way: held, bytes kept.
				if _, held, err := r.store.QuarantineGet(ctx, d.Quarantine); err != nil || !bytes.Equal(held, raw) {
					t.Errorf("%s: quarantined without its bytes (%v)", name, err)
				}
				quarantined++
				continue
			}
			if d.Duplicate {
				// Another file is the same mail (CRLF against LF, or
				// other trace fields): it is stored once.
				checkCopy(t, r.store, name, d.Ticket, raw)
				duplicates++
			} else {
				checkStored(t, r.store, name, d.Ticket, raw)
			}
			// SMTP: the client sends CRLF lines, dot-stuffed.
			c, err := smtp.Dial(r.smtp)
			if err != nil {
				t.Fatal(err)
			}
			err = c.SendMail(fmt.Sprintf("smtp%d@example.net", i), []string{"support@example.org"}, bytes.NewReader(raw))
			c.Close()
			if err != nil {
				t.Errorf("%s: SMTP delivery: %v", name, err)
			}
		}
		// Every SMTP delivery was stored: each file once by each path,
		// less the duplicates SMTP's CRLF made identical to the mailgate's
		// copy (files that had CRLF lines already).
		var n int
		if err := r.store.DB().QueryRow(`SELECT COUNT(*) FROM messages WHERE outgoing = FALSE`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n < len(files)-quarantined-duplicates || n > 2*len(files) {
			t.Fatalf("%d messages stored for %d files by two paths", n, len(files))
		}
		t.Logf("%d corpus files, %d messages stored, %d held as spam, %d copies of another file", len(files), n, quarantined, duplicates)
	})
}

// checkCopy finds a message on ticket id that is the same mail as raw: the
// same Message-ID and fingerprint.
func checkCopy(t *testing.T, s *mailstore.Store, name string, id int64, raw []byte) {
	t.Helper()
	ctx := context.Background()
	h, err := s.History(ctx, id)
	if err != nil {
		t.Fatalf("%s: history: %v", name, err)
	}
	want := mailstore.Mail{Raw: raw}
	for _, x := range h {
		if x.Message == nil {
			continue
		}
		got, err := s.RawMessage(ctx, x.Message.ID)
		if err != nil {
			t.Fatal(err)
		}
		stored := mailstore.Mail{Raw: got}
		if stored.Fingerprint() == want.Fingerprint() {
			return
		}
	}
	t.Errorf("%s: reported a duplicate, but no message on ticket %d is the same mail", name, id)
}

// checkStored finds the message with these bytes on ticket id and checks
// its text.
func checkStored(t *testing.T, s *mailstore.Store, name string, id int64, raw []byte) {
	t.Helper()
	ctx := context.Background()
	h, err := s.History(ctx, id)
	if err != nil {
		t.Fatalf("%s: history: %v", name, err)
	}
	for _, x := range h {
		if x.Message == nil {
			continue
		}
		if !utf8.ValidString(x.Message.Text) || !utf8.ValidString(x.Message.Subject) {
			t.Errorf("%s: stored text is not valid UTF-8", name)
		}
		got, err := s.RawMessage(ctx, x.Message.ID)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(got, raw) {
			return
		}
	}
	t.Errorf("%s: no message on ticket %d holds the delivered bytes", name, id)
}
