package cli_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"sak/cli"
	"sak/cli/clitest"
	"sak/cli/cmdutil"
	"sak/mailstore"
)

// ticketJSON is the part of 'ticket list/show -o json' scripts rely on.
type ticketJSON struct {
	ID         int64    `json:"id"`
	Queue      string   `json:"queue"`
	Subject    string   `json:"subject"`
	Status     string   `json:"status"`
	Owner      *string  `json:"owner"`
	Requestors []string `json:"requestors"`
	Created    string   `json:"created"`
	Updated    string   `json:"updated"`
}

func ids(ts []ticketJSON) []int64 {
	var out []int64
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

// TestStory walks a working day the way a sysadmin and two caseworkers
// would, on every backend.
func TestStory(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.MustRun("db", "migrate")
		if out := e.MustRun("user", "add", "root", "--email", "root@example.org", "--sysadmin"); out != "Added sysadmin root <root@example.org>.\n" {
			t.Errorf("user add root: %q", out)
		}
		e.MustRun("user", "add", "alice", "--email", "alice@example.org", "--name", "Alice")
		e.MustRun("user", "add", "bob", "--email", "bob@example.org", "--name", "Bob")
		e.MustRun("user", "add", "carol", "--email", "carol@example.org")
		e.MustRun("queue", "create", "support", "--address", "support@example.org")
		e.MustRun("queue", "create", "it-help", "--address", "it-help@example.org", "--tag", "IT")
		for _, g := range [][]string{{"support", "alice"}, {"support", "bob"}, {"it-help", "bob"}, {"it-help", "carol"}} {
			e.MustRun("queue", "grant", g[0], g[1], "--role", "caseworker")
		}
		e.MustRun("queue", "grant", "support", "carol", "--role", "watcher")

		out := e.MustRunAs("alice", "ticket", "create", "--queue", "support", "--requestor", "pat@example.com", "--subject", "Printer on fire", "-m", "It burns.")
		if out != "Ticket 1 created in support: Printer on fire\n" {
			t.Errorf("ticket create: %q", out)
		}
		e.MustRunAs("alice", "ticket", "create", "--queue", "support", "--requestor", "kim@example.com", "--subject", "Lab keys")

		if out := e.MustRunAs("alice", "ticket", "take", "1"); out != "Ticket 1 taken by alice.\n" {
			t.Errorf("take: %q", out)
		}
		r := e.RunAs("bob", "ticket", "take", "#1")
		if r.Code != 1 || r.Out != "" || r.Err != "sak: ticket 1 is owned by alice: steal it instead\n" {
			t.Errorf("bob's take: exit %d, stdout %q, stderr %q; want 1 and the steal hint", r.Code, r.Out, r.Err)
		}
		if out := e.MustRunAs("bob", "ticket", "steal", "1"); out != "Ticket 1 stolen by bob.\n" {
			t.Errorf("steal: %q", out)
		}
		if out := e.MustRunAs("bob", "ticket", "give", "1", "alice"); out != "Ticket 1 given to alice.\n" {
			t.Errorf("give: %q", out)
		}
		r = e.Exec("alice", "Pat says the smoke is blue.\n", "ticket", "comment", "1")
		if r.Code != 0 || r.Out != "Comment added to ticket 1.\n" {
			t.Errorf("comment from stdin: exit %d, %q, %q", r.Code, r.Out, r.Err)
		}
		if out := e.MustRunAs("alice", "ticket", "reply", "1", "-m", "We are on our way."); out != "Reply to ticket 1 queued for pat@example.com, carol@example.org.\n" {
			t.Errorf("reply: %q", out)
		}
		if out := e.MustRunAs("alice", "ticket", "move", "1", "it-help"); out != "Ticket 1 moved to it-help.\n" {
			t.Errorf("move: %q", out)
		}

		// The reply is in the outbox, addressed to the requestor, and a
		// copy to carol, who watches support.
		f, _, _ := e.Factory("root")
		s, err := f.Store(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.Outbox(context.Background(), mailstore.OutboxFilter{Ticket: 1})
		if err != nil {
			t.Fatal(err)
		}
		var replies []string
		for _, row := range rows {
			if row.Kind == mailstore.KindCorrespond {
				replies = append(replies, row.Rcpt)
			}
		}
		f.Close()
		if !slices.Equal(replies, []string{"pat@example.com", "carol@example.org"}) {
			t.Errorf("outbox correspond rows to %v, want [pat@example.com carol@example.org]", replies)
		}

		var shown struct {
			ticketJSON
			Transactions []struct {
				Type    string `json:"type"`
				Actor   string `json:"actor"`
				Created string `json:"created"`
				Old     string `json:"old"`
				New     string `json:"new"`
				Message *struct {
					From string `json:"from"`
					Text string `json:"text"`
				} `json:"message"`
			} `json:"transactions"`
		}
		e.JSON("alice", &shown, "ticket", "show", "1")
		var types []string
		for _, tx := range shown.Transactions {
			types = append(types, tx.Actor+":"+tx.Type)
		}
		want := []string{"alice:create", "alice:take", "bob:steal", "bob:give", "alice:comment", "alice:correspond", "alice:status", "alice:move"}
		if !slices.Equal(types, want) {
			t.Errorf("history = %v\nwant      %v", types, want)
		}
		if shown.Queue != "it-help" || shown.Status != "open" || shown.Owner == nil || *shown.Owner != "alice" {
			t.Errorf("ticket 1 = %+v, want open in it-help owned by alice", shown.ticketJSON)
		}
		if m := shown.Transactions[5].Message; m == nil || m.From != "support@example.org" || !strings.Contains(m.Text, "on our way") {
			t.Errorf("correspond message = %+v", m)
		}

		if out := e.MustRunAs("bob", "ticket", "resolve", "1"); out != "Ticket 1 resolved.\n" {
			t.Errorf("resolve: %q", out)
		}

		list := func(as string, args ...string) []int64 {
			t.Helper()
			var ts []ticketJSON
			e.JSON(as, &ts, append([]string{"ticket", "list", "--all"}, args...)...)
			return ids(ts)
		}
		for _, tc := range []struct {
			as   string
			args []string
			want []int64
		}{
			{"alice", nil, []int64{2, 1}},
			{"alice", []string{"--status", "resolved"}, []int64{1}},
			{"alice", []string{"--status", "new,open"}, []int64{2}},
			{"alice", []string{"--status", "new", "--status", "resolved"}, []int64{2, 1}},
			{"alice", []string{"--owner", "me"}, []int64{1}},
			{"bob", []string{"--owner", "me"}, nil},
			{"bob", []string{"--owner", "alice"}, []int64{1}},
			{"bob", []string{"--owner", "nobody"}, []int64{2}},
			{"bob", []string{"--queue", "support"}, []int64{2}},
			{"bob", []string{"--queue", "it-help,support"}, []int64{2, 1}},
			{"bob", []string{"--requestor", "PAT@example.com"}, []int64{1}},
			{"bob", []string{"--limit", "1"}, []int64{2}},
		} {
			if got := list(tc.as, tc.args...); !slices.Equal(got, tc.want) {
				t.Errorf("ticket list %v as %s = %v, want %v", tc.args, tc.as, got, tc.want)
			}
		}

		// Merge: the merged ticket disappears from lists and shows its target.
		e.MustRunAs("bob", "ticket", "move", "2", "it-help")
		if out := e.MustRunAs("bob", "ticket", "merge", "2", "1"); out != "Ticket 2 merged into 1.\n" {
			t.Errorf("merge: %q", out)
		}
		if got := list("bob"); !slices.Equal(got, []int64{1}) {
			t.Errorf("list after merge = %v, want [1]", got)
		}
		out = e.MustRunAs("bob", "ticket", "show", "2")
		if !strings.HasPrefix(out, "Ticket 2 was merged into 1.\n\n#1 Printer on fire\n") {
			t.Errorf("show of merged ticket starts %q", out[:min(len(out), 80)])
		}
		if out := e.MustRunAs("bob", "ticket", "open", "2"); out != "(ticket 2 was merged into 1) Ticket 1 opened.\n" {
			t.Errorf("open merged: %q", out)
		}
	})
}

// TestExitCodes checks the exit status and the one-line error of failures:
// 1 for a refused action, 2 for bad usage with a pointer to --help.
func TestExitCodes(t *testing.T) {
	e := clitest.SQLite(t)
	e.Seed()
	for _, tc := range []struct {
		name string
		as   string
		args []string
		code int
		err  string // the first line of stderr
		hint string // the second line, for usage errors
	}{
		{"unknown command", "root", []string{"tickt", "list"}, 2, `sak: unknown command "tickt" for "sak": did you mean "ticket"?`, "Run 'sak --help' for usage."},
		{"unknown subcommand", "root", []string{"ticket", "tak", "1"}, 2, `sak: unknown command "tak" for "sak ticket": did you mean "take"?`, "Run 'sak ticket --help' for usage."},
		{"unknown flag", "root", []string{"ticket", "list", "--colour"}, 2, "sak: unknown flag: --colour", "Run 'sak ticket list --help' for usage."},
		{"missing argument", "root", []string{"ticket", "take"}, 2, "sak ticket take: missing ID", "Run 'sak ticket take --help' for usage."},
		{"too many arguments", "root", []string{"ticket", "show", "1", "2"}, 2, "sak ticket show: too many arguments: takes 1 (ID), got 2", "Run 'sak ticket show --help' for usage."},
		{"not a ticket number", "root", []string{"ticket", "show", "abc"}, 2, `sak: "abc" is not a ticket number: give it as 42 or #42`, "Run 'sak ticket show --help' for usage."},
		{"bad output format", "root", []string{"ticket", "list", "-o", "yaml"}, 2, `sak: invalid output format "yaml": use table or json`, "Run 'sak ticket list --help' for usage."},
		{"bad status", "root", []string{"ticket", "list", "--status", "done"}, 2, `sak: invalid status "done": use new, open, stalled, resolved, rejected, deleted`, "Run 'sak ticket list --help' for usage."},
		{"bad limit", "root", []string{"ticket", "list", "--limit", "x"}, 2, `sak: invalid argument "x" for "-L, --limit" flag: strconv.ParseInt: parsing "x": invalid syntax`, "Run 'sak ticket list --help' for usage."},
		{"bad role", "root", []string{"queue", "grant", "support", "bob", "--role", "boss"}, 2, `sak: invalid role "boss": use caseworker, manager or watcher`, "Run 'sak queue grant --help' for usage."},
		{"missing required flag", "root", []string{"user", "add", "zed"}, 2, `sak: required flag(s) "email" not set`, "Run 'sak user add --help' for usage."},
		{"args to a no-arg command", "root", []string{"user", "list", "x"}, 2, `sak user list takes no arguments, got "x"`, "Run 'sak user list --help' for usage."},

		{"owned ticket", "bob", []string{"ticket", "take", "1"}, 1, "", ""},
		{"owner takes again", "alice", []string{"ticket", "steal", "1"}, 1, "sak: nobody owns ticket 1: take it instead", ""},
		{"unknown ticket", "alice", []string{"ticket", "show", "99"}, 1, "sak: no ticket 99", ""},
		{"not seen", "carol", []string{"ticket", "take", "1"}, 1, "sak: no ticket 1", ""},
		{"unknown user", "nobody-here", []string{"ticket", "take", "1"}, 1, `sak: no user "nobody-here" to act as: give --as LOGIN or set SAK_USER ('sak user list' lists them)`, ""},
		{"unknown queue", "alice", []string{"ticket", "move", "1", "nope"}, 1, `sak: no queue "nope": see 'sak queue list'`, ""},
		{"not a sysadmin", "alice", []string{"queue", "create", "x", "--address", "x@example.org"}, 1, "sak: only a sysadmin may create queues, and alice is not one", ""},
		{"empty reply", "alice", []string{"ticket", "reply", "1", "-m", "  "}, 1, "sak: nothing to send: the text is empty (give it with -m TEXT or on stdin)", ""},
		{"empty comment on stdin", "alice", []string{"ticket", "comment", "1"}, 1, "sak: nothing to send: the text is empty (give it with -m TEXT or on stdin)", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "owned ticket" {
				e.MustRunAs("alice", "ticket", "take", "1")
				tc.err = "sak: ticket 1 is owned by alice: steal it instead"
			}
			if tc.name == "owner takes again" {
				e.MustRunAs("alice", "ticket", "create", "--queue", "support", "-r", "x@example.com", "-s", "x")
				tc.args[2] = "4"
				tc.err = "sak: nobody owns ticket 4: take it instead"
			}
			r := e.RunAs(tc.as, tc.args...)
			lines := strings.Split(strings.TrimSuffix(r.Err, "\n"), "\n")
			want := []string{tc.err}
			if tc.hint != "" {
				want = append(want, tc.hint)
			}
			if r.Code != tc.code || !slices.Equal(lines, want) {
				t.Errorf("sak %s: exit %d, stderr:\n%s\nwant exit %d, stderr:\n%s", strings.Join(tc.args, " "), r.Code, r.Err, tc.code, strings.Join(want, "\n"))
			}
			if r.Out != "" {
				t.Errorf("stdout = %q, want nothing", r.Out)
			}
		})
	}
}

// TestNothingChangesOnError checks that a refused command leaves the
// ticket as it was.
func TestNothingChangesOnError(t *testing.T) {
	e := clitest.SQLite(t)
	e.Seed()
	before := e.MustRun("ticket", "show", "1", "-o", "json")
	e.RunAs("carol", "ticket", "take", "1")
	e.RunAs("alice", "ticket", "move", "1", "nope")
	e.RunAs("alice", "ticket", "give", "1", "carol")
	if after := e.MustRun("ticket", "show", "1", "-o", "json"); after != before {
		t.Errorf("ticket 1 changed after refused commands:\n%s\nwas\n%s", after, before)
	}
}

// TestEscapesNeverReachTheTerminal checks that escape sequences in a
// stranger's subject and text are stripped from table output and kept,
// escaped, in JSON.
func TestEscapesNeverReachTheTerminal(t *testing.T) {
	e := clitest.SQLite(t)
	e.Seed()
	subject := "Red \x1b[31malert\x1b[0m \x1b]0;pwned\x07title\u202eevil"
	e.MustRunAs("alice", "ticket", "create", "--queue", "support", "-r", "x@example.com", "-s", subject, "-m", "line one\n\x1b[2Jcleared\ttab\r\nline three\u009b31m four\x9b")
	for _, args := range [][]string{{"ticket", "list"}, {"ticket", "show", "4"}} {
		out := e.MustRun(args...)
		if strings.ContainsAny(out, "\x1b\x07\u202e\u009b") || strings.Contains(out, "\r") {
			t.Errorf("sak %s printed a control character:\n%q", strings.Join(args, " "), out)
		}
		if !strings.Contains(out, "Red alert titleevil") {
			t.Errorf("sak %s lost the subject's text:\n%s", strings.Join(args, " "), out)
		}
	}
	show := e.MustRun("ticket", "show", "4")
	if !strings.Contains(show, "    line one\n    cleared\ttab\n    line three four\uFFFD\n") {
		t.Errorf("ticket show text:\n%q", show)
	}
	var tk ticketJSON
	e.JSON("root", &tk, "ticket", "show", "4")
	if tk.Subject != subject {
		t.Errorf("JSON subject = %q, want %q", tk.Subject, subject)
	}
}

// TestFreshDatabase checks that the first command on a new SQLite file
// creates the schema, and that PostgreSQL is only migrated on request.
func TestFreshDatabase(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		e := clitest.SQLite(t)
		// Tab completion only reads: it neither migrates nor says so.
		r := e.Run("__complete", "queue", "show", "")
		if r.Code != 0 || strings.Contains(r.Err, "created a new database") {
			t.Errorf("completion on a new database: exit %d, stderr %q", r.Code, r.Err)
		}
		// A mistyped path makes no database and answers from none.
		for _, args := range [][]string{{"ticket", "list"}, {"user", "add", "alice", "--email", "alice@example.org"}, {"queue", "list"}} {
			r = e.Run(args...)
			if r.Code != 1 || !strings.HasPrefix(r.Err, "sak: no database at "+e.DSN) {
				t.Errorf("sak %v where there is no database: exit %d, stderr %q", args, r.Code, r.Err)
			}
		}
		if _, err := os.Stat(e.DSN); err == nil {
			t.Fatalf("a command made a database at %s", e.DSN)
		}
		r = e.Run("user", "add", "root", "--email", "root@example.org", "--sysadmin")
		if r.Code != 0 || !strings.Contains(r.Err, "created a new database") {
			t.Fatalf("first command: exit %d, stderr %q", r.Code, r.Err)
		}
		r = e.Run("db", "migrate")
		if r.Code != 0 || !strings.Contains(r.Out, "is up to date (schema version") {
			t.Errorf("db migrate: exit %d, %q %q", r.Code, r.Out, r.Err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		e := &clitest.Env{T: t, DSN: clitest.PostgresDSN(t), Clock: &clitest.Clock{}, As: "root"}
		r := e.Run("user", "list")
		if r.Code != 1 || !strings.Contains(r.Err, "run 'sak db migrate'") {
			t.Fatalf("user list on an empty schema: exit %d, stderr %q", r.Code, r.Err)
		}
		r = e.Run("db", "migrate")
		if r.Code != 0 || !strings.HasPrefix(r.Out, "Migrated database postgres:") || !strings.Contains(r.Out, "from schema version 0 to") {
			t.Errorf("db migrate: exit %d, %q %q", r.Code, r.Out, r.Err)
		}
		e.MustRun("user", "list")
	})
}

// TestHelp checks that every command has a short description and an
// example, and that the root's long help lists the environment.
func TestHelp(t *testing.T) {
	ios, _, _ := cmdutil.TestStreams()
	root := cli.NewRootCmd(&cmdutil.Factory{IOStreams: ios, Output: cmdutil.OutputTable})
	cmds := root.Commands()
	for len(cmds) > 0 {
		c := cmds[0]
		cmds = append(cmds[1:], c.Commands()...)
		if c.Name() == "help" || c.Parent().Name() == "completion" {
			continue
		}
		if c.Short == "" || c.Example == "" {
			t.Errorf("%s: Short %q, Example %q: every command needs both", c.CommandPath(), c.Short, c.Example)
		}
	}
	for _, env := range []string{"SAK_DB", "SAK_USER", "NO_COLOR"} {
		if !strings.Contains(root.Long, env) {
			t.Errorf("root help does not mention %s", env)
		}
	}
	e := clitest.SQLite(t)
	for _, args := range [][]string{{"--help"}, {"ticket", "--help"}, {"ticket", "list", "--help"}, {"ticket"}} {
		r := e.Run(args...)
		if r.Code != 0 || !strings.Contains(r.Out, "Usage:") {
			t.Errorf("sak %v: exit %d, stdout %q", args, r.Code, r.Out)
		}
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := e.Run("completion", shell)
		if r.Code != 0 || !strings.Contains(r.Out, "sak") {
			t.Errorf("completion %s: exit %d, %d bytes", shell, r.Code, len(r.Out))
		}
	}
}

type codedError struct{}

func (codedError) Error() string { return "temporary failure" }
func (codedError) ExitCode() int { return 75 }

// TestExitCodeHook checks that an error with an ExitCode method sets the
// exit status, as 'sak mailgate' needs for sysexits.
func TestExitCodeHook(t *testing.T) {
	ios, _, stderr := cmdutil.TestStreams()
	f := &cmdutil.Factory{IOStreams: ios, Output: cmdutil.OutputTable}
	root := cli.NewRootCmd(f)
	root.AddCommand(&cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return fmt.Errorf("deliver: %w", codedError{}) }})
	code := cli.Execute(context.Background(), f, root, []string{"x"})
	if code != 75 || stderr.String() != "sak: deliver: temporary failure\n" {
		t.Errorf("exit %d, stderr %q; want 75", code, stderr.String())
	}
}
