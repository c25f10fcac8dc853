package search

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"sak/cli/cmdutil"
	"sak/mailstore"
	"sak/mailstore/storetest"
)

// desk makes a database with a few tickets and a factory over it.
func desk(t *testing.T) (*cmdutil.Factory, *mailstore.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sak.db")
	s := storetest.Open(t, path)
	storetest.Desk(t, s)
	ctx := context.Background()
	for _, nt := range []struct{ actor, queue, subject, text string }{
		{"alice", "support", "Printer on fire", "It burns. \x1b[31mRed\x1b[0m toner everywhere, and a very long line of text that goes on and on about the printer and its many troubles."},
		{"alice", "support", "Toner order", "Please order more."},
		{"carol", "it-help", "Søknad om VPN", "Jeg bor ved sjø."},
	} {
		if _, err := s.CreateTicket(ctx, nt.actor, mailstore.NewTicket{Queue: nt.queue, Requestors: []string{"pat@example.com"}, Subject: nt.subject, Text: nt.text}); err != nil {
			t.Fatal(err)
		}
	}
	ios, _, _ := cmdutil.TestStreams()
	f := &cmdutil.Factory{IOStreams: ios, DB: path, As: "alice", Output: cmdutil.OutputTable, Now: time.Now, Location: time.UTC}
	t.Cleanup(func() { f.Close() })
	return f, s
}

func run(t *testing.T, f *cmdutil.Factory, args ...string) (string, string, error) {
	t.Helper()
	ios, stdout, stderr := cmdutil.TestStreams()
	f.IOStreams = ios
	cmd := NewCmdSearch(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

func TestSearchFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr string
		want    SearchOptions
	}{
		{args: []string{"printer", "toner"}, want: SearchOptions{Query: "printer toner", Limit: DefaultLimit}},
		{args: []string{"x", "--queue", "support,it-help", "--status", "new,open", "--limit", "0"},
			want: SearchOptions{Query: "x", Queues: []string{"support", "it-help"}, Statuses: []string{"new", "open"}}},
		{args: []string{}, wantErr: "missing QUERY"},
		{args: []string{"  "}, wantErr: "missing QUERY"},
		{args: []string{"x", "--status", "closed"}, wantErr: `invalid status "closed"`},
		{args: []string{"x", "--limit", "-1"}, wantErr: "invalid limit"},
	} {
		var got *SearchOptions
		cmd := NewCmdSearch(&cmdutil.Factory{}, func(o *SearchOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		err := cmd.Execute()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !cmdutil.IsUsage(err) {
				t.Errorf("search %q: err = %v, want usage error %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("search %q: %v", tc.args, err)
		}
		if got.Query != tc.want.Query || got.Limit != tc.want.Limit || strings.Join(got.Queues, ",") != strings.Join(tc.want.Queues, ",") ||
			strings.Join(got.Statuses, ",") != strings.Join(tc.want.Statuses, ",") {
			t.Errorf("search %q: options = %+v, want %+v", tc.args, got, tc.want)
		}
	}
}

func TestSearchTable(t *testing.T) {
	f, _ := desk(t)
	out, _, err := run(t, f, "toner")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID  STATUS  QUEUE") || !strings.Contains(lines[1], "Toner order") || !strings.Contains(lines[2], "[toner]") {
		t.Fatalf("search toner:\n%s", out)
	}
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > cmdutil.DefaultWidth {
			t.Errorf("line is %d wide, more than %d: %q", n, cmdutil.DefaultWidth, l)
		}
		if strings.ContainsRune(l, 0x1b) {
			t.Errorf("escape on the terminal: %q", l)
		}
	}
	_, stderr, err := run(t, f, "nothing-like-this")
	if err != nil || !strings.Contains(stderr, "No tickets match") {
		t.Errorf("search for nothing: err %v, stderr %q", err, stderr)
	}
	_, _, err = run(t, f, "'")
	if err == nil || !strings.Contains(err.Error(), "nothing to search for") {
		t.Errorf("search ': err = %v, want a refusal", err)
	}
}

func TestSearchJSON(t *testing.T) {
	f, _ := desk(t)
	f.Output, f.As = cmdutil.OutputJSON, "carol"
	out, _, err := run(t, f, "sjø", "--queue", "it-help")
	if err != nil {
		t.Fatal(err)
	}
	var hits []map[string]any
	if err := json.Unmarshal([]byte(out), &hits); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if len(hits) != 1 {
		t.Fatalf("hits = %v, want 1", hits)
	}
	h := hits[0]
	for _, k := range []string{"id", "queue", "subject", "status", "owner", "score", "snippet"} {
		if _, ok := h[k]; !ok {
			t.Errorf("hit lacks %q: %v", k, h)
		}
	}
	if h["queue"] != "it-help" || h["subject"] != "Søknad om VPN" || h["owner"] != nil || !strings.Contains(h["snippet"].(string), "[sjø]") {
		t.Errorf("hit = %v", h)
	}
	out, _, err = run(t, f, "sjø", "--queue", "support")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Errorf("no hits in JSON: %q, %v; want []", out, err)
	}
}

func TestFitSnippet(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"short [word]", 20, "short [word]"},
		{"the [word] comes early in a long snippet", 20, "the [word] comes ea…"},
		{"a long piece of text before the [vitnemål] and after it", 24, "…the [vitnemål] and aft…"},
		{"a long piece of text before the [vitnemål] and after it", 40, "…the [vitnemål] and after it"},
		{"…ending with [vitnemål]", 12, "…[vitnemål]"},
		{"[word] at the start", 5, "[wor…"},
		{"ab [verylongwordthatgoeson] and on", 20, "ab [verylongwordtha…"},
		{"no marked word in this long snippet at all", 20, "no marked word in t…"},
		// Brackets of the text come before the marked word: the mark
		// says which is which (the one marked by « here).
		{"x [1] footnote and some more text before «[word] later on", 30, "…before [word] later on"},
	} {
		in := strings.Replace(tc.in, "«", "", 1)
		at := strings.Index(tc.in, "«")
		if at < 0 && strings.Contains(in, "[") {
			at = strings.Index(in, "[")
		}
		got := fitSnippet(in, at, tc.width)
		if got != tc.want || utf8.RuneCountInString(got) > tc.width {
			t.Errorf("fitSnippet(%q, %d, %d) = %q, want %q", in, at, tc.width, got, tc.want)
		}
	}
}

// TestSearchRights checks that search finds only the tickets the acting
// user sees: alice (support) does not find it-help's ticket, carol
// (it-help) and root do.
func TestSearchRights(t *testing.T) {
	f, s := desk(t)
	for _, tc := range []struct {
		as   string
		hits int
	}{{"alice", 0}, {"carol", 1}, {"root", 1}, {"walt", 0}} {
		f.As, f.Output = tc.as, cmdutil.OutputJSON
		out, _, err := run(t, f, "sjø")
		if err != nil {
			t.Fatal(err)
		}
		var hits []map[string]any
		if err := json.Unmarshal([]byte(out), &hits); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if len(hits) != tc.hits {
			t.Errorf("search sjø as %s: %d hits, want %d", tc.as, len(hits), tc.hits)
		}
	}
	if err := s.Grant(context.Background(), "root", "it-help", "alice", mailstore.RoleWatcher); err != nil {
		t.Fatal(err)
	}
	f.As, f.Output = "alice", cmdutil.OutputTable
	if out, _, err := run(t, f, "sjø"); err != nil || !strings.Contains(out, "Søknad om VPN") {
		t.Errorf("search sjø as a watcher of it-help: err %v, output\n%s", err, out)
	}
}
