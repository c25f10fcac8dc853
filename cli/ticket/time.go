package ticket

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// TimeOptions are the options of 'sak ticket time'.
type TimeOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	ID      int64
	Minutes int
	Comment string
}

// NewCmdTime is 'sak ticket time'.
func NewCmdTime(f *cmdutil.Factory, runF func(*TimeOptions) error) *cobra.Command {
	opts := &TimeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "time ID MINUTES [--comment TEXT]",
		Short: "Record minutes worked on a ticket",
		Long: `Record minutes worked on a ticket: they add up in its time worked, which
'sak ticket show' shows, and each entry is a transaction in its history,
with the comment. A negative number corrects an earlier entry. Caseworkers
of the ticket's queue may.

ID is the ticket's number, as 42 or #42.`,
		Example: `  sak ticket time 42 30 --comment "Replaced the drum"
  sak ticket time 42 -- -15`,
		Args:              cmdutil.ExactArgs(2),
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			if opts.Minutes, err = strconv.Atoi(args[1]); err != nil {
				return cmdutil.FlagErrorf("%s: MINUTES is a whole number of minutes, as 30, not %q", cmd.CommandPath(), args[1])
			}
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return timeRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Comment, "comment", "", "what the time went to (one line)")
	return cmd
}

func timeRun(opts *TimeOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	if err := d.AddTime(opts.Ctx, f.As, opts.ID, opts.Minutes, opts.Comment); err != nil {
		return err
	}
	t, err := d.Ticket(opts.Ctx, f.As, opts.ID)
	if err != nil {
		return err
	}
	return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
		return fmt.Sprintf("Ticket %d has %s worked now.", id, minutes(t.TimeWorked))
	})
}
