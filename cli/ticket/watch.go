package ticket

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// WatchOptions are the options of 'sak ticket watch' and 'sak ticket
// unwatch'.
type WatchOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Add     bool // watch; false unwatches
	ID      int64
	Login   string // "" for the acting user
}

// NewCmdWatch is 'sak ticket watch'.
func NewCmdWatch(f *cmdutil.Factory, runF func(*WatchOptions) error) *cobra.Command {
	return newCmdWatch(f, true, runF)
}

// NewCmdUnwatch is 'sak ticket unwatch'.
func NewCmdUnwatch(f *cmdutil.Factory, runF func(*WatchOptions) error) *cobra.Command {
	return newCmdWatch(f, false, runF)
}

func newCmdWatch(f *cmdutil.Factory, add bool, runF func(*WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{Factory: f, Add: add}
	verb, short, long := "watch", "Get a ticket's mail as its queue's watchers do",
		`Watch a ticket: get its requestors' mail, whoever owns it, and its
comments, as the watchers of its queue get them, without watching the whole
queue. Anyone who sees the ticket may watch it. To make another user watch
it (LOGIN), be a caseworker of its queue; they must see the ticket too.
'sak ticket show' lists the watchers.`
	if !add {
		verb, short, long = "unwatch", "Stop watching a ticket",
			"Stop watching a ticket. Stopping another user (LOGIN) takes a caseworker of\nthe ticket's queue."
	}
	return &cobra.Command{
		Use:               verb + " ID [LOGIN]",
		Short:             short,
		Long:              long + "\n\nID is the ticket's number, as 42 or #42.",
		Example:           fmt.Sprintf("  sak ticket %[1]s 42\n  sak ticket %[1]s 42 bob -o json", verb),
		Args:              cmdutil.OptionalArg(1),
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			opts.Ctx, opts.Login = cmd.Context(), ""
			if len(args) == 2 {
				opts.Login = args[1]
			}
			if runF != nil {
				return runF(opts)
			}
			return watchRun(opts)
		},
	}
}

func watchRun(opts *WatchOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	change, done := d.Watch, "%s watches ticket %d now."
	if !opts.Add {
		change, done = d.Unwatch, "%s no longer watches ticket %d."
	}
	if err := change(opts.Ctx, f.As, opts.ID, opts.Login); err != nil {
		return err
	}
	who := opts.Login
	if who == "" {
		who = f.As
	}
	return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
		return fmt.Sprintf(done, cmdutil.Sanitize(who), id)
	})
}
