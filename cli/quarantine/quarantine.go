// Package quarantine holds 'sak quarantine': mail held back as spam or over
// the part limits, for its queue's caseworkers and managers (or a
// sysadmin) to look at, release into the queue or drop.
package quarantine

import (
	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// NewCmdQuarantine is the 'sak quarantine' group.
func NewCmdQuarantine(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "quarantine <command>",
		Short: "Look at, release or drop mail held back as spam",
		Long: `Mail that the MTA's spam filter marked (X-Spam-Flag, X-Spam-Status,
X-Spam, X-Spamd-Result over the score limit), or that has more parts than
sak accepts, is held in the quarantine instead of becoming a ticket, and
gets no auto-reply. Released mail threads as if it had just arrived.

Those who hold a role on a queue the mail was sent to see it; its
caseworkers and managers release or drop it, and sysadmins any mail.
The commands work on the database, on the server.`,
		Example: "  sak quarantine list\n  sak quarantine show 3\n  sak quarantine release 3\n  sak quarantine drop 4",
		Args:    cmdutil.GroupArgs,
		RunE:    cmdutil.GroupRun,
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdShow(f, nil), NewCmdDecide(f, "release", nil), NewCmdDecide(f, "drop", nil))
	return cmd
}

// parseID reads a quarantine ID argument.
func parseID(arg string) (int64, error) {
	id, err := cmdutil.ParseTicketID(arg)
	if err != nil {
		return 0, cmdutil.FlagErrorf("%q is not a quarantine ID", arg)
	}
	return id, nil
}
