// Package outbox holds 'sak outbox': looking at the mail sak is to send and
// requeueing what failed.
package outbox

import (
	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// NewCmdOutbox is the 'sak outbox' group.
func NewCmdOutbox(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "outbox <command>",
		Short: "Show, requeue and prune outgoing mail",
		Long: `Outgoing mail (auto-replies, answers, notifications) is written to the
outbox in the same transaction as the change that causes it, and 'sak
serve --relay' delivers it. Without a relay it waits here. Sent mail
stays until 'sak outbox prune' removes it.`,
		Example: "  sak outbox list --status failed\n  sak outbox retry 17\n  sak outbox retry --all\n  sak outbox prune --sent-before 90d",
		Args:    cmdutil.GroupArgs,
		RunE:    cmdutil.GroupRun,
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdRetry(f, nil), NewCmdPrune(f, nil))
	return cmd
}
