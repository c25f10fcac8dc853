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
		NewCmdSet(f, nil), NewCmdTemplate(f), NewCmdDisable(f, nil), NewCmdEnable(f, nil))
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

// completeQueues completes a queue's name as the first argument.
func completeQueues(f *cmdutil.Factory) cobra.CompletionFunc {
	return f.Complete(0, cmdutil.QueueWords)
}
