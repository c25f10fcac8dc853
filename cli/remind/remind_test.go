package remind

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
	"sak/mailstore/storetest"
)

var now = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

func desk(t *testing.T) (*cmdutil.Factory, *mailstore.Store, int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sak.db")
	s := storetest.Open(t, path, mailstore.WithClock(func() time.Time { return now }))
	storetest.Desk(t, s)
	id, err := s.CreateTicket(context.Background(), "alice", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com"}, Subject: "Printer"})
	if err != nil {
		t.Fatal(err)
	}
	ios, _, _ := cmdutil.TestStreams()
	f := &cmdutil.Factory{IOStreams: ios, DB: path, As: "alice", Output: cmdutil.OutputTable, Now: func() time.Time { return now }, Location: time.UTC}
	t.Cleanup(func() { f.Close() })
	return f, s, id
}

func run(t *testing.T, f *cmdutil.Factory, mk func(*cmdutil.Factory) *cobra.Command, args ...string) (string, string, error) {
	t.Helper()
	ios, stdout, stderr := cmdutil.TestStreams()
	f.IOStreams = ios
	cmd := mk(f)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

func remindCmd(f *cmdutil.Factory) *cobra.Command    { return NewCmdRemind(f, nil) }
func remindersCmd(f *cmdutil.Factory) *cobra.Command { return NewCmdReminders(f, nil) }

func TestRemindFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    RemindOptions
		wantErr string
	}{
		{args: []string{"42", "--at", "2d", "Call", "Pat"}, want: RemindOptions{ID: 42, At: now.Add(48 * time.Hour), Text: "Call Pat"}},
		{args: []string{"#42", "--at", "2025-03-10", "--to", "bob", "Call Pat"}, want: RemindOptions{ID: 42, At: time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), To: "bob", Text: "Call Pat"}},
		{args: []string{"42", "--done", "7"}, want: RemindOptions{ID: 42, Done: 7}},
		{args: []string{}, wantErr: "missing ID"},
		{args: []string{"x", "--at", "2d", "t"}, wantErr: "not a ticket number"},
		{args: []string{"42", "Call"}, wantErr: "missing --at"},
		{args: []string{"42", "--at", "2d"}, wantErr: "missing TEXT"},
		{args: []string{"42", "--at", "soon", "Call"}, wantErr: "--at: invalid time"},
		{args: []string{"42", "--done", "7", "text"}, wantErr: "--done takes no"},
		{args: []string{"42", "--done", "7", "--at", "2d"}, wantErr: "--done takes no"},
		{args: []string{"42", "--done", "0"}, wantErr: "not a reminder number"},
	} {
		var got *RemindOptions
		f := &cmdutil.Factory{Now: func() time.Time { return now }, Location: time.UTC}
		cmd := NewCmdRemind(f, func(o *RemindOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		err := cmd.Execute()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !cmdutil.IsUsage(err) {
				t.Errorf("remind %q: err = %v, want usage error %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("remind %q: %v", tc.args, err)
		}
		if got.ID != tc.want.ID || !got.At.Equal(tc.want.At) || got.To != tc.want.To || got.Text != tc.want.Text || got.Done != tc.want.Done {
			t.Errorf("remind %q: options = %+v, want %+v", tc.args, got, tc.want)
		}
	}
}

func TestRemindAndList(t *testing.T) {
	f, s, id := desk(t)
	out, _, err := run(t, f, remindCmd, "1", "--at", "2h", "--to", "bob", "Call Pat \x1b[2Jback")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Reminder 1 on ticket 1: bob will be mailed at 2025-03-03 11:00.\n"; out != want {
		t.Errorf("remind: %q, want %q", out, want)
	}
	if _, _, err := run(t, f, remindCmd, "1", "--at", "1d", "Mine"); err != nil {
		t.Fatal(err)
	}
	_, _, err = run(t, f, remindCmd, "1", "--at", "1d", "--to", "carol", "No")
	if err == nil || !strings.Contains(err.Error(), "not a caseworker of queue support") {
		t.Errorf("remind carol: err = %v", err)
	}

	out, _, err = run(t, f, remindersCmd)
	if err != nil {
		t.Fatal(err)
	}
	want := `ID  TICKET  TO     DUE               STATE    TEXT
 1       1  bob    2025-03-03 11:00  waiting  Call Pat back
 2       1  alice  2025-03-04 09:00  waiting  Mine
`
	if out != want {
		t.Errorf("reminders:\n%s\nwant:\n%s", out, want)
	}
	out, _, err = run(t, f, remindersCmd, "--mine")
	if err != nil || strings.Contains(out, "bob") || !strings.Contains(out, "Mine") {
		t.Errorf("reminders --mine: %v\n%s", err, out)
	}

	// Mailed, then done.
	now = now.Add(3 * time.Hour)
	defer func() { now = now.Add(-3 * time.Hour) }()
	if n, err := s.SendDueReminders(context.Background()); err != nil || n != 1 {
		t.Fatalf("SendDueReminders = %d, %v", n, err)
	}
	out, _, _ = run(t, f, remindersCmd, "--ticket", "1")
	if !strings.Contains(out, "bob    2025-03-03 11:00  sent") {
		t.Errorf("reminders after sending:\n%s", out)
	}
	f.As = "bob"
	out, _, err = run(t, f, remindCmd, "1", "--done", "1")
	if err != nil || out != "Reminder 1 on ticket 1 marked done.\n" {
		t.Errorf("remind --done: %q, %v", out, err)
	}
	_, _, err = run(t, f, remindCmd, "1", "--done", "1")
	if err == nil || !strings.Contains(err.Error(), "done already") {
		t.Errorf("remind --done twice: %v", err)
	}

	f.Output = cmdutil.OutputJSON
	out, _, err = run(t, f, remindersCmd, "--all")
	if err != nil {
		t.Fatal(err)
	}
	var rs []map[string]any
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(rs) != 2 {
		t.Fatalf("reminders --all = %v", rs)
	}
	r := rs[0]
	for k, v := range map[string]any{"id": 1.0, "ticket": float64(id), "to": "bob", "due": "2025-03-03T11:00:00Z", "text": "Call Pat \x1b[2Jback", "done": true, "sent": "2025-03-03T12:00:00Z"} {
		if r[k] != v {
			t.Errorf("%s = %#v, want %#v", k, r[k], v)
		}
	}
	if rs[1]["sent"] != nil || rs[1]["done"] != false {
		t.Errorf("second reminder = %v", rs[1])
	}
	out, _, err = run(t, f, remindCmd, "1", "--at", "2025-04-01T08:00:00Z", "JSON")
	if err != nil || !strings.Contains(out, `"due": "2025-04-01T08:00:00Z"`) || !strings.Contains(out, `"to": "bob"`) {
		t.Errorf("remind -o json: %v\n%s", err, out)
	}
}
