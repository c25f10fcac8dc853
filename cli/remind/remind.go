// Package remind holds 'sak ticket remind' and 'sak ticket reminders':
// reminders a caseworker gets by mail about a ticket at a given time, and
// the parser of the times and durations people type.
package remind

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// RemindOptions are the options of 'sak ticket remind'.
type RemindOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	ID      int64
	At      time.Time
	To      string // login; "" for the acting user
	Text    string
	Done    int64 // a reminder to mark done instead
}

// NewCmdRemind is 'sak ticket remind'.
func NewCmdRemind(f *cmdutil.Factory, runF func(*RemindOptions) error) *cobra.Command {
	opts := &RemindOptions{Factory: f}
	var at string
	cmd := &cobra.Command{
		Use:   "remind ID (--at TIME [--to LOGIN] TEXT... | --done REMINDER)",
		Short: "Get a reminder about a ticket by mail, or mark one done",
		Long: `Set a reminder on a ticket: at TIME, 'sak serve' mails TEXT to you, or to
another caseworker of the ticket's queue with --to, once. The reminder stays
open until someone marks it done with --done; 'sak ticket reminders' lists
them.

TIME is a span from now (2d, 3h, 90m, 1w, 1d12h), a date (2025-03-01: the
reminder is mailed at midnight at its start, local time, so it is waiting in
the morning), a local date and time (2025-03-01 09:00), or RFC 3339.`,
		Example: `  sak ticket remind 42 --at 2d "Call Pat if no answer"
  sak ticket remind 42 --at "2025-03-01 09:00" --to bob Check that the toner arrived
  sak ticket remind 42 --done 7`,
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("%s: missing ID", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			opts.Ctx = cmd.Context()
			opts.Text = strings.TrimSpace(strings.Join(args[1:], " "))
			if cmd.Flags().Changed("done") {
				if at != "" || opts.To != "" || opts.Text != "" {
					return cmdutil.FlagErrorf("--done takes no --at, --to or TEXT")
				}
				if opts.Done <= 0 {
					return cmdutil.FlagErrorf("--done: %d is not a reminder number", opts.Done)
				}
			} else {
				if at == "" {
					return cmdutil.FlagErrorf("%s: missing --at TIME (or --done REMINDER)", cmd.CommandPath())
				}
				if opts.Text == "" {
					return cmdutil.FlagErrorf("%s: missing TEXT: say what to be reminded of", cmd.CommandPath())
				}
				now := f.Clock()
				if opts.At, err = cmdutil.ParseTime(at, now(), f.Loc()); err != nil {
					return cmdutil.FlagErrorf("--at: %v", err)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return remindRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&at, "at", "", "when to remind: `TIME` as 2d, 3h, 2025-03-01, '2025-03-01 09:00' or RFC 3339")
	fl.StringVar(&opts.To, "to", "", "remind this caseworker (`LOGIN`) instead of yourself")
	fl.Int64Var(&opts.Done, "done", 0, "mark reminder number `REMINDER` on the ticket done")
	return cmd
}

func remindRun(opts *RemindOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	ios := f.IOStreams
	if opts.Done != 0 {
		if err := d.DoneReminder(opts.Ctx, f.As, opts.ID, opts.Done); err != nil {
			return err
		}
		if f.JSON() {
			rs, err := d.Reminders(opts.Ctx, f.As, mailstore.ReminderFilter{Ticket: opts.ID})
			if err != nil {
				return err
			}
			for _, r := range rs {
				if r.ID == opts.Done {
					return cmdutil.PrintJSON(ios.Out, r)
				}
			}
			return fmt.Errorf("reminder %d vanished", opts.Done)
		}
		_, err := fmt.Fprintf(ios.Out, "Reminder %d on ticket %d marked done.\n", opts.Done, opts.ID)
		return err
	}
	r, err := d.AddReminder(opts.Ctx, f.As, opts.ID, opts.At, opts.To, opts.Text)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(ios.Out, r)
	}
	now := f.Clock()
	if r.Due.Before(now()) {
		fmt.Fprintf(ios.ErrOut, "The time %s has passed: the reminder is mailed at once.\n", cmdutil.FormatTime(r.Due, f.Loc()))
	}
	_, err = fmt.Fprintf(ios.Out, "Reminder %d on ticket %d: %s will be mailed at %s.\n", r.ID, r.TicketID, cmdutil.Sanitize(r.To), cmdutil.FormatTime(r.Due, f.Loc()))
	return err
}

// RemindersOptions are the options of 'sak ticket reminders'.
type RemindersOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Mine    bool
	All     bool
	Ticket  int64
}

// NewCmdReminders is 'sak ticket reminders'.
func NewCmdReminders(f *cmdutil.Factory, runF func(*RemindersOptions) error) *cobra.Command {
	opts := &RemindersOptions{Factory: f}
	var ticket string
	cmd := &cobra.Command{
		Use:   "reminders [--mine] [--ticket ID] [--all]",
		Short: "List reminders that are not done, by due time",
		Long: `List the reminders that are not done yet, the soonest due first: those
mailed already (SENT) wait for someone to mark them done with
'sak ticket remind ID --done REMINDER'.`,
		Example: `  sak ticket reminders --mine
  sak ticket reminders --ticket 42 --all -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if ticket != "" {
				var err error
				if opts.Ticket, err = cmdutil.ParseTicketID(ticket); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return remindersRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Mine, "mine", false, "only reminders for you")
	fl.BoolVar(&opts.All, "all", false, "include reminders that are done")
	fl.StringVar(&ticket, "ticket", "", "only reminders on ticket `ID`")
	return cmd
}

func remindersRun(opts *RemindersOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	fl := mailstore.ReminderFilter{Open: !opts.All, Ticket: opts.Ticket}
	if opts.Mine {
		if f.As == "" {
			return fmt.Errorf("--mine needs to know who you are: give --as LOGIN or set SAK_USER")
		}
		fl.User = f.As
	}
	rs, err := d.Reminders(opts.Ctx, f.As, fl)
	if err != nil {
		return err
	}
	ios := f.IOStreams
	if f.JSON() {
		return cmdutil.PrintJSON(ios.Out, rs)
	}
	if len(rs) == 0 {
		_, err := fmt.Fprintln(ios.ErrOut, "No reminders.")
		return err
	}
	t := cmdutil.NewTable(ios,
		cmdutil.Column{Header: "ID", Right: true},
		cmdutil.Column{Header: "TICKET", Right: true},
		cmdutil.Column{Header: "TO", Max: 12},
		cmdutil.Column{Header: "DUE"},
		cmdutil.Column{Header: "STATE"},
		cmdutil.Column{Header: "TEXT", Flex: true, Min: 20},
	)
	for _, r := range rs {
		state := "waiting"
		switch {
		case r.Done:
			state = "done"
		case r.Sent != nil:
			state = "sent"
		}
		t.AddRow(fmt.Sprint(r.ID), fmt.Sprint(r.TicketID), r.To, cmdutil.FormatTime(r.Due, f.Loc()), state, r.Text)
	}
	return t.Render(ios.Out)
}
