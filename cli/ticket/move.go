package ticket

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// MoveOptions are the options of 'sak ticket move'.
type MoveOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	ID      int64
	Queue   string
}

// NewCmdMove is 'sak ticket move'.
func NewCmdMove(f *cmdutil.Factory, runF func(*MoveOptions) error) *cobra.Command {
	opts := &MoveOptions{Factory: f}
	return &cobra.Command{
		Use:               "move ID QUEUE",
		Short:             "Move a ticket to another queue",
		Long:              "Move a ticket to another queue. The mover must be a caseworker of the\nqueue the ticket is in.",
		Example:           "  sak ticket move 42 it-help",
		Args:              cmdutil.ExactArgs(2),
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords, cmdutil.QueueWords),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			opts.Ctx, opts.Queue = cmd.Context(), args[1]
			if runF != nil {
				return runF(opts)
			}
			return moveRun(opts)
		},
	}
}

func moveRun(opts *MoveOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	if err := d.Move(opts.Ctx, f.As, opts.ID, opts.Queue); err != nil {
		return err
	}
	return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
		return fmt.Sprintf("Ticket %d moved to %s.", id, cmdutil.Sanitize(opts.Queue))
	})
}
