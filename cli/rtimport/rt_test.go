package rtimport

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		ok    bool
		check func(*RTOptions) bool
	}{
		{"from", []string{"--from", "sqlite:rt.db"}, true, func(o *RTOptions) bool { return o.From == "sqlite:rt.db" && o.BatchSize == 100 }},
		{"queue map", []string{"--from", "x", "--queue-map", "General=support,IT=it-help", "--queue-map", "Opptak=opptak"}, true,
			func(o *RTOptions) bool {
				return o.QueueMap["general"] == "support" && o.QueueMap["it"] == "it-help" && o.QueueMap["opptak"] == "opptak"
			}},
		{"since", []string{"--from", "x", "--since", "2024-01-01"}, true, func(o *RTOptions) bool { return o.Since.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) }},
		{"rtname", []string{"--from", "x", "--rtname", "rt.example.org"}, true, func(o *RTOptions) bool { return o.RTName == "rt.example.org" }},
		{"no from", []string{}, false, nil},
		{"bad map", []string{"--from", "x", "--queue-map", "General"}, false, nil},
		{"bad since", []string{"--from", "x", "--since", "yesterday-ish"}, false, nil},
		{"argument", []string{"--from", "x", "extra"}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, _ := cmdutil.TestStreams()
			f := &cmdutil.Factory{IOStreams: ios, Location: time.UTC, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}
			var got *RTOptions
			cmd := NewCmdImportRT(f, func(o *RTOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if (err == nil) != tc.ok {
				t.Fatalf("Execute(%q) err = %v, want ok %v", tc.args, err, tc.ok)
			}
			if tc.ok && !tc.check(got) {
				t.Errorf("Execute(%q) options = %+v", tc.args, got)
			}
		})
	}
}

func fixture(t *testing.T) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		p := filepath.Join(dir, "..", "shared", "fixtures", "rt5", "rt5-sample.sqlite")
		if _, err := os.Stat(p); err == nil {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			cp := filepath.Join(t.TempDir(), "rt.sqlite")
			if err := os.WriteFile(cp, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return cp
		}
		if up := filepath.Dir(dir); up != dir {
			dir = up
			continue
		}
		if os.Getenv("CI") == "true" {
			t.Fatal("the RT fixture ../shared/fixtures/rt5 is missing")
		}
		t.Skip("no RT fixture ../shared/fixtures/rt5")
	}
}

func TestImportJSON(t *testing.T) {
	rtdb := fixture(t)
	ios, stdout, stderr := cmdutil.TestStreams()
	f := &cmdutil.Factory{IOStreams: ios, DB: filepath.Join(t.TempDir(), "sak.db"), Output: cmdutil.OutputJSON, Location: time.UTC, Now: time.Now}
	defer f.Close()
	cmd := NewCmdImportRT(f, nil)
	cmd.SetArgs([]string{"--from", "sqlite:" + rtdb})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	var sum struct {
		Source  string         `json:"source"`
		Tickets int            `json:"tickets"`
		Mails   int            `json:"mails"`
		Skipped map[string]int `json:"skipped"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if sum.Source != "rt.bench" || sum.Tickets != 42 || sum.Mails != 215 || len(sum.Skipped) == 0 {
		t.Errorf("summary = %+v", sum)
	}
	if !strings.Contains(stderr.String(), "import progress") {
		t.Errorf("no progress on stderr: %s", stderr)
	}

	// Now the store has sysadmins (RT's SuperUser root): only they import.
	s, err := f.Store(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var staff string
	if err := s.DB().QueryRow(`SELECT login FROM users WHERE login IS NOT NULL AND sysadmin = FALSE ORDER BY login LIMIT 1`).Scan(&staff); err != nil {
		t.Fatal(err)
	}
	ios3, _, _ := cmdutil.TestStreams()
	f3 := &cmdutil.Factory{IOStreams: ios3, DB: f.DB, As: staff, Location: time.UTC, Now: time.Now}
	defer f3.Close()
	cmd = NewCmdImportRT(f3, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs([]string{"--from", rtdb})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "only a sysadmin") {
		t.Errorf("import as %s, not a sysadmin: %v", staff, err)
	}

	// Again, as root and a table: nothing new.
	ios2, stdout2, _ := cmdutil.TestStreams()
	f2 := &cmdutil.Factory{IOStreams: ios2, DB: f.DB, As: "root", Output: cmdutil.OutputTable, Location: time.UTC, Now: time.Now}
	defer f2.Close()
	cmd = NewCmdImportRT(f2, nil)
	cmd.SetArgs([]string{"--from", rtdb})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if out := stdout2.String(); !strings.Contains(out, "RT rt.bench imported") || !strings.Contains(out, "tickets") {
		t.Errorf("table output:\n%s", out)
	}
}

// TestReadRightsOnRT takes RT's own queues and staff as the case of read
// rights: after the import, each member of staff lists exactly the
// tickets of the queues where they have a role and the tickets they own,
// finds no others, and a ticket of another queue is "no ticket N".
func TestReadRightsOnRT(t *testing.T) {
	rtdb := fixture(t)
	ios, _, stderr := cmdutil.TestStreams()
	f := &cmdutil.Factory{IOStreams: ios, DB: filepath.Join(t.TempDir(), "sak.db"), As: "root", Location: time.UTC, Now: time.Now}
	defer f.Close()
	cmd := NewCmdImportRT(f, nil)
	cmd.SetArgs([]string{"--from", "sqlite:" + rtdb})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	ctx := context.Background()
	s, err := f.Store(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.As("root").ListTickets(ctx, mailstore.Filter{})
	if err != nil || len(all) == 0 {
		t.Fatalf("root lists %d tickets: %v", len(all), err)
	}
	rows, err := s.DB().QueryContext(ctx, `SELECT u.login, q.name FROM users u
		LEFT JOIN user_roles r ON r.user_id = u.id LEFT JOIN queues q ON q.id = r.queue_id
		WHERE u.login IS NOT NULL AND u.sysadmin = FALSE AND u.disabled = FALSE`)
	if err != nil {
		t.Fatal(err)
	}
	queues := map[string]map[string]bool{}
	for rows.Next() {
		var login string
		var queue *string
		if err := rows.Scan(&login, &queue); err != nil {
			t.Fatal(err)
		}
		if queues[login] == nil {
			queues[login] = map[string]bool{}
		}
		if queue != nil {
			queues[login][*queue] = true
		}
	}
	rows.Close()
	if len(queues) < 2 {
		t.Fatalf("the fixture gave %d members of staff; the case needs two or more", len(queues))
	}
	hidden := 0
	for login, qs := range queues {
		r := s.As(login)
		got, err := r.ListTickets(ctx, mailstore.Filter{})
		if err != nil {
			t.Fatalf("%s lists: %v", login, err)
		}
		listed := map[int64]bool{}
		for _, tk := range got {
			listed[tk.ID] = true
		}
		for _, tk := range all {
			want := qs[tk.Queue] || tk.OwnerLogin() == login
			if listed[tk.ID] != want {
				t.Errorf("%s (roles in %v) lists ticket %d of %s owned by %q: %v, want %v", login, qs, tk.ID, tk.Queue, tk.OwnerLogin(), listed[tk.ID], want)
			}
			if want {
				continue
			}
			// A ticket moved away from a queue of theirs shows until the
			// move; any other is not there for them.
			movedAway := false
			txs, err := s.As("root").History(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, tx := range txs {
				movedAway = movedAway || tx.Type == mailstore.TxMove && qs[tx.Old]
			}
			show, err := r.History(ctx, tk.ID)
			switch {
			case movedAway && err != nil:
				t.Errorf("%s cannot show ticket %d, moved away from a queue of theirs: %v", login, tk.ID, err)
			case movedAway && len(show) >= len(txs):
				t.Errorf("%s sees all %d transactions of ticket %d, moved away from a queue of theirs", login, len(txs), tk.ID)
			case !movedAway && (err == nil || err.Error() != fmt.Sprintf("no ticket %d", tk.ID)):
				t.Errorf("%s shows ticket %d of %s: %v, want no ticket", login, tk.ID, tk.Queue, err)
			}
			if !movedAway {
				hidden++
			}
			hits, err := r.Search(ctx, tk.Subject, mailstore.SearchFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hits {
				if h.ID == tk.ID {
					t.Errorf("%s finds ticket %d of %s by its subject", login, tk.ID, tk.Queue)
				}
			}
		}
		_, total, err := r.Stats(ctx, mailstore.StatsFilter{Until: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if total.Received > len(got) {
			t.Errorf("%s's stats count %d tickets received, more than the %d they see", login, total.Received, len(got))
		}
	}
	if hidden == 0 {
		t.Fatal("no member of staff was kept from any ticket: the case tests nothing")
	}
}
