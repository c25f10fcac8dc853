package cmdutil

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"
)

// DefaultWidth is the width tables are fitted to on a terminal whose
// width is unknown.
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
	Width   int  // columns tables are fitted to; 0: nothing is cut
}

// System returns the process's streams. Colour is on only when stdout is a
// terminal and NO_COLOR is unset. Tables are fitted to $COLUMNS when set,
// else to the terminal's width (DefaultWidth when it cannot be told);
// when stdout is not a terminal nothing is cut.
func System() *IOStreams {
	ios := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	ios.IsTTY = isTerminal(os.Stdout)
	ios.InIsTTY = isTerminal(os.Stdin)
	_, noColor := os.LookupEnv("NO_COLOR")
	ios.Color = ios.IsTTY && !noColor && os.Getenv("TERM") != "dumb"
	ios.Width = width(os.Getenv("COLUMNS"), ios.IsTTY, func() (int, error) {
		w, _, err := term.GetSize(int(os.Stdout.Fd()))
		return w, err
	})
	return ios
}

// width is the table width of System: columns ($COLUMNS) when it is a
// number of 40 or more, else on a terminal its size or DefaultWidth, else
// 0 (no cutting).
func width(columns string, tty bool, size func() (int, error)) int {
	if n, err := strconv.Atoi(strings.TrimSpace(columns)); err == nil && n >= 40 {
		return n
	}
	if !tty {
		return 0
	}
	if w, err := size(); err == nil && w >= 40 {
		return w
	}
	return DefaultWidth
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
