package importcmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/clitest"
	"sak/cli/importcmd"
	"sak/importer/archive"
	"sak/mailstore"
	"sak/parse"
)

// mail is one message of a test archive.
type mail struct {
	raw    []byte
	sender string
	date   time.Time
}

// oldBase is when the old generated threads start: long before the test
// clock, so their tickets are resolved at the end of an import.
var oldBase = time.Date(2020, 3, 2, 10, 0, 0, 0, time.UTC)

// firstTicket is the ticket the first generated thread gets: Seed makes
// tickets 1 to 3.
const firstTicket = 4

// threads makes n threads of three mails each: a new mail, a reply that
// names it in References, and a mail with only the subject tag. Thread 0
// is recent and stays open; the others are old. All first mails come
// first, so thread i is ticket firstTicket+i.
func threads(n int) []mail {
	var first, replies, tagged []mail
	for i := range n {
		base := oldBase.Add(time.Duration(i) * 24 * time.Hour)
		if i == 0 {
			base = clitest.Start.Add(-48 * time.Hour)
		}
		from := fmt.Sprintf("Requestor %d <req%d@example.com>", i, i)
		h := func(minutes int) string { return base.Add(time.Duration(minutes) * time.Minute).Format(time.RFC1123Z) }
		first = append(first, mail{sender: fmt.Sprintf("req%d@example.com", i), date: base, raw: fmt.Appendf(nil,
			"From: %s\nTo: support@example.org\nSubject: Question %d\nMessage-ID: <q%d@example.com>\nDate: %s\n\nHello %d.\n\nFrom the start of term my card does not work.\n>From quoted, too.\n",
			from, i, i, h(0), i)})
		replies = append(replies, mail{sender: fmt.Sprintf("req%d@example.com", i), date: base, raw: fmt.Appendf(nil,
			"From: %s\nTo: support@example.org\nSubject: Re: Question %d\nMessage-ID: <r%d@example.com>\nIn-Reply-To: <q%d@example.com>\nReferences: <q%d@example.com>\nDate: %s\n\nAny news?\n",
			from, i, i, i, i, h(60))})
		tagged = append(tagged, mail{date: base, raw: fmt.Appendf(nil,
			"From: %s\nTo: support@example.org\nSubject: [support #%d] still broken\nMessage-ID: <s%d@example.com>\nDate: %s\n\nStill broken.\n",
			from, firstTicket+i, i, h(120))})
	}
	return append(append(first, replies...), tagged...)
}

// unparseable is a mail the parser makes nothing of: no From, no text.
const unparseable = "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n"

// corpus reads the mails of ../shared/corpus, found by walking up from the
// test's directory; it skips without them, except under CI.
func corpus(t *testing.T) []mail {
	t.Helper()
	dir, _ := os.Getwd()
	for ; dir != "/" && dir != "."; dir = filepath.Dir(dir) {
		c := filepath.Join(dir, "shared", "corpus")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			files, _ := filepath.Glob(filepath.Join(c, "*", "*.eml"))
			if len(files) == 0 {
				t.Fatalf("no .eml files in %s", c)
			}
			var ms []mail
			for i, f := range files {
				raw, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				ms = append(ms, mail{raw: raw, sender: "corpus@example.net", date: oldBase.Add(time.Duration(i) * time.Minute)})
			}
			return ms
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("../shared/corpus not found")
	}
	t.Skip("../shared/corpus not found")
	return nil
}

// archiveMails is the test archive: generated threads, the corpus, an
// unparseable mail and an empty one.
func archiveMails(t *testing.T, n int) []mail {
	ms := threads(n)
	ms = append(ms, corpus(t)...)
	ms = append(ms, mail{raw: []byte(unparseable), date: oldBase}, mail{raw: nil, date: oldBase})
	return ms
}

// writeMbox writes mails as an mbox file; crlf turns every line ending of
// the generated mails into CRLF first.
func writeMbox(t *testing.T, ms []mail, crlf bool) string {
	t.Helper()
	var b bytes.Buffer
	w := &archive.MboxWriter{W: &b}
	for _, m := range ms {
		raw := m.raw
		if crlf {
			raw = bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		}
		if err := w.Write(m.sender, m.date, raw); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "archive.mbox")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeMaildir writes mails as a maildir, alternating cur/ and new/, named
// in their order.
func writeMaildir(t *testing.T, ms []mail) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "Maildir")
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i, m := range ms {
		name := fmt.Sprintf("cur/%d.M%dP1.test:2,S", 1500000000+i, i)
		if i%2 == 1 {
			name = fmt.Sprintf("new/%d.M%dP1.test", 1500000000+i, i)
		}
		if err := os.WriteFile(filepath.Join(dir, name), m.raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// run runs 'sak import ARGS -o json' as root. hook, when set, is called
// after each message with the count and the cancel of the run's context.
func run(t *testing.T, e *clitest.Env, hook func(read int, cancel context.CancelFunc), args ...string) (importcmd.Summary, error, string) {
	t.Helper()
	e.Clock.Advance()
	f, stdout, stderr := e.Factory("root")
	f.Output = "json"
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runF := func(o *importcmd.Options) error {
		if hook != nil {
			o.Hook = func(n int) { hook(n, cancel) }
		}
		return importcmd.Run(ctx, o)
	}
	root := &cobra.Command{Use: "import", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(importcmd.NewCmdMbox(f, runF), importcmd.NewCmdMaildir(f, runF))
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var s importcmd.Summary
	if stdout.Len() > 0 {
		if jerr := json.Unmarshal(stdout.Bytes(), &s); jerr != nil {
			t.Fatalf("summary: %v\n%s", jerr, stdout)
		}
	}
	return s, err, stderr.String()
}

// state is what an import leaves, without ticket numbers (PostgreSQL
// spends sequence numbers on rolled-back deliveries): every ticket's
// subject, status, times, people and messages.
func state(t *testing.T, e *clitest.Env) []string {
	t.Helper()
	var list []mailstore.Ticket
	e.JSON("root", &list, "ticket", "list", "--limit", "0", "--status", strings.Join(mailstore.Statuses, ","))
	// Each ticket's history from one store: a command each would open
	// the database hundreds of times (30 ms each on PostgreSQL).
	ctx := context.Background()
	s, err := mailstore.Open(ctx, e.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out []string
	for _, tk := range list {
		txs, err := s.History(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var msgs []string
		for _, x := range txs {
			m := ""
			if x.Message != nil && x.Via == mailstore.ViaImport {
				m = x.Message.MessageID + "/" + fmt.Sprint(x.Message.Size) + "/" + strings.Join(x.Message.Flags, ",")
			}
			msgs = append(msgs, fmt.Sprintf("%s %s %s %s %s", x.Type, x.Created.Format(time.RFC3339), x.Via, x.New, m))
		}
		out = append(out, fmt.Sprintf("%s|%s|%s|%s|%s|%v|%v\n  %s", tk.Queue, tk.Subject, tk.Status, tk.Created.Format(time.RFC3339), tk.Updated.Format(time.RFC3339),
			tk.Requestors, tk.Ccs, strings.Join(msgs, "\n  ")))
	}
	sort.Strings(out)
	return out
}

func diffState(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d tickets, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: ticket differs:\n got %s\nwant %s", what, got[i], want[i])
		}
	}
}

func outboxLen(t *testing.T, e *clitest.Env) int {
	var rows []json.RawMessage
	e.JSON("root", &rows, "outbox", "list", "--limit", "0")
	return len(rows)
}

func TestImportMbox(t *testing.T) {
	const n = 8
	ms := archiveMails(t, n)
	path := writeMbox(t, ms, false)
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		outbox := outboxLen(t, e)
		s, err, stderr := run(t, e, nil, "mbox", path, "--queue", "support")
		if err != nil {
			t.Fatalf("import: %v\n%s", err, stderr)
		}
		if s.Read != len(ms) || s.Errors != 0 || s.Interrupted || s.Files != 1 {
			t.Fatalf("summary = %+v, want %d read, no errors", s, len(ms))
		}
		skipped := 0
		for _, k := range s.Skipped {
			skipped += k
		}
		if s.Created+s.Threaded+s.Duplicates+s.Quarantined+skipped != s.Read {
			t.Errorf("summary = %+v: outcomes do not add up to the messages read", s)
		}
		if s.Skipped["empty"] != 1 || s.Unparseable < 1 || s.Threaded < 2*n || s.Created < n+1 {
			t.Errorf("summary = %+v", s)
		}
		if s.Resolved < n-1 {
			t.Errorf("resolved %d tickets, want at least %d", s.Resolved, n-1)
		}
		// Threading, dates and statuses of the generated threads.
		for i := range n {
			var d mailstore.Detail
			e.JSON("root", &d, "ticket", "show", fmt.Sprint(firstTicket+i))
			var ids []string
			for _, x := range d.Transactions {
				if x.Message != nil {
					ids = append(ids, x.Message.MessageID)
				}
				if x.Via != mailstore.ViaImport {
					t.Errorf("ticket %d: transaction %s via %q", d.ID, x.Type, x.Via)
				}
			}
			want := []string{fmt.Sprintf("q%d@example.com", i), fmt.Sprintf("r%d@example.com", i), fmt.Sprintf("s%d@example.com", i)}
			if strings.Join(ids, " ") != strings.Join(want, " ") {
				t.Errorf("ticket %d holds %v, want %v", d.ID, ids, want)
			}
			base := oldBase.Add(time.Duration(i) * 24 * time.Hour)
			status := mailstore.StatusResolved
			if i == 0 {
				base, status = clitest.Start.Add(-48*time.Hour), mailstore.StatusNew
			}
			if !d.Created.Equal(base) || !d.Updated.Equal(base.Add(2*time.Hour)) || d.Status != status {
				t.Errorf("ticket %d: created %v, updated %v, status %s; want %v, %v, %s", d.ID, d.Created, d.Updated, d.Status, base, base.Add(2*time.Hour), status)
			}
			if d.Subject != fmt.Sprintf("Question %d", i) || len(d.Requestors) != 1 || d.Requestors[0] != fmt.Sprintf("req%d@example.com", i) {
				t.Errorf("ticket %d: subject %q, requestors %v", d.ID, d.Subject, d.Requestors)
			}
		}
		// The quoted "From " lines came back as they were written.
		raw := e.MustRun("ticket", "show", fmt.Sprint(firstTicket+1))
		if !strings.Contains(raw, "From the start of term") || !strings.Contains(raw, ">From quoted") {
			t.Errorf("ticket show lost the From lines:\n%s", raw)
		}
		if got := outboxLen(t, e); got != outbox {
			t.Errorf("the import queued %d mails", got-outbox)
		}
		before := state(t, e)

		// Idempotent: a second run imports nothing.
		s2, err, stderr := run(t, e, nil, "mbox", path, "--queue", "support")
		if err != nil {
			t.Fatalf("second import: %v\n%s", err, stderr)
		}
		// The corpus holds a few mails twice (LF and CRLF copies): they
		// were duplicates in the first run already.
		if s2.Read != len(ms) || s2.Created != 0 || s2.Threaded != 0 || s2.Duplicates != s.Created+s.Threaded+s.Duplicates || s2.Resolved != 0 {
			t.Errorf("second run = %+v, want only duplicates", s2)
		}
		diffState(t, "after a second run", state(t, e), before)
	})
}

// TestImportResume interrupts an import midway (the context is cancelled,
// as Ctrl-C does) and runs it again: the end state is that of one
// uninterrupted import, and the second run starts at the saved position.
func TestImportResume(t *testing.T) {
	ms := archiveMails(t, 6)
	path := writeMbox(t, ms, false)
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		once := clitest.Env{T: t, Clock: &clitest.Clock{}, As: "root"}
		if e.DSN != "" && strings.HasPrefix(e.DSN, "postgres") {
			once = *clitest.Postgres(t)
		} else {
			once = *clitest.SQLite(t)
		}
		once.Seed()
		if _, err, stderr := run(t, &once, nil, "mbox", path, "--queue", "support"); err != nil {
			t.Fatalf("uninterrupted import: %v\n%s", err, stderr)
		}
		want := state(t, &once)

		const stopAt = 150
		s, err, _ := run(t, e, func(read int, cancel context.CancelFunc) {
			if read == stopAt {
				cancel()
			}
		}, "mbox", path, "--queue", "support")
		if err == nil || !s.Interrupted || s.Read != stopAt || s.Resolved != 0 {
			t.Fatalf("interrupted run: err %v, summary %+v", err, s)
		}
		s2, err, stderr := run(t, e, nil, "mbox", path, "--queue", "support")
		if err != nil {
			t.Fatalf("resumed import: %v\n%s", err, stderr)
		}
		if s2.ResumedBytes == 0 || s2.Read+stopAt < len(ms) || s2.Read >= len(ms) {
			t.Errorf("resumed run = %+v, want it to start near message %d of %d", s2, stopAt, len(ms))
		}
		diffState(t, "interrupted and resumed", state(t, e), want)

		// Without the saved position (a crash before it was saved, or
		// --restart) the store's de-duplication alone gives the same.
		s3, err, stderr := run(t, e, nil, "mbox", path, "--queue", "support", "--restart")
		if err != nil || s3.Read != len(ms) || s3.Created+s3.Threaded != 0 {
			t.Fatalf("restarted import: err %v, summary %+v\n%s", err, s3, stderr)
		}
		diffState(t, "restarted", state(t, e), want)
	})
}

// TestImportMaildir imports the same mail from a maildir: the same tickets
// as from the mbox.
func TestImportMaildir(t *testing.T) {
	ms := archiveMails(t, 4)
	dir := writeMaildir(t, ms)
	path := writeMbox(t, ms, false)
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		s, err, stderr := run(t, e, nil, "maildir", dir, "--queue", "support")
		if err != nil || s.Read != len(ms) || s.Errors != 0 || s.Skipped["empty"] != 1 {
			t.Fatalf("import: err %v, summary %+v\n%s", err, s, stderr)
		}
		got := state(t, e)
		s2, err, _ := run(t, e, nil, "maildir", dir, "--queue", "support")
		if err != nil || s2.Created+s2.Threaded != 0 || s2.Duplicates != s.Created+s.Threaded+s.Duplicates {
			t.Fatalf("second import: err %v, summary %+v", err, s2)
		}
		diffState(t, "after a second run", state(t, e), got)
		// The mbox of the same mail finds it all stored: what an mbox
		// changes (a final newline it must add, a header separator it
		// mends) changes the bytes but not the content, except for a mail
		// without a Message-ID, whose copies are known by their bytes
		// alone. Read the mbox back to count those.
		stored := map[string]bool{}
		for _, m := range ms {
			stored[string(m.raw)] = true
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		changed := 0
		for mb := archive.NewMbox(f, archive.MboxOptions{}); ; {
			m, err := mb.Next()
			if err != nil {
				break
			}
			if len(m.Raw) > 0 && parse.Parse(m.Raw).MessageID == "" && !stored[string(m.Raw)] {
				stored[string(m.Raw)] = true
				changed++
			}
		}
		f.Close()
		s3, err, _ := run(t, e, nil, "mbox", path, "--queue", "support")
		if err != nil || s3.Duplicates != len(ms)-1-changed || s3.Created+s3.Threaded != changed {
			t.Fatalf("mbox after maildir: err %v, summary %+v, want %d changed", err, s3, changed)
		}
	})
}

// TestImportCRLF imports an mbox with CRLF line endings, one message
// delimited by Content-Length with an unquoted "From " line in its body.
func TestImportCRLF(t *testing.T) {
	ms := threads(3)
	body := "From the start it was broken.\r\n"
	ms = append(ms, mail{date: oldBase, raw: fmt.Appendf(nil,
		"From: cl@example.com\r\nSubject: With Content-Length\r\nMessage-ID: <cl@example.com>\r\nContent-Length: %d\r\n\r\n%s", len(body)+2, "\r\n"+body)})
	var b bytes.Buffer
	w := &archive.MboxWriter{W: &b, Variant: archive.MboxCL2}
	for _, m := range ms {
		raw := bytes.ReplaceAll(m.raw, []byte("\n"), []byte("\r\n"))
		raw = bytes.ReplaceAll(raw, []byte("\r\r\n"), []byte("\r\n"))
		if bytes.Contains(raw, []byte("Content-Length")) {
			if err := w.Write("cl@example.com", m.date, raw); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := (&archive.MboxWriter{W: &b}).Write(m.sender, m.date, raw); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "crlf.mbox")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		s, err, stderr := run(t, e, nil, "mbox", path, "--queue", "support", "--resolve-older-than", "0")
		if err != nil || s.Read != len(ms) || s.Created != 4 || s.Threaded != 6 || s.Resolved != 0 {
			t.Fatalf("import: err %v, summary %+v\n%s", err, s, stderr)
		}
		var d mailstore.Detail
		e.JSON("root", &d, "ticket", "show", fmt.Sprint(firstTicket+3))
		if d.Subject != "With Content-Length" || len(d.Transactions) == 0 || d.Transactions[0].Message == nil ||
			!strings.Contains(d.Transactions[0].Message.Text, "From the start it was broken.") {
			t.Fatalf("ticket %d = %+v", firstTicket+3, d)
		}
		if d.Status != mailstore.StatusNew {
			t.Errorf("status %s with --resolve-older-than 0", d.Status)
		}
	})
}

func TestImportFlags(t *testing.T) {
	e := clitest.SQLite(t)
	e.Seed()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"mbox", "--queue", "support"}, "give at least one MBOX"},
		{[]string{"mbox", "x.mbox"}, `required flag(s) "queue" not set`},
		{[]string{"mbox", "x.mbox", "--queue", "support", "--resolve-older-than", "soon"}, "--resolve-older-than"},
		{[]string{"mbox", "x.mbox", "--queue", "support", "--max-size", "big"}, "--max-size"},
		{[]string{"mbox", "x.mbox", "--queue", "support", "--variant", "mboxq"}, "--variant"},
		{[]string{"mbox", "/nonexistent.mbox", "--queue", "support"}, "no such file"},
		{[]string{"mbox", t.TempDir(), "--queue", "support"}, "is not a file"},
		{[]string{"maildir", t.TempDir(), "--queue", "support"}, "not a maildir"},
		{[]string{"mbox", "x.mbox", "--queue", "nosuch"}, "queue"},
	} {
		_, err, _ := run(t, e, nil, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("import %q: err %v, want %q", tc.args, err, tc.want)
		}
	}
	// Only a sysadmin imports.
	f, _, _ := e.Factory("alice")
	defer f.Close()
	cmd := importcmd.NewCmdImport(f)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs([]string{"mbox", writeMbox(t, threads(1), false), "--queue", "support"})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "only a sysadmin") {
		t.Errorf("import as alice: %v", err)
	}
}

// TestImportProgress checks the log lines written when stderr is not a
// terminal, and the table summary.
func TestImportProgress(t *testing.T) {
	e := clitest.SQLite(t)
	e.Seed()
	path := writeMbox(t, threads(3), false)
	f, stdout, stderr := e.Factory("root")
	defer f.Close()
	cmd := importcmd.NewCmdImport(f)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs([]string{"mbox", path, "--queue", "support", "--progress-interval", "1ns"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(stderr.String(), "sak: import: "); n < 5 || !strings.Contains(stderr.String(), "messages/s") {
		t.Errorf("progress lines:\n%s", stderr)
	}
	for _, want := range []string{"Imported 1 mbox file into support: 9 messages", "tickets created             3", "replies threaded            6", "tickets resolved            2"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
}
