package cmdutil

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// DefaultPager pages long output on a terminal when neither SAK_PAGER nor
// PAGER says otherwise: less quits at once when the text fits a screen
// (-F), keeps colours (-R) and leaves the text on the screen (-X).
const DefaultPager = "less -FRX"

// PagerCommand is the pager for long output: SAK_PAGER when set, else
// PAGER when set, else DefaultPager; "" when none is wanted (set to ""
// or to cat).
func (f *Factory) PagerCommand() string {
	p, ok := f.LookupEnv("SAK_PAGER")
	if !ok {
		p, ok = f.LookupEnv("PAGER")
	}
	if !ok {
		p = DefaultPager
	}
	if p = strings.TrimSpace(p); p == "cat" {
		return ""
	}
	return p
}

// Page runs write with IOStreams.Out going through the pager when stdout
// is a terminal (PagerCommand), else straight out. A pager that cannot
// start is passed by; one the reader quits early is no error.
func (f *Factory) Page(write func() error) error {
	ios := f.IOStreams
	pager := f.PagerCommand()
	if !ios.IsTTY || pager == "" {
		return write()
	}
	cmd := exec.Command("sh", "-c", pager)
	cmd.Env = os.Environ()
	if _, ok := os.LookupEnv("LESS"); !ok {
		cmd.Env = append(cmd.Env, "LESS=FRX")
	}
	cmd.Stdout, cmd.Stderr = ios.Out, ios.ErrOut
	in, err := cmd.StdinPipe()
	if err != nil {
		return write()
	}
	if err := cmd.Start(); err != nil {
		return write()
	}
	out := ios.Out
	ios.Out = in
	err = write()
	ios.Out = out
	in.Close()
	waitErr := cmd.Wait()
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed) {
		return nil // the reader quit the pager before the end
	}
	if err == nil && waitErr != nil {
		var exit *exec.ExitError
		if !errors.As(waitErr, &exit) {
			return waitErr
		}
	}
	return err
}
