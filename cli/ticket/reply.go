package ticket

import (
	"context"
	"fmt"

	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// ReplyOptions are the options of 'sak ticket reply'.
type ReplyOptions struct {
	Factory    *cmdutil.Factory
	Ctx        context.Context
	ID         int64
	Message    string
	MessageSet bool // -m was given
	Attach     []string
}

// NewCmdReply is 'sak ticket reply'.
func NewCmdReply(f *cmdutil.Factory, runF func(*ReplyOptions) error) *cobra.Command {
	opts := &ReplyOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "reply ID [-m TEXT]",
		Short: "Answer a ticket's requestors by mail",
		Long: `Answer a ticket: the text is mailed from the queue's address to the
requestors and Ccs, and kept on the ticket. A new ticket becomes open. The
text is -m's value, or else read from stdin.`,
		Example: `  sak ticket reply 42 -m "The printer is fixed; please try again."
  sak ticket reply 42 < answer.txt
  sak ticket reply 42 -m "Fill in the form, please." --attach skjema.pdf`,
		Args:              cmdutil.ExactArgs(1),
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			opts.Ctx, opts.MessageSet = cmd.Context(), cmd.Flags().Changed("message")
			if runF != nil {
				return runF(opts)
			}
			return replyRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Message, "message", "m", "", "the reply's `text` (default: read stdin)")
	cmd.Flags().StringArrayVar(&opts.Attach, "attach", nil, "attach `FILE` (repeat the flag for more; about 7 MiB of files in all)")
	return cmd
}

func replyRun(opts *ReplyOptions) error {
	f := opts.Factory
	files, err := readFiles(opts.Attach)
	if err != nil {
		return err
	}
	text, err := readText(f.IOStreams, opts.Message, opts.MessageSet)
	if err != nil {
		return err
	}
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	rcpts, err := d.Reply(opts.Ctx, f.As, opts.ID, text, files)
	if err != nil {
		return err
	}
	return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
		if len(rcpts) == 0 {
			return fmt.Sprintf("Reply added to ticket %d; it has nobody to mail it to.", id)
		}
		return fmt.Sprintf("Reply to ticket %d queued for %s.", id, cmdutil.Sanitize(strings.Join(rcpts, ", ")))
	})
}
