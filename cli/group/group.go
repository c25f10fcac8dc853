// Package group holds 'sak group': named sets of users, to whom queue
// roles are granted ('sak queue grant NAME --group GROUP').
package group

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// NewCmdGroup is the 'sak group' group.
func NewCmdGroup(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "group <command>",
		Short: "Manage groups of users, to grant queue roles to",
		Example: "  sak group create opptak-team --description 'Opptak'\n  sak group add opptak-team alice bob\n" +
			"  sak queue grant support --group opptak-team --role caseworker",
		Args: cmdutil.GroupArgs,
		RunE: cmdutil.GroupRun,
	}
	cmd.AddCommand(NewCmdCreate(f, nil), NewCmdAdd(f, nil), NewCmdRemove(f, nil), NewCmdList(f, nil), NewCmdShow(f, nil))
	return cmd
}

// roles is a group's roles as "caseworker of support, watcher of it-help".
func roles(g *mailstore.Group) string {
	var rs []string
	for _, r := range g.Roles {
		s := r.Role + " of " + r.Queue
		if r.Notify == mailstore.NotifyNew {
			s += " (new tickets)"
		}
		rs = append(rs, s)
	}
	return strings.Join(rs, ", ")
}

// printGroup prints a group's name, description, roles and members.
func printGroup(f *cmdutil.Factory, g *mailstore.Group) error {
	out := f.IOStreams.Out
	c := cmdutil.Color{Enabled: f.IOStreams.Color}
	fmt.Fprintln(out, c.Bold("Group "+cmdutil.Sanitize(g.Name)))
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(out, "%-13s%s\n", name+":", cmdutil.Sanitize(value))
		}
	}
	field("Description", g.Description)
	field("Roles", roles(g))
	field("Created", cmdutil.FormatTime(g.Created, f.Loc()))
	if len(g.Members) == 0 {
		_, err := fmt.Fprintf(out, "\nNo members yet: add some with 'sak group add %s LOGIN...'.\n", cmdutil.Sanitize(g.Name))
		return err
	}
	_, err := fmt.Fprintf(out, "Members:     %s\n", cmdutil.Sanitize(strings.Join(g.Members, ", ")))
	return err
}
