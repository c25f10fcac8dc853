package queue

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// CreateOptions are the options of 'sak queue create'.
type CreateOptions struct {
	Factory        *cmdutil.Factory
	Ctx            context.Context
	Name           string
	Address        string
	CommentAddress string
	Tag            string
	Description    string
	Lang           string
}

// NewCmdCreate is 'sak queue create'.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "create NAME --address ADDR [--comment-address ADDR] [--tag TAG] [--description D]",
		Short: "Create a queue",
		Long: `Create a queue with its correspond address (mail to it reaches the
requestors' side) and comment address (internal; default NAME-comment@ the
same domain). The subject tag, [TAG #42], defaults to the queue's name.
Only sysadmins may create queues.`,
		Example: `  sak queue create support --address support@example.org
  sak queue create it-help --address it-help@example.org --tag IT --description "IT helpdesk"`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Name = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return createRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Address, "address", "", "the queue's correspond `address` (required)")
	cmd.Flags().StringVar(&opts.CommentAddress, "comment-address", "", "the queue's comment `address` (default NAME-comment@domain)")
	cmd.Flags().StringVar(&opts.Tag, "tag", "", "the subject tag (default the queue's name)")
	cmd.Flags().StringVar(&opts.Description, "description", "", "what the queue is for")
	cmd.Flags().StringVar(&opts.Lang, "lang", "", "the `language` of the queue's mail: nb, en or nb+en (default nb+en)")
	_ = cmd.MarkFlagRequired("address")
	return cmd
}

func createRun(opts *CreateOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	q, err := d.CreateQueue(opts.Ctx, f.As, mailstore.NewQueue{
		Name: opts.Name, Address: opts.Address, CommentAddress: opts.CommentAddress, Tag: opts.Tag, Description: opts.Description, Lang: opts.Lang,
	})
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, q)
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "Created queue %s: mail to %s, comments to %s, subject tag [%s #ID].\n",
		cmdutil.Sanitize(q.Name), cmdutil.Sanitize(q.Address), cmdutil.Sanitize(q.CommentAddress), cmdutil.Sanitize(q.Tag))
	return err
}
