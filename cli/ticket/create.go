package ticket

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// CreateOptions are the options of 'sak ticket create'.
type CreateOptions struct {
	Factory    *cmdutil.Factory
	Ctx        context.Context
	Queue      string
	Requestors []string
	Subject    string
	Message    string
}

// NewCmdCreate is 'sak ticket create'.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "create --queue Q --requestor ADDR --subject S [-m TEXT]",
		Short: "Open a ticket on behalf of requestors",
		Long: `Open a ticket in a queue on behalf of one or more requestors, for a request
that came by phone or at the desk. Caseworkers of the queue may. No mail is
sent; answer with 'sak ticket reply'.`,
		Example: `  sak ticket create --queue support --requestor pat@example.com --subject "Printer on fire"
  sak ticket create --queue support --requestor pat@example.com --requestor kim@example.com \
      --subject "Lab access" -m "Both need keys for room 101."`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return createRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Queue, "queue", "q", "", "the `queue` to open the ticket in (required)")
	cmd.Flags().StringArrayVarP(&opts.Requestors, "requestor", "r", nil, "a requestor's mail `address` (required; repeat for several)")
	cmd.Flags().StringVarP(&opts.Subject, "subject", "s", "", "the ticket's subject (required)")
	cmd.Flags().StringVarP(&opts.Message, "message", "m", "", "the request's `text`, kept on the ticket")
	for _, name := range []string{"queue", "requestor", "subject"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func createRun(opts *CreateOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	id, err := d.CreateTicket(opts.Ctx, f.As, mailstore.NewTicket{
		Queue: opts.Queue, Requestors: opts.Requestors, Subject: opts.Subject, Text: opts.Message,
	})
	if err != nil {
		return err
	}
	t, err := d.Ticket(opts.Ctx, f.As, id)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, t)
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "Ticket %d created in %s: %s\n", t.ID, cmdutil.Sanitize(t.Queue), cmdutil.Sanitize(t.Subject))
	return err
}
