package queue

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// GrantOptions are the options of 'sak queue grant'.
type GrantOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Queue   string
	Login   string
	Group   string
	Role    string
	Notify  string
}

// NewCmdGrant is 'sak queue grant'.
func NewCmdGrant(f *cmdutil.Factory, runF func(*GrantOptions) error) *cobra.Command {
	opts := &GrantOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "grant NAME [LOGIN] [--group GROUP] --role caseworker|manager|watcher",
		Short: "Give a user or a group a role on a queue",
		Long: `Give a user, or a group (--group), a role on a queue. Caseworkers work its
tickets; managers also grant and revoke roles on it and manage the groups
granted a role on it; watchers are told of new tickets and, unless granted
with --notify new, get a copy of the correspondence on its tickets. A
group's members hold its roles while they are members. Sysadmins may
grant on every queue, managers on their own. Granted again, a watcher's
--notify changes.`,
		Example: "  sak queue grant support alice --role caseworker\n  sak queue grant support --group opptak-team --role caseworker\n" +
			"  sak queue grant support walt --role watcher --notify new\n  sak queue grant support mona --role manager --as root",
		Args:              granteeArgs(&opts.Group),
		ValidArgsFunction: completeQueues(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Queue = cmd.Context(), args[0]
			if len(args) > 1 {
				opts.Login = args[1]
			}
			if err := validRole(opts.Role, false); err != nil {
				return err
			}
			if err := validNotify(opts.Notify, opts.Role); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return grantRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Role, "role", "", "caseworker, manager or watcher (required)")
	cmd.Flags().StringVar(&opts.Group, "group", "", "grant the role to this group instead of a user")
	cmd.Flags().StringVar(&opts.Notify, "notify", "", "for a watcher: all (new tickets and correspondence, the default) or new (new tickets)")
	_ = cmd.MarkFlagRequired("role")
	_ = cmd.RegisterFlagCompletionFunc("role", cobra.FixedCompletions(Roles, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("notify", cobra.FixedCompletions([]string{mailstore.NotifyAll, mailstore.NotifyNew}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func grantRun(opts *GrantOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	g := mailstore.RoleGrant{User: opts.Login, Group: opts.Group, Role: opts.Role, Notify: opts.Notify}
	if err := d.GrantRole(opts.Ctx, f.As, opts.Queue, g); err != nil {
		return err
	}
	if f.JSON() {
		qd, err := d.QueueDetail(opts.Ctx, f.As, opts.Queue)
		if err != nil {
			return err
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, qd)
	}
	told := ""
	if opts.Notify == mailstore.NotifyNew {
		told = ", told of new tickets only"
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "%s is now a %s of %s%s.\n", granteeName(opts.Login, opts.Group), opts.Role, cmdutil.Sanitize(opts.Queue), told)
	return err
}

// granteeArgs takes NAME LOGIN, or NAME alone with --group.
func granteeArgs(group *string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return cmdutil.FlagErrorf("%s: missing NAME", cmd.CommandPath())
		case *group != "" && len(args) > 1:
			return cmdutil.FlagErrorf("%s: name a user or a --group, not both", cmd.CommandPath())
		case *group == "" && len(args) == 1:
			return cmdutil.FlagErrorf("%s: missing LOGIN (or --group GROUP)", cmd.CommandPath())
		case len(args) > 2:
			return cmdutil.FlagErrorf("%s: too many arguments: takes NAME LOGIN, got %d", cmd.CommandPath(), len(args))
		}
		return nil
	}
}

// granteeName is how a message names the user or group.
func granteeName(login, group string) string {
	if group != "" {
		return "Group " + cmdutil.Sanitize(group)
	}
	return cmdutil.Sanitize(login)
}

func validNotify(notify, role string) error {
	switch {
	case notify == "":
		return nil
	case notify != mailstore.NotifyAll && notify != mailstore.NotifyNew:
		return cmdutil.FlagErrorf("invalid --notify %q: use all or new", notify)
	case role != mailstore.RoleWatcher:
		return cmdutil.FlagErrorf("--notify is for watchers: use it with --role watcher")
	}
	return nil
}
