package outbox

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

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
			return retryRun(opts)
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "requeue every row not yet sent")
	return cmd
}

func retryRun(opts *RetryOptions) error {
	f := opts.Factory
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
}
