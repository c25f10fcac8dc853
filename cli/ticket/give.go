package ticket

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// GiveOptions are the options of 'sak ticket give'.
type GiveOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	ID      int64
	Login   string
}

// NewCmdGive is 'sak ticket give'.
func NewCmdGive(f *cmdutil.Factory, runF func(*GiveOptions) error) *cobra.Command {
	opts := &GiveOptions{Factory: f}
	return &cobra.Command{
		Use:               "give ID LOGIN",
		Short:             "Make another caseworker the owner of a ticket",
		Long:              "Make another caseworker of the ticket's queue its owner.",
		Example:           "  sak ticket give 42 bob",
		Args:              cmdutil.ExactArgs(2),
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords, cmdutil.LoginWords),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			opts.Ctx, opts.Login = cmd.Context(), args[1]
			if runF != nil {
				return runF(opts)
			}
			return giveRun(opts)
		},
	}
}

func giveRun(opts *GiveOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	if err := d.Give(opts.Ctx, f.As, opts.ID, opts.Login); err != nil {
		return err
	}
	return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
		return fmt.Sprintf("Ticket %d given to %s.", id, cmdutil.Sanitize(opts.Login))
	})
}
