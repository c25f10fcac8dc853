package ticket_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sak/cli"
	"sak/cli/clitest"
)

// editorScript writes a shell script that keeps the template it is given
// in dir/template and then runs body on the file ($1), and returns its
// path.
func editorScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	script := "#!/bin/sh\ncp \"$1\" '" + filepath.Join(dir, "template") + "'\n" + body + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// onTerminal runs sak as as with stdin a terminal (and no text on it) and
// the environment env.
func onTerminal(e *clitest.Env, as string, env map[string]string, args ...string) clitest.Result {
	e.Clock.Advance()
	f, stdout, stderr := e.Factory(as)
	f.IOStreams.InIsTTY = true
	f.Env = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	code := cli.Run(context.Background(), f, args)
	return clitest.Result{Out: stdout.String(), Err: stderr.String(), Code: code}
}

// TestReplyEditor: without -m on a terminal, reply and comment open
// $VISUAL or $EDITOR on a template that quotes the message answered; the
// '#' lines are left out; an empty text or a failing editor changes
// nothing.
func TestReplyEditor(t *testing.T) {
	clitest.Each(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		dir := t.TempDir()
		write := editorScript(t, dir, "write", `printf 'The fuser is on its way.\n# not this line\n\n-- \nAlice\n' >> "$1"`)
		r := onTerminal(e, "alice", map[string]string{"EDITOR": write, "VISUAL": ""}, "ticket", "reply", "1")
		if r.Code != 0 || r.Out != "Reply to ticket 1 queued for pat@example.com, walt@example.org.\n" {
			t.Fatalf("reply in the editor: exit %d, out %q, err %q", r.Code, r.Out, r.Err)
		}
		tmpl, err := os.ReadFile(filepath.Join(dir, "template"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		out = append(out, "template of the reply:\n"+string(tmpl))
		show := e.MustRun("ticket", "show", "1")
		if !strings.Contains(show, "    The fuser is on its way.\n") || !strings.Contains(show, "    -- \n    Alice\n") || strings.Contains(show, "not this line") || strings.Contains(show, "wrote:") {
			t.Errorf("the reply as kept:\n%s", show)
		}

		// $VISUAL wins over $EDITOR; a comment quotes the last message.
		visual := editorScript(t, dir, "visual", `echo 'Pat rang again.' >> "$1"`)
		r = onTerminal(e, "alice", map[string]string{"EDITOR": write, "VISUAL": visual}, "ticket", "comment", "1")
		if r.Code != 0 || r.Out != "Comment added to ticket 1.\n" {
			t.Fatalf("comment in the editor: exit %d, out %q, err %q", r.Code, r.Out, r.Err)
		}
		if tmpl, err = os.ReadFile(filepath.Join(dir, "template")); err != nil {
			t.Fatal(err)
		}
		out = append(out, "template of the comment:\n"+string(tmpl))
		if show := e.MustRun("ticket", "show", "1"); !strings.Contains(show, "    Pat rang again.\n") {
			t.Errorf("the comment as kept:\n%s", show)
		}

		// Refusals leave the history as it was.
		keep := editorScript(t, dir, "keep", `echo '# only a comment' >> "$1"`)
		fail := editorScript(t, dir, "fail", `exit 3`)
		before := historyLen(t, e, "1")
		for _, tc := range []struct {
			env  map[string]string
			args []string
		}{
			{map[string]string{"EDITOR": keep}, []string{"ticket", "reply", "1"}},
			{map[string]string{"EDITOR": keep}, []string{"ticket", "comment", "1"}},
			{map[string]string{"EDITOR": fail}, []string{"ticket", "reply", "1"}},
			{map[string]string{"EDITOR": write}, []string{"ticket", "reply", "99"}},
		} {
			r := onTerminal(e, "alice", tc.env, tc.args...)
			if r.Code != 1 {
				t.Errorf("%v: exit %d, want 1", tc.args, r.Code)
			}
			out = append(out, strings.Join(tc.args, " ")+": "+strings.ReplaceAll(r.Err, filepath.Dir(fail), "DIR"))
		}
		if after := historyLen(t, e, "1"); after != before {
			t.Errorf("refused texts changed ticket 1: %d transactions, want %d", after, before)
		}
		clitest.Golden(t, "testdata/editor.golden", strings.Join(out, "\n"))
	})
}
