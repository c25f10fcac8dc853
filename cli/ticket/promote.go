package ticket

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// PromoteOptions are the options of 'sak ticket promote'.
type PromoteOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	ID      int64
	Txn     int64
}

// NewCmdPromote is 'sak ticket promote'.
func NewCmdPromote(f *cmdutil.Factory, runF func(*PromoteOptions) error) *cobra.Command {
	opts := &PromoteOptions{Factory: f}
	return &cobra.Command{
		Use:   "promote ID TRANSACTION",
		Short: "Accept mail from a non-participant: its sender becomes a Cc",
		Long: `Mail threaded into a ticket by someone who is neither requestor, Cc nor
caseworker is kept as an internal note marked "non-participant" and not
passed on (ticket numbers are easy to guess). Promote such a note when its
sender belongs on the ticket: the sender becomes a Cc, and their later
mail is correspondence. 'sak ticket show' lists transaction numbers with
-o json.`,
		Example:           "  sak ticket promote 42 318",
		Args:              cmdutil.ExactArgs(2),
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			if opts.Txn, err = strconv.ParseInt(args[1], 10, 64); err != nil || opts.Txn <= 0 {
				return cmdutil.FlagErrorf("%q is not a transaction number", args[1])
			}
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			d, err := f.Desk(opts.Ctx)
			if err != nil {
				return err
			}
			if err := d.Promote(opts.Ctx, f.As, opts.ID, opts.Txn); err != nil {
				return err
			}
			return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
				return fmt.Sprintf("Transaction %d on ticket %d promoted: its sender is now a Cc.", opts.Txn, id)
			})
		},
	}
}
