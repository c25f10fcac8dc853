package ticket_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sak/cli/clitest"
	"sak/mailstore"
	"sak/parse"
)

// TestAttach checks 'ticket reply --attach' and 'ticket comment --attach':
// the file goes with the mail, byte for byte, and is listed on the
// ticket; a file that cannot be read or is too large changes nothing.
func TestAttach(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		ctx := context.Background()
		dir := t.TempDir()
		pdf := bytes.Repeat([]byte("%PDF-1.7\x00\xff\r\n"), 100)
		path := filepath.Join(dir, "skjema.pdf")
		if err := os.WriteFile(path, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		f, _, _ := e.Factory("root")
		s, err := f.Store(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		// carried is whether the newest outbox mail of ticket 1 to rcpt
		// carries the PDF.
		carried := func(rcpt string) bool {
			t.Helper()
			rows, err := s.Outbox(ctx, mailstore.OutboxFilter{Ticket: 1})
			if err != nil {
				t.Fatal(err)
			}
			for i := len(rows) - 1; i >= 0; i-- {
				if rows[i].Rcpt != rcpt {
					continue
				}
				raw, err := s.OutboxRaw(ctx, rows[i].ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range parse.Parse(raw).Attachments {
					data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(a.Body)), ""))
					if a.Name == "skjema.pdf" && a.ContentType == "application/pdf" && err == nil && bytes.Equal(data, pdf) {
						return true
					}
				}
				return false
			}
			return false
		}

		e.MustRunAs("alice", "ticket", "reply", "1", "-m", "Fill in the form, please.", "--attach", path)
		if !carried("pat@example.com") {
			t.Fatal("the reply to pat does not carry the file")
		}
		var d mailstore.Detail
		e.JSON("alice", &d, "ticket", "show", "1")
		var last mailstore.Transaction
		for _, tx := range d.Transactions {
			if tx.Type == mailstore.TxCorrespond {
				last = tx
			}
		}
		if last.Message == nil || len(last.Message.Attachments) != 1 || last.Message.Attachments[0].Name != "skjema.pdf" || last.Message.Attachments[0].Size != int64(len(pdf)) {
			t.Fatalf("the reply on the ticket: %+v", last.Message)
		}
		e.MustRunAs("alice", "ticket", "take", "1")
		e.MustRunAs("bob", "ticket", "comment", "1", "-m", "The form she sent.", "--attach", path)
		if !carried("alice@example.org") || !carried("walt@example.org") {
			t.Fatal("the comment to the owner and the watcher does not carry the file")
		}

		before := len(d.Transactions) + 2
		big := filepath.Join(dir, "big.bin")
		if err := os.WriteFile(big, make([]byte, 8<<20), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ file, err string }{
			{filepath.Join(dir, "missing.pdf"), "missing.pdf"},
			{big, "at most"},
		} {
			if r := e.RunAs("alice", "ticket", "reply", "1", "-m", "x", "--attach", tc.file); r.Code != 1 || !strings.Contains(r.Err, tc.err) {
				t.Errorf("reply --attach %s: exit %d, %q; want 1 and %q", tc.file, r.Code, r.Err, tc.err)
			}
		}
		e.JSON("alice", &d, "ticket", "show", "1")
		if len(d.Transactions) != before {
			t.Errorf("%d transactions after refused replies, want %d", len(d.Transactions), before)
		}
	})
}
