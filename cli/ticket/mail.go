package ticket

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// MailOptions are the options of 'sak ticket mail'.
type MailOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	ID      int64
	Message int64
}

// NewCmdMail is 'sak ticket mail'.
func NewCmdMail(f *cmdutil.Factory, runF func(*MailOptions) error) *cobra.Command {
	opts := &MailOptions{Factory: f}
	return &cobra.Command{
		Use:   "mail ID MESSAGE",
		Short: "Write a mail of a ticket as it came, attachments and all",
		Long: `Write one mail of a ticket to stdout byte for byte as sak received or sent
it, to open in a mail program or to save its attachments. MESSAGE is the
mail's number: 'sak ticket show' names it under each mail that has
attachments, and -o json gives it as transactions[].message.id.

The output is raw MIME, so it is not written to a terminal: redirect it.`,
		Example:           "  sak ticket mail 42 318 > mail.eml",
		Args:              cmdutil.ExactArgs(2),
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			if opts.Message, err = strconv.ParseInt(args[1], 10, 64); err != nil || opts.Message <= 0 {
				return cmdutil.FlagErrorf("%q is not a mail number", args[1])
			}
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return mailRun(opts)
		},
	}
}

func mailRun(opts *MailOptions) error {
	f := opts.Factory
	if f.IOStreams.IsTTY {
		return fmt.Errorf("mail %d is raw MIME, not for a terminal: redirect it, as in 'sak ticket mail %d %d > mail.eml'", opts.Message, opts.ID, opts.Message)
	}
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	raw, err := d.TicketMail(opts.Ctx, f.As, opts.ID, opts.Message)
	if err != nil {
		return err
	}
	_, err = f.IOStreams.Out.Write(raw)
	return err
}
