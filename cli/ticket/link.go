package ticket

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// LinkOptions are the options of 'sak ticket link' and 'sak ticket unlink'.
type LinkOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Add     bool // link; false unlinks
	ID      int64
	Type    string // mailstore.LinkTypes
	Other   int64
}

// linkFlags are the flags that name a link's type and other ticket, and
// what a sentence says of each.
var linkFlags = []struct{ flag, typ, says, unsays, help string }{
	{"depends-on", mailstore.LinkDependsOn, "depends on", "no longer depends on", "the ticket depends on ticket `OTHER` (RT's DependsOn)"},
	{"refers-to", mailstore.LinkRefersTo, "refers to", "no longer refers to", "the ticket refers to ticket `OTHER` (RT's RefersTo)"},
	{"parent", mailstore.LinkMemberOf, "is a member of", "is no longer a member of", "ticket `OTHER` is the ticket's parent: it is a member of OTHER (RT's MemberOf)"},
}

// NewCmdLink is 'sak ticket link'.
func NewCmdLink(f *cmdutil.Factory, runF func(*LinkOptions) error) *cobra.Command {
	return newCmdLink(f, true, runF)
}

// NewCmdUnlink is 'sak ticket unlink'.
func NewCmdUnlink(f *cmdutil.Factory, runF func(*LinkOptions) error) *cobra.Command {
	return newCmdLink(f, false, runF)
}

func newCmdLink(f *cmdutil.Factory, add bool, runF func(*LinkOptions) error) *cobra.Command {
	opts := &LinkOptions{Factory: f, Add: add}
	others := make([]string, len(linkFlags))
	verb, short, long := "link", "Link a ticket to another",
		`Link a ticket to another: it depends on the other, refers to it, or is a
member of it (the other is its parent). 'sak ticket show' shows the link on
both tickets. Caseworkers of the ticket's queue may, when they see the
other ticket; a link that exists already is left as it is.`
	if !add {
		verb, short, long = "unlink", "Take a link between tickets away",
			"Take away a link that 'sak ticket link' made, given as it was made.\nCaseworkers of the ticket's queue may."
	}
	cmd := &cobra.Command{
		Use:               verb + " ID (--depends-on | --refers-to | --parent) OTHER",
		Short:             short,
		Long:              long + "\n\nID and OTHER are ticket numbers, as 42 or #42.",
		Example:           fmt.Sprintf("  sak ticket %[1]s 42 --depends-on 40\n  sak ticket %[1]s 42 --parent 7 -o json", verb),
		Args:              cmdutil.ExactArgs(1),
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			opts.Ctx, opts.Type = cmd.Context(), ""
			for i, l := range linkFlags {
				if !cmd.Flags().Changed(l.flag) {
					continue
				}
				if opts.Type != "" {
					return cmdutil.FlagErrorf("%s: give one of --depends-on, --refers-to and --parent", cmd.CommandPath())
				}
				if opts.Other, err = cmdutil.ParseTicketID(others[i]); err != nil {
					return err
				}
				opts.Type = l.typ
			}
			if opts.Type == "" {
				return cmdutil.FlagErrorf("%s: missing the other ticket: give --depends-on, --refers-to or --parent OTHER", cmd.CommandPath())
			}
			if runF != nil {
				return runF(opts)
			}
			return linkRun(opts)
		},
	}
	for i, l := range linkFlags {
		cmd.Flags().StringVar(&others[i], l.flag, "", l.help)
	}
	return cmd
}

func linkRun(opts *LinkOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	says, unsays := "", ""
	for _, l := range linkFlags {
		if l.typ == opts.Type {
			says, unsays = l.says, l.unsays
		}
	}
	change, done := d.LinkTicket, "Ticket %d %s #%d now."
	if !opts.Add {
		change, done, says = d.UnlinkTicket, "Ticket %d %s #%d.", unsays
	}
	err = change(opts.Ctx, f.As, opts.ID, opts.Type, opts.Other)
	if opts.Add && errors.Is(err, mailstore.ErrConflict) {
		// There already: nothing to do, and nothing wrong.
		done = "Ticket %d %s #%d already: nothing changed."
		err = nil
	}
	if err != nil {
		return err
	}
	return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
		return fmt.Sprintf(done, id, says, opts.Other)
	})
}
