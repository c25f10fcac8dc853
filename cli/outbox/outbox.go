// Package outbox holds 'sak outbox': looking at the mail sak is to send and
// requeueing what failed.
package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
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

// RetryOptions are the options of 'sak outbox retry'.
type RetryOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	ID      int64
}

// NewCmdRetry is 'sak outbox retry'.
func NewCmdRetry(f *cmdutil.Factory, runF func(*RetryOptions) error) *cobra.Command {
	opts := &RetryOptions{Factory: f}
	var all bool
	cmd := &cobra.Command{
		Use:     "retry [ID]",
		Short:   "Make failed or waiting mail due now",
		Long:    "Requeue one outbox row, or with --all every row not yet sent, to be sent at once by 'sak serve'.",
		Example: "  sak outbox retry 17\n  sak outbox retry --all",
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) > 1:
				return cmdutil.FlagErrorf("give one outbox ID, not %d", len(args))
			case all && len(args) == 1:
				return cmdutil.FlagErrorf("give an outbox ID or --all, not both")
			case !all && len(args) == 0:
				return cmdutil.FlagErrorf("give an outbox ID or --all")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				var err error
				if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
					return cmdutil.FlagErrorf("%q is not an outbox ID", args[0])
				}
			}
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			s, err := f.Store(opts.Ctx)
			if err != nil {
				return err
			}
			n, err := s.RetryOutbox(opts.Ctx, opts.ID)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(f.IOStreams.Out, "%d outbox row(s) requeued.\n", n)
			return err
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "requeue every row not yet sent")
	return cmd
}

// PruneOptions are the options of 'sak outbox prune'.
type PruneOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Before  time.Time
}

// NewCmdPrune is 'sak outbox prune'.
func NewCmdPrune(f *cmdutil.Factory, runF func(*PruneOptions) error) *cobra.Command {
	opts := &PruneOptions{Factory: f}
	var before string
	cmd := &cobra.Command{
		Use:   "prune --sent-before TIME",
		Short: "Remove mail sent before a time from the outbox",
		Long: `Remove the outbox's copies of mail sent before TIME (a date, or an age
such as 90d). Tickets keep every message, and replies and bounces to the
removed mail still find their tickets; unsent and failed mail stays.
Sysadmins only. It works in short steps, beside a running 'sak serve'.`,
		Example: "  sak outbox prune --sent-before 90d\n  sak outbox prune --sent-before 2026-01-01",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if before == "" {
				return cmdutil.FlagErrorf("give --sent-before: a date, or an age such as 90d")
			}
			var err error
			if opts.Before, err = cmdutil.ParsePast(before, f.Clock()(), f.Loc()); err != nil {
				return cmdutil.FlagErrorf("--sent-before: %v", err)
			}
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			s, err := f.Store(opts.Ctx)
			if err != nil {
				return err
			}
			n, err := s.PruneOutbox(opts.Ctx, f.As, opts.Before)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(f.IOStreams.Out, "%d outbox row(s) of mail sent before %s removed.\n", n, cmdutil.FormatTime(opts.Before, f.Loc()))
			return err
		},
	}
	cmd.Flags().StringVar(&before, "sent-before", "", "remove mail sent before `TIME` (a date, or an age such as 90d)")
	return cmd
}
