package queue

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// RevokeOptions are the options of 'sak queue revoke'.
type RevokeOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Queue   string
	Login   string
	Group   string
	Role    string // "" for every role
}

// NewCmdRevoke is 'sak queue revoke'.
func NewCmdRevoke(f *cmdutil.Factory, runF func(*RevokeOptions) error) *cobra.Command {
	opts := &RevokeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "revoke NAME [LOGIN] [--group GROUP] [--role ROLE]",
		Short: "Take a role on a queue from a user or a group",
		Long: `Take a role on a queue from a user or a group (--group), or every role they
hold on it when --role is not given. Who may is as for 'sak queue grant'.`,
		Example:           "  sak queue revoke support bob\n  sak queue revoke support mona --role manager\n  sak queue revoke support --group opptak-team",
		Args:              granteeArgs(&opts.Group),
		ValidArgsFunction: completeQueues(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Queue = cmd.Context(), args[0]
			if len(args) > 1 {
				opts.Login = args[1]
			}
			if err := validRole(opts.Role, true); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return revokeRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Role, "role", "", "caseworker, manager or watcher (default every role)")
	cmd.Flags().StringVar(&opts.Group, "group", "", "take the role from this group instead of a user")
	_ = cmd.RegisterFlagCompletionFunc("role", cobra.FixedCompletions(Roles, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func revokeRun(opts *RevokeOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	if err := d.RevokeRole(opts.Ctx, f.As, opts.Queue, mailstore.RoleGrant{User: opts.Login, Group: opts.Group, Role: opts.Role}); err != nil {
		return err
	}
	if f.JSON() {
		qd, err := d.QueueDetail(opts.Ctx, f.As, opts.Queue)
		if err != nil {
			return err
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, qd)
	}
	if opts.Role == "" {
		_, err = fmt.Fprintf(f.IOStreams.Out, "%s has no role on %s any more.\n", granteeName(opts.Login, opts.Group), cmdutil.Sanitize(opts.Queue))
	} else {
		_, err = fmt.Fprintf(f.IOStreams.Out, "%s is no longer a %s of %s.\n", granteeName(opts.Login, opts.Group), opts.Role, cmdutil.Sanitize(opts.Queue))
	}
	return err
}
