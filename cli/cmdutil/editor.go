package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// LookupEnv is os.LookupEnv, or the Factory's Env when set (tests).
func (f *Factory) LookupEnv(key string) (string, bool) {
	if f.Env != nil {
		return f.Env(key)
	}
	return os.LookupEnv(key)
}

// Getenv is the value of an environment variable, "" when unset.
func (f *Factory) Getenv(key string) string {
	v, _ := f.LookupEnv(key)
	return v
}

// EditorCommand is the editor to write text in: $VISUAL, else $EDITOR,
// else vi (as git and crontab choose).
func (f *Factory) EditorCommand() string {
	for _, k := range []string{"VISUAL", "EDITOR"} {
		if v := strings.TrimSpace(f.Getenv(k)); v != "" {
			return v
		}
	}
	return "vi"
}

// Edit opens the editor on a file that holds template, on the terminal,
// and returns the text saved in it with the lines that start with '#'
// taken out and the blank lines at either end trimmed ("" when nothing is
// left). name ends the file's name, so that an editor knows its kind.
func (f *Factory) Edit(name, template string) (string, error) {
	dir, err := os.MkdirTemp("", "sak-")
	if err != nil {
		return "", fmt.Errorf("make a file to edit: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(template), 0o600); err != nil {
		return "", fmt.Errorf("make a file to edit: %w", err)
	}
	editor := f.EditorCommand()
	// Through the shell, as git does: $EDITOR may carry arguments
	// ("code --wait", "emacs -nw").
	cmd := exec.Command("sh", "-c", editor+` "$@"`, editor, path)
	ios := f.IOStreams
	cmd.Stdin, cmd.Stdout, cmd.Stderr = ios.In, ios.Out, ios.ErrOut
	if !ios.IsTTY {
		cmd.Stdout = ios.ErrOut
	}
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return "", fmt.Errorf("the editor (%s) exited with status %d: nothing was sent; set VISUAL or EDITOR to one that works, or give the text with -m", editor, exit.ExitCode())
		}
		return "", fmt.Errorf("run the editor (%s): %w; set VISUAL or EDITOR, or give the text with -m", editor, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read the edited text: %w", err)
	}
	return StripComments(string(b)), nil
}

// StripComments is text without its lines that start with '#', and with
// the blank lines at its start and the white space at its end taken away
// (a signature's "-- " line keeps its space); what is left ends with one
// newline, or is "".
func StripComments(text string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if !strings.HasPrefix(line, "#") {
			b.WriteString(line)
		}
	}
	s := strings.TrimRight(b.String(), " \t\n")
	for strings.HasPrefix(s, "\n") || strings.HasPrefix(s, " \n") {
		s = s[strings.IndexByte(s, '\n')+1:]
	}
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return s + "\n"
}

// QuoteComment is text as '#' lines quoted with "> ", for a template: the
// message a reply answers, shown while writing and left out after.
func QuoteComment(w io.Writer, text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintln(w, strings.TrimRight("# > "+line, " "))
	}
}
