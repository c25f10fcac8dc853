package group

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// MembersOptions are the options of 'sak group add' and 'sak group
// remove'.
type MembersOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Group   string
	Logins  []string
	Add     bool
}

// NewCmdAdd is 'sak group add'.
func NewCmdAdd(f *cmdutil.Factory, runF func(*MembersOptions) error) *cobra.Command {
	return newCmdMembers(f, runF, true, &cobra.Command{
		Use:   "add NAME LOGIN...",
		Short: "Add users to a group",
		Long: `Add users to a group: they hold the group's queue roles from now on. All
or none: an unknown or disabled login, or one already a member, adds
nobody. Sysadmins may, and the managers of every queue the group holds a
role on.`,
		Example: "  sak group add opptak-team alice bob",
	})
}

// NewCmdRemove is 'sak group remove'.
func NewCmdRemove(f *cmdutil.Factory, runF func(*MembersOptions) error) *cobra.Command {
	return newCmdMembers(f, runF, false, &cobra.Command{
		Use:   "remove NAME LOGIN...",
		Short: "Remove users from a group",
		Long: `Remove users from a group: the group's queue roles are theirs no longer,
at once. All or none, and who may, as for 'sak group add'.`,
		Example: "  sak group remove opptak-team bob",
	})
}

func newCmdMembers(f *cmdutil.Factory, runF func(*MembersOptions) error, add bool, cmd *cobra.Command) *cobra.Command {
	opts := &MembersOptions{Factory: f, Add: add}
	cmd.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) < 2 {
			return cmdutil.FlagErrorf("%s: takes a group's NAME and at least one LOGIN", cmd.CommandPath())
		}
		return nil
	}
	cmd.ValidArgsFunction = f.Complete(1, cmdutil.LoginWords)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		opts.Ctx, opts.Group, opts.Logins = cmd.Context(), args[0], args[1:]
		if runF != nil {
			return runF(opts)
		}
		return membersRun(opts)
	}
	return cmd
}

func membersRun(opts *MembersOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	change, verb := d.RemoveGroupMembers, "Removed %s from group %s.\n"
	if opts.Add {
		change, verb = d.AddGroupMembers, "Added %s to group %s.\n"
	}
	g, err := change(opts.Ctx, f.As, opts.Group, opts.Logins)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, g)
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, verb, cmdutil.Sanitize(strings.Join(opts.Logins, ", ")), cmdutil.Sanitize(g.Name))
	return err
}
