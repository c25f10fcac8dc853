package ticket

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// EditOptions are the options of 'sak ticket edit'.
type EditOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	ID      int64
	Change  mailstore.TicketChange
}

// NewCmdEdit is 'sak ticket edit'.
func NewCmdEdit(f *cmdutil.Factory, runF func(*EditOptions) error) *cobra.Command {
	opts := &EditOptions{Factory: f}
	var subject, due string
	var priority, estimate int
	var noDue bool
	cmd := &cobra.Command{
		Use:   "edit ID [--subject S] [--priority N] [--due TIME | --no-due] [--estimate MINUTES]",
		Short: "Change a ticket's subject, priority, due time or estimate",
		Long: fmt.Sprintf(`Change a ticket's subject, priority, due time or estimate; what is not
given stays.
Each change is a transaction in the ticket's history, with the old and the
new value. Caseworkers of the ticket's queue may.

The subject is one line. The priority is a number from 0 to %d, as in RT
(higher is more urgent). TIME is a span from now (2d, 3h, 1w), a date
(2025-03-01: midnight at its start, local time), a local date and time
(2025-03-01 16:00), or RFC 3339; --no-due takes the due time away. The
estimate is the minutes the work should take ('sak ticket time' records
the minutes worked).

ID is the ticket's number, as 42 or #42.`, mailstore.MaxPriority),
		Example: `  sak ticket edit 42 --subject "Printer on fire in room 101"
  sak ticket edit 42 --priority 80 --due 2d
  sak ticket edit '#42' --no-due -o json
  sak ticket edit 42 --estimate 90`,
		Args:              cmdutil.ExactArgs(1),
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			opts.Ctx, opts.Change = cmd.Context(), mailstore.TicketChange{}
			fl := cmd.Flags()
			if fl.Changed("subject") {
				opts.Change.Subject = &subject
			}
			if fl.Changed("priority") {
				opts.Change.Priority = &priority
			}
			if fl.Changed("estimate") {
				opts.Change.Estimate = &estimate
			}
			switch {
			case fl.Changed("due") && noDue:
				return cmdutil.FlagErrorf("%s: give --due TIME or --no-due, not both", cmd.CommandPath())
			case fl.Changed("due"):
				at, err := cmdutil.ParseTime(due, f.Clock()(), f.Loc())
				if err != nil {
					return cmdutil.FlagErrorf("--due: %v", err)
				}
				opts.Change.Due = &at
			case noDue:
				opts.Change.Due = &time.Time{}
			}
			if opts.Change.Empty() {
				return cmdutil.FlagErrorf("%s: nothing to change: give --subject, --priority, --due, --no-due or --estimate", cmd.CommandPath())
			}
			if runF != nil {
				return runF(opts)
			}
			return editRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&subject, "subject", "", "the ticket's new subject (one line)")
	fl.IntVar(&priority, "priority", 0, fmt.Sprintf("the ticket's priority, `N` from 0 to %d (RT's range)", mailstore.MaxPriority))
	fl.StringVar(&due, "due", "", "when the ticket should be done: `TIME` as 2d, 2025-03-01, '2025-03-01 16:00' or RFC 3339")
	fl.BoolVar(&noDue, "no-due", false, "take the ticket's due time away")
	fl.IntVar(&estimate, "estimate", 0, "the `MINUTES` the work should take")
	return cmd
}

func editRun(opts *EditOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	if err := d.EditTicket(opts.Ctx, f.As, opts.ID, opts.Change); err != nil {
		return err
	}
	c := opts.Change
	var what []string
	if c.Subject != nil {
		what = append(what, fmt.Sprintf("subject %q", strings.TrimSpace(*c.Subject)))
	}
	if c.Priority != nil {
		what = append(what, fmt.Sprintf("priority %d", *c.Priority))
	}
	switch {
	case c.Due == nil:
	case c.Due.IsZero():
		what = append(what, "no due time")
	default:
		what = append(what, "due "+cmdutil.FormatTime(*c.Due, f.Loc()))
	}
	if c.Estimate != nil {
		what = append(what, "an estimate of "+minutes(*c.Estimate))
	}
	return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
		return fmt.Sprintf("Ticket %d now has %s.", id, cmdutil.Sanitize(strings.Join(what, ", ")))
	})
}
