package quarantine

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/smtpd"
)

// DecideOptions are the options of 'sak quarantine release' and 'sak
// quarantine drop'.
type DecideOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Verb    string // release or drop
	ID      int64
}

// NewCmdDecide is 'sak quarantine release' or 'sak quarantine drop', as
// verb says.
func NewCmdDecide(f *cmdutil.Factory, verb string, runF func(*DecideOptions) error) *cobra.Command {
	opts := &DecideOptions{Factory: f, Verb: verb}
	short := map[string]string{"release": "Deliver quarantined mail into its queue, as if it had just arrived", "drop": "Drop quarantined mail for good"}[verb]
	return &cobra.Command{
		Use:     verb + " ID",
		Short:   short,
		Example: "  sak quarantine " + verb + " 3",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = parseID(args[0]); err != nil {
				return err
			}
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return decideRun(opts)
		},
	}
}

// decideRun drops a held mail, or delivers it the way it came and records
// the release, in one transaction of the store.
func decideRun(opts *DecideOptions) error {
	f := opts.Factory
	s, err := f.Store(opts.Ctx)
	if err != nil {
		return err
	}
	if opts.Verb == "drop" {
		if err := s.QuarantineDrop(opts.Ctx, f.As, opts.ID); err != nil {
			return err
		}
		_, err = fmt.Fprintf(f.IOStreams.Out, "Quarantined mail %d dropped.\n", opts.ID)
		return err
	}
	res, err := (&smtpd.Deliverer{Store: s}).ReleaseQuarantined(opts.Ctx, f.As, opts.ID)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "Quarantined mail %d released onto ticket %d.\n", opts.ID, res.Ticket)
	return err
}
