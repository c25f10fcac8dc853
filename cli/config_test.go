package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sak/cli"
	"sak/cli/clitest"
	"sak/cli/cmdutil"
)

// TestConfigFlags: the config file's db and output are the defaults a
// command runs with, and the flags win over them; a broken file stops
// every command with where it is broken.
func TestConfigFlags(t *testing.T) {
	a, b := clitest.SQLite(t), clitest.SQLite(t)
	a.Seed()
	b.MustRun("user", "add", "root", "--email", "root@example.org", "--sysadmin")
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte("# sak\ndb = "+a.DSN+"\nuser = root\noutput = json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SAK_CONFIG", path)
	for _, k := range []string{"SAK_DB", "SAK_USER", "SAK_SERVER", "SAK_TOKEN"} {
		t.Setenv(k, "")
	}
	run := func(args ...string) clitest.Result {
		f := cmdutil.New()
		ios, stdout, stderr := cmdutil.TestStreams()
		f.IOStreams = ios
		code := cli.Run(context.Background(), f, args)
		return clitest.Result{Out: stdout.String(), Err: stderr.String(), Code: code}
	}
	r := run("user", "list")
	if r.Code != 0 || !strings.HasPrefix(r.Out, "[") || !strings.Contains(r.Out, `"login": "walt"`) {
		t.Errorf("user list with the file's db and output: exit %d, %q, %q", r.Code, r.Out, r.Err)
	}
	r = run("--db", b.DSN, "-o", "table", "user", "list")
	if r.Code != 0 || strings.HasPrefix(r.Out, "[") || !strings.Contains(r.Out, "root") || strings.Contains(r.Out, "walt") {
		t.Errorf("user list with --db and -o table: exit %d, %q, %q", r.Code, r.Out, r.Err)
	}
	t.Setenv("SAK_DB", b.DSN)
	if r = run("user", "list"); r.Code != 0 || strings.Contains(r.Out, "walt") {
		t.Errorf("user list with SAK_DB: exit %d, %q, %q", r.Code, r.Out, r.Err)
	}
	if err := os.WriteFile(path, []byte("db = "+a.DSN+"\noutput: json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run("user", "list")
	if want := "sak: config file " + path + ", line 2: \"output: json\" is not KEY = VALUE; lines are KEY = VALUE with KEY db, server, user or output (see 'sak --help')\n"; r.Code != 1 || r.Out != "" || r.Err != want {
		t.Errorf("a broken config file: exit %d, %q, %q; want %q", r.Code, r.Out, r.Err, want)
	}
}

// TestMailgateWithoutHome: an MTA's pipe transport runs mailgate with no
// HOME and no XDG_CONFIG_HOME; that is no config file, not an error (it
// bounced mail once). A broken config file stops mailgate with 75, so the
// MTA keeps the mail until an admin mends the file.
func TestMailgateWithoutHome(t *testing.T) {
	e := clitest.SQLite(t)
	e.Seed()
	for _, k := range []string{"HOME", "XDG_CONFIG_HOME", "SAK_CONFIG", "SAK_USER", "SAK_SERVER", "SAK_TOKEN"} {
		t.Setenv(k, "")
	}
	os.Unsetenv("HOME")
	os.Unsetenv("XDG_CONFIG_HOME")
	os.Unsetenv("SAK_CONFIG")
	t.Setenv("SAK_DB", e.DSN)
	run := func(msg string) clitest.Result {
		f := cmdutil.New()
		ios, stdout, stderr := cmdutil.TestStreams()
		ios.In = strings.NewReader(msg)
		f.IOStreams = ios
		code := cli.Run(context.Background(), f, []string{"mailgate", "--recipient", "support@example.org"})
		return clitest.Result{Out: stdout.String(), Err: stderr.String(), Code: code}
	}
	msg := "From: kim@example.com\r\nTo: support@example.org\r\nSubject: Piped\r\nMessage-ID: <piped@example.com>\r\n\r\nHi.\r\n"
	if r := run(msg); r.Code != 0 {
		t.Errorf("mailgate without HOME: exit %d, %q", r.Code, r.Err)
	}
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte("db: nowhere\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SAK_CONFIG", path)
	if r := run(strings.Replace(msg, "<piped@", "<piped2@", 1)); r.Code != 75 || !strings.Contains(r.Err, "config file") {
		t.Errorf("mailgate with a broken config file: exit %d, %q; want 75", r.Code, r.Err)
	}
}
