package ticket

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// StatusVerb is one of the ticket commands that change owner or status
// with nothing more than the ticket's number.
type StatusVerb struct {
	Name  string // the command, and the mailstore action
	Short string
	Long  string
	Done  string // confirmation: %[1]d the ticket, %[2]s the acting user
}

// StatusVerbs are take, steal, untake, resolve, reject, stall and open.
var StatusVerbs = []StatusVerb{
	{Name: "take", Short: "Become the owner of an unowned ticket",
		Long: "Become the owner of a ticket nobody owns. If someone owns it already, this\nfails: use 'sak ticket steal' to take it from them.",
		Done: "Ticket %[1]d taken by %[2]s."},
	{Name: "steal", Short: "Take a ticket from its owner",
		Long: "Become the owner of a ticket someone else owns. Caseworkers of the\nticket's queue may.",
		Done: "Ticket %[1]d stolen by %[2]s."},
	{Name: "untake", Short: "Leave a ticket with no owner",
		Long: "Give a ticket back to its queue: nobody owns it afterwards. Its owner may, and,\nas for 'sak ticket steal', caseworkers of the ticket's queue.",
		Done: "Ticket %[1]d has no owner now."},
	{Name: "resolve", Short: "Mark a ticket resolved",
		Long: "Mark a ticket resolved. A requestor's mail to a resolved ticket reopens it.",
		Done: "Ticket %[1]d resolved."},
	{Name: "reject", Short: "Mark a ticket rejected",
		Long: "Mark a ticket rejected: closed without being done (spam, misdirected).",
		Done: "Ticket %[1]d rejected."},
	{Name: "stall", Short: "Mark a ticket stalled",
		Long: "Mark a ticket stalled: waiting on something. A requestor's mail reopens it.",
		Done: "Ticket %[1]d stalled."},
	{Name: "open", Short: "Mark a ticket open",
		Long: "Mark a ticket open: being worked on, or reopened after resolve or stall.",
		Done: "Ticket %[1]d opened."},
}

// StatusOptions are the options of the StatusVerbs.
type StatusOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Verb    StatusVerb
	IDs     []int64
}

// NewCmdStatus makes the command for one of StatusVerbs.
func NewCmdStatus(f *cmdutil.Factory, v StatusVerb, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Factory: f, Verb: v}
	return &cobra.Command{
		Use:   v.Name + " ID...",
		Short: v.Short,
		Long: v.Long + "\n\nID is the ticket's number, as 42 or #42. Several tickets are each changed in\n" +
			"a transaction of their own, a line for each; if any fails, the others are\nchanged all the same and sak exits 1.",
		Example: fmt.Sprintf("  sak ticket %[1]s 42\n  sak ticket %[1]s '#42' -o json\n  sak ticket %[1]s 10 11 12", v.Name),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("%s: missing ID", cmd.CommandPath())
			}
			return nil
		},
		ValidArgsFunction: f.Complete(-1, cmdutil.TicketWords),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs = nil
			for _, a := range args {
				id, err := cmdutil.ParseTicketID(a)
				if err != nil {
					return err
				}
				opts.IDs = append(opts.IDs, id)
			}
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return statusRun(opts)
		},
	}
}

func statusRun(opts *StatusOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	change := func(id int64) error {
		if err := d.Act(opts.Ctx, f.As, id, opts.Verb.Name); err != nil {
			return err
		}
		return afterChange(opts.Ctx, f, d, id, func(id int64) string {
			return fmt.Sprintf(opts.Verb.Done, id, cmdutil.Sanitize(f.As))
		})
	}
	if len(opts.IDs) == 1 {
		return change(opts.IDs[0])
	}
	// Several: each its own change; the failures are told as they come.
	failed := 0
	if f.JSON() {
		var ts []*mailstore.Ticket
		for _, id := range opts.IDs {
			err := d.Act(opts.Ctx, f.As, id, opts.Verb.Name)
			var t *mailstore.Ticket
			if err == nil {
				var now int64
				if now, err = d.Resolve(opts.Ctx, f.As, id); err == nil {
					t, err = d.Ticket(opts.Ctx, f.As, now)
				}
			}
			if err != nil {
				failed++
				fmt.Fprintf(f.IOStreams.ErrOut, "sak: ticket %d: %s\n", id, cmdutil.Sanitize(err.Error()))
				continue
			}
			ts = append(ts, t)
		}
		if ts == nil {
			ts = []*mailstore.Ticket{}
		}
		if err := cmdutil.PrintJSON(f.IOStreams.Out, ts); err != nil {
			return err
		}
	} else {
		for _, id := range opts.IDs {
			if err := change(id); err != nil {
				if errors.Is(err, context.Canceled) {
					return err
				}
				failed++
				fmt.Fprintf(f.IOStreams.ErrOut, "sak: ticket %d: %s\n", id, cmdutil.Sanitize(err.Error()))
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d tickets not changed", failed, len(opts.IDs))
	}
	return nil
}
