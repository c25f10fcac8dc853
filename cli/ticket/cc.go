package ticket

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// CcOptions are the options of 'sak ticket cc add' and 'sak ticket cc remove'.
type CcOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Add     bool // add; false removes
	ID      int64
	Addr    string
}

// NewCmdCc is the 'sak ticket cc' group: add and remove.
func NewCmdCc(f *cmdutil.Factory, runF func(*CcOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cc <command>",
		Short: "Add or remove a ticket's Ccs",
		Long: `A ticket's Ccs receive the caseworkers' answers with its requestors, and
their mail to it is correspondence. The Cc's of the mail that opened the
ticket become its Ccs; later mail changes no one (anyone can forge a
requestor's From), so caseworkers of the ticket's queue add and remove
them here. Every change is in the ticket's history.`,
		Example: `  sak ticket cc add 42 boss@example.com
  sak ticket cc remove 42 boss@example.com`,
		Args:              cmdutil.GroupArgs,
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords),
		RunE:              cmdutil.GroupRun,
	}
	cmd.AddCommand(newCmdCcVerb(f, true, runF), newCmdCcVerb(f, false, runF))
	return cmd
}

func newCmdCcVerb(f *cmdutil.Factory, add bool, runF func(*CcOptions) error) *cobra.Command {
	opts := &CcOptions{Factory: f, Add: add}
	use, short, example := "add ID ADDR", "Make an address a Cc of a ticket", "  sak ticket cc add 42 boss@example.com"
	if !add {
		use, short, example = "remove ID ADDR", "Take an address off a ticket's Ccs", "  sak ticket cc remove 42 boss@example.com -o json"
	}
	return &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    short + ". Caseworkers of the ticket's queue may.\n\nID is the ticket's number, as 42 or #42.",
		Example: example,
		Args:    cmdutil.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			opts.Ctx, opts.Addr = cmd.Context(), args[1]
			if runF != nil {
				return runF(opts)
			}
			return ccRun(opts)
		},
	}
}

func ccRun(opts *CcOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	change, done := d.AddCc, "%s is now a Cc of ticket %d."
	if !opts.Add {
		change, done = d.RemoveCc, "%s is no longer a Cc of ticket %d."
	}
	if err := change(opts.Ctx, f.As, opts.ID, opts.Addr); err != nil {
		return err
	}
	addr, _ := mailstore.CleanAddress(opts.Addr) // the store took it
	return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
		return fmt.Sprintf(done, cmdutil.Sanitize(addr), id)
	})
}
