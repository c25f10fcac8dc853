package ticket

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// MergeOptions are the options of 'sak ticket merge'.
type MergeOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	ID      int64
	Into    int64
}

// NewCmdMerge is 'sak ticket merge'.
func NewCmdMerge(f *cmdutil.Factory, runF func(*MergeOptions) error) *cobra.Command {
	opts := &MergeOptions{Factory: f}
	return &cobra.Command{
		Use:   "merge ID INTO",
		Short: "Merge a ticket into another",
		Long: `Merge ticket ID into ticket INTO: its requestors and Ccs join INTO, mail to
ID threads to INTO from now on, and both histories show as one. You must
be a caseworker of both tickets' queues.`,
		Example:           "  sak ticket merge 43 42",
		Args:              cmdutil.ExactArgs(2),
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords, cmdutil.TicketWords),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			if opts.Into, err = cmdutil.ParseTicketID(args[1]); err != nil {
				return err
			}
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return mergeRun(opts)
		},
	}
}

func mergeRun(opts *MergeOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	if err := d.Merge(opts.Ctx, f.As, opts.ID, opts.Into); err != nil {
		return err
	}
	into, err := d.Resolve(opts.Ctx, f.As, opts.Into)
	if err != nil {
		return err
	}
	if f.JSON() {
		t, err := d.Ticket(opts.Ctx, f.As, into)
		if err != nil {
			return err
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, t)
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "Ticket %d merged into %d.\n", opts.ID, into)
	return err
}
