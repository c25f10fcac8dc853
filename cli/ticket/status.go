package ticket

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// StatusVerb is one of the ticket commands that change owner or status
// with nothing more than the ticket's number.
type StatusVerb struct {
	Name  string // the command, and the mailstore action
	Short string
	Long  string
	Done  string // confirmation: %[1]d the ticket, %[2]s the acting user
}

// StatusVerbs are take, steal, resolve, reject, stall and open.
var StatusVerbs = []StatusVerb{
	{Name: "take", Short: "Become the owner of an unowned ticket",
		Long: "Become the owner of a ticket nobody owns. If someone owns it already, this\nfails: use 'sak ticket steal' to take it from them.",
		Done: "Ticket %[1]d taken by %[2]s."},
	{Name: "steal", Short: "Take a ticket from its owner",
		Long: "Become the owner of a ticket someone else owns. Caseworkers of the\nticket's queue may.",
		Done: "Ticket %[1]d stolen by %[2]s."},
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
	ID      int64
}

// NewCmdStatus makes the command for one of StatusVerbs.
func NewCmdStatus(f *cmdutil.Factory, v StatusVerb, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Factory: f, Verb: v}
	return &cobra.Command{
		Use:     v.Name + " ID",
		Short:   v.Short,
		Long:    v.Long + "\n\nID is the ticket's number, as 42 or #42.",
		Example: fmt.Sprintf("  sak ticket %[1]s 42\n  sak ticket %[1]s '#42' -o json", v.Name),
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
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
	if err := d.Act(opts.Ctx, f.As, opts.ID, opts.Verb.Name); err != nil {
		return err
	}
	return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
		return fmt.Sprintf(opts.Verb.Done, id, cmdutil.Sanitize(f.As))
	})
}
