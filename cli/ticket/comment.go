package ticket

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// CommentOptions are the options of 'sak ticket comment'.
type CommentOptions struct {
	Factory    *cmdutil.Factory
	Ctx        context.Context
	ID         int64
	Message    string
	MessageSet bool // -m was given
	Attach     []string
}

// NewCmdComment is 'sak ticket comment'.
func NewCmdComment(f *cmdutil.Factory, runF func(*CommentOptions) error) *cobra.Command {
	opts := &CommentOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "comment ID [-m TEXT]",
		Short: "Add an internal comment to a ticket",
		Long: `Add an internal comment to a ticket. It is mailed to the owner and the
queue's watchers, never to the requestors. The text is -m's value, or else
read from stdin.`,
		Example: `  sak ticket comment 42 -m "Called Pat, the printer is out of warranty."
  sak ticket comment 42 < notes.txt`,
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
			return commentRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Message, "message", "m", "", "the comment's `text` (default: read stdin)")
	cmd.Flags().StringArrayVar(&opts.Attach, "attach", nil, "attach `FILE` (repeat the flag for more; about 7 MiB of files in all)")
	return cmd
}

func commentRun(opts *CommentOptions) error {
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
	if err := d.Comment(opts.Ctx, f.As, opts.ID, text, files); err != nil {
		return err
	}
	return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
		return fmt.Sprintf("Comment added to ticket %d.", id)
	})
}
