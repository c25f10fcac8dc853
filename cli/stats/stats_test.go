package stats

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

var t0 = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)

// desk makes a database where support received two tickets on t0: one
// answered after an hour and resolved after two, one still new.
func desk(t *testing.T) *cmdutil.Factory {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sak.db")
	now := t0
	s := storetest.Open(t, path, mailstore.WithClock(func() time.Time { return now }))
	storetest.Desk(t, s)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	id, err := s.CreateTicket(ctx, "alice", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com"}, Subject: "One"})
	must(err)
	_, err = s.CreateTicket(ctx, "alice", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com"}, Subject: "Two"})
	must(err)
	now = t0.Add(time.Hour)
	must(s.Reply(ctx, "alice", id, "answer"))
	now = t0.Add(2 * time.Hour)
	must(s.SetStatus(ctx, "alice", id, "resolve"))
	ios, _, _ := cmdutil.TestStreams()
	f := &cmdutil.Factory{IOStreams: ios, DB: path, As: "root", Output: cmdutil.OutputTable,
		Now: func() time.Time { return t0.Add(30 * 24 * time.Hour) }, Location: time.UTC}
	t.Cleanup(func() { f.Close() })
	return f
}

func run(t *testing.T, f *cmdutil.Factory, args ...string) (string, error) {
	t.Helper()
	ios, stdout, _ := cmdutil.TestStreams()
	f.IOStreams = ios
	cmd := NewCmdStats(f, nil)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	return stdout.String(), err
}

func TestStatsFlags(t *testing.T) {
	now := t0.Add(30 * 24 * time.Hour)
	for _, tc := range []struct {
		args         []string
		since, until time.Time
		wantErr      string
	}{
		{args: nil},
		{args: []string{"--since", "2025-01-01", "--until", "2025-02-01"}, since: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), until: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)},
		{args: []string{"--since", "30d"}, since: now.Add(-30 * 24 * time.Hour)},
		{args: []string{"--since", "soon"}, wantErr: "--since: invalid time"},
		{args: []string{"--since", "2025-02-01", "--until", "2025-01-01"}, wantErr: "is not before"},
		{args: []string{"extra"}, wantErr: "takes no arguments"},
	} {
		var got *StatsOptions
		f := &cmdutil.Factory{Now: func() time.Time { return now }, Location: time.UTC}
		cmd := NewCmdStats(f, func(o *StatsOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		err := cmd.Execute()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !cmdutil.IsUsage(err) {
				t.Errorf("stats %q: err = %v, want usage error %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("stats %q: %v", tc.args, err)
		}
		if !got.Since.Equal(tc.since) || !got.Until.Equal(tc.until) {
			t.Errorf("stats %q: since %v until %v, want %v %v", tc.args, got.Since, got.Until, tc.since, tc.until)
		}
	}
}

func TestStatsTable(t *testing.T) {
	f := desk(t)
	out, err := run(t, f, "--since", "2025-01-01")
	if err != nil {
		t.Fatal(err)
	}
	want := `QUEUE    RECEIVED  RESOLVED  REJECTED  NEW  OPEN  STALLED  1ST RESPONSE  RESOLUTION
it-help         0      0.0%      0.0%    0     0        0             -           -
support         2     50.0%      0.0%    1     0        0          1.0h        2.0h
total           2     50.0%      0.0%    1     0        0          1.0h        2.0h
`
	if out != want {
		t.Errorf("stats:\n%s\nwant:\n%s", out, want)
	}
	for _, l := range strings.Split(out, "\n") {
		if utf8.RuneCountInString(l) > cmdutil.DefaultWidth {
			t.Errorf("line wider than %d: %q", cmdutil.DefaultWidth, l)
		}
	}
}

func TestStatsJSON(t *testing.T) {
	f := desk(t)
	f.Output = cmdutil.OutputJSON
	out, err := run(t, f, "--queue", "support", "--since", "2025-01-06", "--until", "2025-01-07")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Since  *time.Time       `json:"since"`
		Until  time.Time        `json:"until"`
		Queues []map[string]any `json:"queues"`
		Total  map[string]any   `json:"total"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Since == nil || !rep.Since.Equal(t0) || !rep.Until.Equal(t0.Add(24*time.Hour)) || len(rep.Queues) != 1 {
		t.Fatalf("report = %+v", rep)
	}
	q := rep.Queues[0]
	want := map[string]any{"queue": "support", "received": 2.0, "resolved_share": 0.5, "rejected_share": 0.0, "now_new": 1.0, "now_open": 0.0,
		"median_first_response_seconds": 3600.0, "median_resolution_seconds": 7200.0}
	for k, v := range want {
		if q[k] != v {
			t.Errorf("%s = %v, want %v", k, q[k], v)
		}
	}
	if rep.Total["queue"] != nil || rep.Total["received"] != 2.0 {
		t.Errorf("total = %v", rep.Total)
	}
	out, err = run(t, f, "--queue", "it-help")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"median_first_response_seconds": null`) || !strings.Contains(out, `"since": null`) {
		t.Errorf("empty queue: want null medians and since:\n%s", out)
	}
}

// TestStatsRights checks that stats count only what the acting user sees:
// carol, of it-help, gets it-help alone, and nothing of support's
// tickets even when she names the queue.
func TestStatsRights(t *testing.T) {
	f := desk(t)
	f.As = "carol"
	out, err := run(t, f, "--since", "2025-01-01")
	if err != nil {
		t.Fatal(err)
	}
	want := `QUEUE    RECEIVED  RESOLVED  REJECTED  NEW  OPEN  STALLED  1ST RESPONSE  RESOLUTION
it-help         0      0.0%      0.0%    0     0        0             -           -
`
	if out != want {
		t.Errorf("stats as carol:\n%s\nwant:\n%s", out, want)
	}
	out, err = run(t, f, "--since", "2025-01-01", "--queue", "support")
	if err != nil {
		t.Fatal(err)
	}
	want = `QUEUE    RECEIVED  RESOLVED  REJECTED  NEW  OPEN  STALLED  1ST RESPONSE  RESOLUTION
support         0      0.0%      0.0%    0     0        0             -           -
`
	if out != want {
		t.Errorf("stats --queue support as carol:\n%s\nwant:\n%s", out, want)
	}
}
