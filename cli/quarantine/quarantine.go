// Package quarantine holds 'sak quarantine': mail held back as spam or over
// the part limits, for a sysadmin to look at, release into its queue or
// drop.
package quarantine

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
	"sak/parse"
	"sak/smtpd"
)

// NewCmdQuarantine is the 'sak quarantine' group.
func NewCmdQuarantine(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "quarantine <command>",
		Short: "Look at, release or drop mail held back as spam",
		Long: `Mail that the MTA's spam filter marked (X-Spam-Flag, X-Spam-Status,
X-Spam, X-Spamd-Result over the score limit), or that has more parts than
sak accepts, is held in the quarantine instead of becoming a ticket, and
gets no auto-reply. Released mail threads as if it had just arrived.`,
		Example: "  sak quarantine list\n  sak quarantine show 3\n  sak quarantine release 3\n  sak quarantine drop 4",
		Args:    cmdutil.GroupArgs,
		RunE:    cmdutil.GroupRun,
	}
	cmd.AddCommand(newCmdList(f), newCmdShow(f), newCmdDecide(f, "release"), newCmdDecide(f, "drop"))
	return cmd
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	var status string
	var limit int
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List quarantined mail, newest first",
		Example: "  sak quarantine list\n  sak quarantine list --status all -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch status {
			case "all":
				status = ""
			case "held", "released", "dropped":
			default:
				return cmdutil.FlagErrorf("--status must be held, released, dropped or all, not %q", status)
			}
			s, err := f.Store(cmd.Context())
			if err != nil {
				return err
			}
			qs, err := s.As(f.As).QuarantineList(cmd.Context(), status, limit)
			if err != nil {
				return err
			}
			if f.JSON() {
				if qs == nil {
					qs = []mailstore.Quarantined{}
				}
				return cmdutil.PrintJSON(f.IOStreams.Out, qs)
			}
			t := cmdutil.NewTable(f.IOStreams,
				cmdutil.Column{Header: "ID"}, cmdutil.Column{Header: "STATUS"}, cmdutil.Column{Header: "RECEIVED"},
				cmdutil.Column{Header: "FROM", Max: 30, Flex: true, Min: 10},
				cmdutil.Column{Header: "SUBJECT", Max: 40, Flex: true, Min: 10},
				cmdutil.Column{Header: "REASON", Max: 30, Flex: true, Min: 8})
			for _, q := range qs {
				t.AddRow(fmt.Sprint(q.ID), q.Status, cmdutil.FormatTime(q.Created, f.Loc()), q.From, q.Subject, q.Reason)
			}
			if t.Len() == 0 {
				_, err := fmt.Fprintln(f.IOStreams.ErrOut, "Nothing in the quarantine.")
				return err
			}
			return t.Render(f.IOStreams.Out)
		},
	}
	cmd.Flags().StringVar(&status, "status", "held", "held, released, dropped or all")
	cmd.Flags().IntVarP(&limit, "limit", "L", 100, "at most this many")
	return cmd
}

func newCmdShow(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "show ID",
		Short:   "Show one quarantined mail: envelope, headers and text",
		Example: "  sak quarantine show 3",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := cmdutil.ParseTicketID(args[0])
			if err != nil {
				return cmdutil.FlagErrorf("%q is not a quarantine ID", args[0])
			}
			s, err := f.Store(cmd.Context())
			if err != nil {
				return err
			}
			q, raw, err := s.As(f.As).QuarantineGet(cmd.Context(), id)
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
		},
	}
}

func newCmdDecide(f *cmdutil.Factory, verb string) *cobra.Command {
	short := map[string]string{"release": "Deliver quarantined mail into its queue, as if it had just arrived", "drop": "Drop quarantined mail for good"}[verb]
	return &cobra.Command{
		Use:     verb + " ID",
		Short:   short,
		Example: "  sak quarantine " + verb + " 3",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := cmdutil.ParseTicketID(args[0])
			if err != nil {
				return cmdutil.FlagErrorf("%q is not a quarantine ID", args[0])
			}
			ctx := cmd.Context()
			s, err := f.Store(ctx)
			if err != nil {
				return err
			}
			if verb == "drop" {
				if err := s.QuarantineDecide(ctx, f.As, id, "dropped", 0); err != nil {
					return err
				}
				_, err = fmt.Fprintf(f.IOStreams.Out, "Quarantined mail %d dropped.\n", id)
				return err
			}
			return release(ctx, f, s, id)
		},
	}
}

// release delivers a held mail the way it came, then records the release.
// Refused before delivering when the actor may not release.
func release(ctx context.Context, f *cmdutil.Factory, s *mailstore.Store, id int64) error {
	if err := s.RequireSysadmin(ctx, f.As, "release quarantined mail"); err != nil {
		return err
	}
	q, raw, err := s.As(f.As).QuarantineGet(ctx, id)
	if err != nil {
		return err
	}
	if q.Status != "held" {
		return fmt.Errorf("quarantined mail %d was %s already", id, q.Status)
	}
	d := &smtpd.Deliverer{Store: s}
	env := &smtpd.Envelope{MailFrom: q.MailFrom}
	for _, rc := range q.Rcpts {
		r, err := d.Route(ctx, rc)
		if err != nil {
			return fmt.Errorf("route %s: %w", rc, err)
		}
		env.Routes = append(env.Routes, r)
	}
	res, err := d.Release(ctx, env, raw)
	if err != nil {
		return err
	}
	if err := s.QuarantineDecide(ctx, f.As, id, "released", res.Ticket); err != nil {
		return err
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "Quarantined mail %d released onto ticket %d.\n", id, res.Ticket)
	return err
}
