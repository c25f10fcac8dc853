package ptytest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"
)

var sakBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sak-pty-")
	if err != nil {
		panic(err)
	}
	sakBin = filepath.Join(dir, "sak")
	build := exec.Command("go", "build", "-o", sakBin, "sak/cmd/sak")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build sak:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is the environment of a sak run on the database dsn as login, with
// more on top; the caller's COLUMNS, LINES, PAGER, EDITOR and VISUAL are
// left out so that the terminal alone decides.
func env(dsn, login string, more ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "COLUMNS", "LINES", "PAGER", "SAK_PAGER", "EDITOR", "VISUAL", "NO_COLOR", "SAK_DB", "SAK_USER", "SAK_SERVER", "SAK_TOKEN", "XDG_CONFIG_HOME", "SAK_CONFIG":
			continue
		}
		out = append(out, kv)
	}
	return append(out, append([]string{"SAK_DB=" + dsn, "SAK_USER=" + login, "TERM=xterm", "XDG_CONFIG_HOME=" + filepath.Dir(dsn)}, more...)...)
}

// sak runs sak without a terminal and fails the test unless it exits 0.
func sak(t *testing.T, dsn, login string, args ...string) string {
	t.Helper()
	cmd := exec.Command(sakBin, args...)
	cmd.Env = env(dsn, login)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sak %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// onPTY runs sak on a terminal of cols columns and returns what the
// terminal showed, with the exit error.
func onPTY(t *testing.T, cols uint16, environ []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(sakBin, args...)
	cmd.Env = environ
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: cols})
	if err != nil {
		t.Fatalf("start sak on a terminal: %v", err)
	}
	defer tty.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&out, tty) // ends with EIO when sak and its children have gone
		close(done)
	}()
	werr := make(chan error, 1)
	go func() { werr <- cmd.Wait() }()
	select {
	case err = <-werr:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("sak %s on a terminal did not end; it showed:\n%s", strings.Join(args, " "), out.String())
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	return strings.ReplaceAll(out.String(), "\r\n", "\n"), err
}

var escape = regexp.MustCompile(`\x1b\[[0-9;?]*[a-zA-Z]`)

// setup makes a database with a sysadmin, a queue, caseworker alice and
// ticket 1 from pat.
func setup(t *testing.T) (dir, dsn string) {
	dir = t.TempDir()
	dsn = filepath.Join(dir, "sak.db")
	sak(t, dsn, "root", "user", "add", "root", "--email", "root@example.org", "--sysadmin")
	sak(t, dsn, "root", "user", "add", "alice", "--email", "alice@example.org")
	sak(t, dsn, "root", "queue", "create", "support", "--address", "support@example.org")
	sak(t, dsn, "root", "queue", "grant", "support", "alice", "--role", "caseworker")
	sak(t, dsn, "alice", "ticket", "create", "--queue", "support", "--requestor", "pat@example.com", "--subject", "Printer on fire", "-m", "It burns.")
	return dir, dsn
}

// TestReplyOpensEditor: 'ticket reply' without -m on a terminal opens
// $EDITOR on a template that quotes the mail it answers, and sends what
// was written there.
func TestReplyOpensEditor(t *testing.T) {
	dir, dsn := setup(t)
	editor := filepath.Join(dir, "editor.sh")
	seen := filepath.Join(dir, "seen")
	script := fmt.Sprintf("#!/bin/sh\n[ -t 0 ] && [ -t 1 ] && echo terminal > '%s'\ncat \"$1\" >> '%s'\nprintf 'The new fuser is on its way.\\n' > \"$1\"\n", seen, seen)
	if err := os.WriteFile(editor, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := onPTY(t, 100, env(dsn, "alice", "EDITOR="+editor), "ticket", "reply", "1")
	if err != nil || !strings.Contains(out, "Reply to ticket 1 queued for pat@example.com.") {
		t.Fatalf("reply on a terminal: %v\n%s", err, out)
	}
	b, err := os.ReadFile(seen)
	if err != nil {
		t.Fatalf("the editor did not run: %v", err)
	}
	if s := string(b); !strings.HasPrefix(s, "terminal\n") || !strings.Contains(s, "# > It burns.\n") {
		t.Errorf("the editor saw (on a terminal first, then the template):\n%s", s)
	}
	if show := sak(t, dsn, "alice", "ticket", "show", "1"); !strings.Contains(show, "    The new fuser is on its way.\n") {
		t.Errorf("the reply is not on the ticket:\n%s", show)
	}
}

// TestTerminalWidth: tables fill a terminal of 160 columns (no $COLUMNS),
// and 'ticket show' goes through the pager on a terminal.
func TestTerminalWidth(t *testing.T) {
	_, dsn := setup(t)
	long := "Ventilation " + strings.Repeat("x", 300) // no space where it is cut
	sak(t, dsn, "alice", "ticket", "create", "--queue", "support", "--requestor", "kim@example.com", "--subject", long)
	for _, cols := range []uint16{160, 80} {
		out, err := onPTY(t, cols, env(dsn, "alice"), "ticket", "list")
		if err != nil {
			t.Fatalf("list on a terminal: %v\n%s", err, out)
		}
		widest := 0
		for _, line := range strings.Split(escape.ReplaceAllString(out, ""), "\n") {
			widest = max(widest, utf8.RuneCountInString(line))
		}
		if widest != int(cols) {
			t.Errorf("list on %d columns: widest line %d columns\n%s", cols, widest, out)
		}
	}
	out, err := onPTY(t, 160, env(dsn, "alice", "PAGER=sed s/^/paged:/"), "ticket", "show", "1")
	if err != nil || !strings.Contains(out, "paged:Queue:") {
		t.Errorf("show on a terminal, through the pager: %v\n%s", err, out)
	}
	out, err = onPTY(t, 160, env(dsn, "alice", "PAGER=cat"), "ticket", "show", "1")
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) || strings.Contains(out, "paged:") || !strings.Contains(out, "Queue:") {
		t.Errorf("show with PAGER=cat: %v\n%s", err, out)
	}
}
