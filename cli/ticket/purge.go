package ticket

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// PurgeOptions are the options of 'sak ticket purge'.
type PurgeOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	ID      int64
	Yes     bool
}

// NewCmdPurge is 'sak ticket purge'.
func NewCmdPurge(f *cmdutil.Factory, runF func(*PurgeOptions) error) *cobra.Command {
	opts := &PurgeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "purge ID --yes",
		Short: "Delete what a ticket holds, for good (GDPR erasure)",
		Long: `Delete what a ticket holds, for a request to erase personal data: its
mails and attachments, its search index, its history, requestors, Ccs,
watchers, links and reminders, its mail in the outbox (unsent mail is not
sent), and the same of the tickets merged into it. This cannot be undone.

What stays is the ticket's number, with no subject and status deleted, so
the number is never used again, and one history entry that says who purged
it and when. Mail that names the ticket later makes a new ticket. Another
tracker's import keeps its mapping to the number: purge the ticket there
too. Only sysadmins may.

Give --yes, or type the ticket's number when asked on a terminal.

ID is the ticket's number, as 42 or #42.`,
		Example:           "  sak ticket purge 42 --yes",
		Args:              cmdutil.ExactArgs(1),
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			opts.Ctx = cmd.Context()
			if !opts.Yes && !f.IOStreams.InIsTTY {
				return cmdutil.FlagErrorf("%s: purging cannot be undone: give --yes to purge ticket %d", cmd.CommandPath(), opts.ID)
			}
			if runF != nil {
				return runF(opts)
			}
			return purgeRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "purge without asking")
	return cmd
}

func purgeRun(opts *PurgeOptions) error {
	f := opts.Factory
	if !opts.Yes {
		fmt.Fprintf(f.IOStreams.ErrOut, "Purging deletes everything ticket %d holds, for good. Type %[1]d to purge it: ", opts.ID)
		line, _ := bufio.NewReader(f.IOStreams.In).ReadString('\n')
		if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "#")) != strconv.FormatInt(opts.ID, 10) {
			return fmt.Errorf("ticket %d not purged: the number typed was not %[1]d", opts.ID)
		}
	}
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	if err := d.Purge(opts.Ctx, f.As, opts.ID); err != nil {
		return err
	}
	return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
		return fmt.Sprintf("Ticket %d purged: only its number and who purged it when are left.", id)
	})
}
