package cmdutil

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mattn/go-isatty"
)

// DefaultWidth is the width tables are fitted to when the terminal's width
// is unknown, and always when stdout is not a terminal.
const DefaultWidth = 100

// IOStreams are the streams a command reads and writes, and what is known
// about the terminal behind them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	IsTTY   bool // stdout is a terminal
	InIsTTY bool // stdin is a terminal: reading it would wait for typing
	Color   bool // colour escapes are wanted on Out
	Width   int  // columns tables are fitted to
}

// System returns the process's streams. Colour is on only when stdout is a
// terminal and NO_COLOR is unset; the width comes from $COLUMNS when stdout
// is a terminal, else DefaultWidth.
func System() *IOStreams {
	ios := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, Width: DefaultWidth}
	ios.IsTTY = isTerminal(os.Stdout)
	ios.InIsTTY = isTerminal(os.Stdin)
	_, noColor := os.LookupEnv("NO_COLOR")
	ios.Color = ios.IsTTY && !noColor && os.Getenv("TERM") != "dumb"
	if ios.IsTTY {
		if n, err := strconv.Atoi(strings.TrimSpace(os.Getenv("COLUMNS"))); err == nil && n >= 40 {
			ios.Width = n
		}
	}
	return ios
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// TestStreams returns streams over buffers, with no terminal: stdin is
// empty (set In to feed it), and stdout and stderr are returned for
// inspection.
func TestStreams() (ios *IOStreams, stdout, stderr *bytes.Buffer) {
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: strings.NewReader(""), Out: stdout, ErrOut: stderr, Width: DefaultWidth}, stdout, stderr
}
