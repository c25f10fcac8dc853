package cmdutil

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// FlagError is bad usage: an unknown flag or command, a wrong number of
// arguments, a bad flag value. sak exits 2 on it and points at --help.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf makes a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// IsUsage reports whether err is bad usage.
func IsUsage(err error) bool {
	var fe *FlagError
	return errors.As(err, &fe)
}

// ExactArgs is cobra.ExactArgs with a usage error that names the
// arguments from the command's Use line.
func ExactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		names := argNames(cmd)
		switch {
		case len(args) < n && len(names) > len(args):
			return FlagErrorf("%s: missing %s", cmd.CommandPath(), strings.Join(names[len(args):], " "))
		case len(args) > n:
			return FlagErrorf("%s: too many arguments: takes %d (%s), got %d", cmd.CommandPath(), n, strings.Join(names, " "), len(args))
		}
		return FlagErrorf("%s: takes %d arguments, got %d", cmd.CommandPath(), n, len(args))
	}
}

// OptionalArg is ExactArgs(n) that also takes one more, optional
// argument (as "watch ID [LOGIN]").
func OptionalArg(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n+1 {
			return nil
		}
		if len(args) > n+1 {
			return FlagErrorf("%s: too many arguments: takes at most %d, got %d", cmd.CommandPath(), n+1, len(args))
		}
		return ExactArgs(n)(cmd, args)
	}
}

// NoArgs refuses arguments with a usage error.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}

// argNames lists the upper-case argument names of a Use line such as
// "give ID LOGIN".
func argNames(cmd *cobra.Command) []string {
	var names []string
	for _, w := range strings.Fields(cmd.Use)[1:] {
		if w == strings.ToUpper(w) && !strings.HasPrefix(w, "[") {
			names = append(names, w)
		}
	}
	return names
}

// GroupArgs lets a command that only groups subcommands ("sak ticket")
// turn an unknown subcommand into a usage error with suggestions, instead
// of cobra printing help and exiting 0.
func GroupArgs(cmd *cobra.Command, args []string) error { return nil }

// GroupRun prints help for a bare group command and refuses an unknown
// subcommand.
func GroupRun(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(": did you mean %q?", s[0])
	}
	return FlagErrorf("%s", msg)
}

// ParseTicketID reads a ticket number: "42" or "#42".
func ParseTicketID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, FlagErrorf("%q is not a ticket number: give it as 42 or #42", s)
	}
	return id, nil
}
