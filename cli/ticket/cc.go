package ticket

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// CcOptions are the options of 'sak ticket cc add|remove' and 'sak ticket
// requestor add|remove'.
type CcOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Add     bool // add; false removes
	ID      int64
	Addr    string
	role    *peopleRole
}

// peopleRole is a role people hold on a ticket that a command group adds
// them to and removes them from.
type peopleRole struct {
	cmd, name, plural string // "cc", "Cc", "Ccs"
	long              string
	example           string // an address
	add, remove       func(d cmdutil.Desk) func(ctx context.Context, as string, id int64, addr string) error
}

var ccRole = &peopleRole{cmd: "cc", name: "Cc", plural: "Ccs", example: "boss@example.com",
	long: `A ticket's Ccs receive the caseworkers' answers with its requestors, and
their mail to it is correspondence. The Cc's of the mail that opened the
ticket become its Ccs; later mail changes no one (anyone can forge a
requestor's From), so caseworkers of the ticket's queue add and remove
them here. Every change is in the ticket's history.`,
	add:    func(d cmdutil.Desk) func(context.Context, string, int64, string) error { return d.AddCc },
	remove: func(d cmdutil.Desk) func(context.Context, string, int64, string) error { return d.RemoveCc },
}

// NewCmdCc is the 'sak ticket cc' group: add and remove.
func NewCmdCc(f *cmdutil.Factory, runF func(*CcOptions) error) *cobra.Command {
	return newCmdPeople(f, ccRole, runF)
}

func newCmdPeople(f *cmdutil.Factory, r *peopleRole, runF func(*CcOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   r.cmd + " <command>",
		Short: "Add or remove a ticket's " + r.plural,
		Long:  r.long,
		Example: fmt.Sprintf(`  sak ticket %s add 42 %s
  sak ticket %[1]s remove 42 %[2]s`, r.cmd, r.example),
		Args:              cmdutil.GroupArgs,
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords),
		RunE:              cmdutil.GroupRun,
	}
	cmd.AddCommand(newCmdPeopleVerb(f, r, true, runF), newCmdPeopleVerb(f, r, false, runF))
	return cmd
}

func newCmdPeopleVerb(f *cmdutil.Factory, r *peopleRole, add bool, runF func(*CcOptions) error) *cobra.Command {
	opts := &CcOptions{Factory: f, Add: add, role: r}
	use, short, example := "add ID ADDR", "Make an address a "+r.name+" of a ticket", fmt.Sprintf("  sak ticket %s add 42 %s", r.cmd, r.example)
	if !add {
		use, short, example = "remove ID ADDR", "Take an address off a ticket's "+r.plural, fmt.Sprintf("  sak ticket %s remove 42 %s -o json", r.cmd, r.example)
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
			return peopleRun(opts)
		},
	}
}

func peopleRun(opts *CcOptions) error {
	f, r := opts.Factory, opts.role
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	change, done := r.add(d), "%s is now a %s of ticket %d."
	if !opts.Add {
		change, done = r.remove(d), "%s is no longer a %s of ticket %d."
	}
	if err := change(opts.Ctx, f.As, opts.ID, opts.Addr); err != nil {
		return err
	}
	addr, _ := mailstore.CleanAddress(opts.Addr) // the store took it
	return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
		return fmt.Sprintf(done, cmdutil.Sanitize(addr), r.name, id)
	})
}
