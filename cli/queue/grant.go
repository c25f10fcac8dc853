package queue

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// GrantOptions are the options of 'sak queue grant'.
type GrantOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Queue   string
	Login   string
	Role    string
}

// NewCmdGrant is 'sak queue grant'.
func NewCmdGrant(f *cmdutil.Factory, runF func(*GrantOptions) error) *cobra.Command {
	opts := &GrantOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "grant NAME LOGIN --role caseworker|manager|watcher",
		Short: "Give a user a role on a queue",
		Long: `Give a user a role on a queue. Caseworkers work its tickets; managers also
grant and revoke roles on it; watchers get every notification. Sysadmins
may grant on every queue, managers on their own.`,
		Example:           "  sak queue grant support alice --role caseworker\n  sak queue grant support mona --role manager --as root",
		Args:              cmdutil.ExactArgs(2),
		ValidArgsFunction: completeQueues(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Queue, opts.Login = cmd.Context(), args[0], args[1]
			if err := validRole(opts.Role, false); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return grantRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Role, "role", "", "caseworker, manager or watcher (required)")
	_ = cmd.MarkFlagRequired("role")
	_ = cmd.RegisterFlagCompletionFunc("role", cobra.FixedCompletions(Roles, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func grantRun(opts *GrantOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	if err := d.Grant(opts.Ctx, f.As, opts.Queue, opts.Login, opts.Role); err != nil {
		return err
	}
	if f.JSON() {
		qd, err := d.QueueDetail(opts.Ctx, f.As, opts.Queue)
		if err != nil {
			return err
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, qd)
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "%s is now a %s of %s.\n", cmdutil.Sanitize(opts.Login), opts.Role, cmdutil.Sanitize(opts.Queue))
	return err
}
