// Package queue holds 'sak queue': queues, their addresses and who works
// them.
package queue

import (
	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// NewCmdQueue is the 'sak queue' group.
func NewCmdQueue(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "queue <command>",
		Short:   "Manage queues and their caseworkers",
		Example: "  sak queue create support --address support@example.org\n  sak queue grant support alice --role caseworker\n  sak queue show support",
		Args:    cmdutil.GroupArgs,
		RunE:    cmdutil.GroupRun,
	}
	cmd.AddCommand(NewCmdCreate(f, nil), NewCmdList(f, nil), NewCmdShow(f, nil), NewCmdGrant(f, nil), NewCmdRevoke(f, nil),
		NewCmdSet(f, nil), NewCmdTemplate(f))
	return cmd
}

// Roles lists the queue roles, for flag completion and checks.
var Roles = []string{mailstore.RoleCaseworker, mailstore.RoleManager, mailstore.RoleWatcher}

func validRole(role string, empty bool) error {
	if role == "" && empty {
		return nil
	}
	for _, r := range Roles {
		if r == role {
			return nil
		}
	}
	return cmdutil.FlagErrorf("invalid role %q: use caseworker, manager or watcher", role)
}

// completeQueues completes queue names from the database.
func completeQueues(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		// Completing only reads: no migration of a new database, and no
		// word about it on the terminal mid-line.
		s, err := f.RawStore(cmd.Context())
		if err != nil || s.CheckSchema(cmd.Context()) != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		qs, err := s.Queues(cmd.Context())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var names []string
		for _, q := range qs {
			names = append(names, q.Name)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}
