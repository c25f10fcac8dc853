package outbox

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// ListOptions are the options of 'sak outbox list'.
type ListOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Status  string
	Ticket  int64
	Limit   int
}

// NewCmdList is 'sak outbox list'.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	var ticket string
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List outgoing mail, oldest first",
		Example: "  sak outbox list\n  sak outbox list --status pending --ticket 42 -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch opts.Status {
			case "", "pending", "sending", "sent", "failed":
			default:
				return cmdutil.FlagErrorf("--status must be pending, sending, sent or failed, not %q", opts.Status)
			}
			if ticket != "" {
				var err error
				if opts.Ticket, err = cmdutil.ParseTicketID(ticket); err != nil {
					return err
				}
			}
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Status, "status", "", "only rows with this status: pending, sending, sent, failed")
	cmd.Flags().StringVar(&ticket, "ticket", "", "only mail about this ticket")
	cmd.Flags().IntVarP(&opts.Limit, "limit", "L", 100, "at most this many rows (0: all)")
	return cmd
}

func listRun(opts *ListOptions) error {
	f := opts.Factory
	s, err := f.Store(opts.Ctx)
	if err != nil {
		return err
	}
	rows, err := s.Outbox(opts.Ctx, mailstore.OutboxFilter{Status: opts.Status, Ticket: opts.Ticket, Limit: opts.Limit})
	if err != nil {
		return err
	}
	if f.JSON() {
		if rows == nil {
			rows = []mailstore.OutboxRow{}
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, rows)
	}
	t := cmdutil.NewTable(f.IOStreams,
		cmdutil.Column{Header: "ID"},
		cmdutil.Column{Header: "TICKET"},
		cmdutil.Column{Header: "KIND"},
		cmdutil.Column{Header: "STATUS"},
		cmdutil.Column{Header: "TRIES"},
		cmdutil.Column{Header: "RCPT", Max: 36, Flex: true, Min: 12},
		cmdutil.Column{Header: "NEXT/SENT"},
		cmdutil.Column{Header: "ERROR", Max: 40, Flex: true, Min: 8},
	)
	for _, r := range rows {
		when := cmdutil.FormatTime(r.NextAttempt, f.Loc())
		if r.Sent != nil {
			when = cmdutil.FormatTime(*r.Sent, f.Loc())
		}
		t.AddRow(fmt.Sprint(r.ID), fmt.Sprint(r.TicketID), r.Kind, r.Status, fmt.Sprint(r.Attempts), r.Rcpt, when, r.LastError)
	}
	if t.Len() == 0 {
		_, err := fmt.Fprintln(f.IOStreams.ErrOut, "The outbox is empty.")
		return err
	}
	return t.Render(f.IOStreams.Out)
}
