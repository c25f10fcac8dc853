package quarantine

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
	"sak/parse"
)

// ShowOptions are the options of 'sak quarantine show'.
type ShowOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	ID      int64
}

// NewCmdShow is 'sak quarantine show'.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	return &cobra.Command{
		Use:     "show ID",
		Short:   "Show one quarantined mail: envelope, headers and text",
		Example: "  sak quarantine show 3",
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
			return showRun(opts)
		},
	}
}

func showRun(opts *ShowOptions) error {
	f := opts.Factory
	s, err := f.Store(opts.Ctx)
	if err != nil {
		return err
	}
	q, raw, err := s.As(f.As).QuarantineGet(opts.Ctx, opts.ID)
	if err != nil {
		return err
	}
	m := parse.Parse(raw)
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, struct {
			*mailstore.Quarantined
			Text string `json:"text"`
		}{q, m.Text})
	}
	w := f.IOStreams.Out
	fmt.Fprintf(w, "Quarantined mail %d (%s)\nReason:    %s\nReceived:  %s\nEnvelope:  from <%s> to %s\nFrom:      %s\nSubject:   %s\nSize:      %s\n\n",
		q.ID, q.Status, cmdutil.Sanitize(q.Reason), cmdutil.FormatTime(q.Created, f.Loc()), cmdutil.Sanitize(q.MailFrom),
		cmdutil.Sanitize(strings.Join(q.Rcpts, ", ")), cmdutil.Sanitize(q.From), cmdutil.Sanitize(q.Subject), cmdutil.HumanSize(q.Size))
	_, err = fmt.Fprintln(w, cmdutil.SanitizeText(m.Text))
	return err
}
