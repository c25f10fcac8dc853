package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

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
			return pruneRun(opts)
		},
	}
	cmd.Flags().StringVar(&before, "sent-before", "", "remove mail sent before `TIME` (a date, or an age such as 90d)")
	return cmd
}

func pruneRun(opts *PruneOptions) error {
	f := opts.Factory
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
}
