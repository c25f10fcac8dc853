// Package stats holds 'sak stats': the figures a service desk reports
// about itself, per queue.
package stats

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// StatsOptions are the options of 'sak stats'.
type StatsOptions struct {
	Factory      *cmdutil.Factory
	Ctx          context.Context
	Queues       []string
	Since, Until time.Time // zero: from the first ticket, up to now
}

// NewCmdStats is 'sak stats'.
func NewCmdStats(f *cmdutil.Factory, runF func(*StatsOptions) error) *cobra.Command {
	opts := &StatsOptions{Factory: f}
	var since, until string
	cmd := &cobra.Command{
		Use:   "stats [--queue Q] [--since TIME] [--until TIME]",
		Short: "Show per-queue figures: tickets received, resolved, waiting, response times",
		Long: `Show, per queue and in total, the tickets received in a period (by the queue
they are in now; merged and deleted tickets are not counted) and:

  RESOLVED, REJECTED  the share of them resolved or rejected now
  NEW, OPEN, STALLED  the queue's tickets in that status now, whenever received
  1ST RESPONSE        the median time from a ticket's arrival to the first
                      answer to its requestors by a caseworker, over the
                      tickets that have one
  RESOLUTION          the median time from arrival to resolution, over the
                      tickets resolved now

TIME is a date (2025-01-01, midnight at its start, local time), a date and
time (2025-01-01 08:00), RFC 3339, or a span back from now (30d, 12w). The
period includes --since and excludes --until; without them it runs from the
first ticket up to now.`,
		Example: `  sak stats
  sak stats --queue support --since 2025-01-01 --until 2025-07-01
  sak stats --since 30d -o json | jq '.total.resolved_share'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			now := f.Clock()
			var err error
			if since != "" {
				if opts.Since, err = cmdutil.ParsePast(since, now(), f.Loc()); err != nil {
					return cmdutil.FlagErrorf("--since: %v", err)
				}
			}
			if until != "" {
				if opts.Until, err = cmdutil.ParsePast(until, now(), f.Loc()); err != nil {
					return cmdutil.FlagErrorf("--until: %v", err)
				}
			}
			if !opts.Since.IsZero() && !opts.Until.IsZero() && !opts.Since.Before(opts.Until) {
				return cmdutil.FlagErrorf("--since %s is not before --until %s", since, until)
			}
			if runF != nil {
				return runF(opts)
			}
			return statsRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVarP(&opts.Queues, "queue", "q", nil, "only these `queues`")
	fl.StringVar(&since, "since", "", "count tickets received from `TIME` on")
	fl.StringVar(&until, "until", "", "count tickets received before `TIME`")
	return cmd
}

// Row is one queue's figures, or the total, as -o json prints them.
type Row = mailstore.StatsRow

// Report is what 'sak stats -o json' prints.
type Report = mailstore.StatsReport

func statsRun(opts *StatsOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	until := opts.Until
	if until.IsZero() {
		now := f.Clock()
		until = now()
	}
	rep, err := d.Stats(opts.Ctx, f.As, mailstore.StatsFilter{Queues: opts.Queues, Since: opts.Since, Until: until})
	if err != nil {
		return err
	}
	ios := f.IOStreams
	if f.JSON() {
		return cmdutil.PrintJSON(ios.Out, rep)
	}
	c := cmdutil.Color{Enabled: ios.Color}
	t := cmdutil.NewTable(ios,
		cmdutil.Column{Header: "QUEUE", Max: 24, Flex: true, Min: 8},
		cmdutil.Column{Header: "RECEIVED", Right: true},
		cmdutil.Column{Header: "RESOLVED", Right: true},
		cmdutil.Column{Header: "REJECTED", Right: true},
		cmdutil.Column{Header: "NEW", Right: true},
		cmdutil.Column{Header: "OPEN", Right: true},
		cmdutil.Column{Header: "STALLED", Right: true},
		cmdutil.Column{Header: "1ST RESPONSE", Right: true},
		cmdutil.Column{Header: "RESOLUTION", Right: true},
	)
	add := func(name string, st mailstore.StatsRow) {
		t.AddRow(name, fmt.Sprint(st.Received), share(st.ResolvedShare), share(st.RejectedShare),
			fmt.Sprint(st.NowNew), fmt.Sprint(st.NowOpen), fmt.Sprint(st.NowStalled),
			HumanDuration(duration(st.MedianFirstResponseSeconds)), HumanDuration(duration(st.MedianResolutionSeconds)))
	}
	for _, r := range rep.Queues {
		add(*r.Queue, r)
	}
	if len(rep.Queues) > 1 {
		add("total", rep.Total)
	}
	if err := t.Render(ios.Out); err != nil {
		return err
	}
	if ios.IsTTY {
		from := "the first ticket"
		if !opts.Since.IsZero() {
			from = cmdutil.FormatTime(opts.Since, f.Loc())
		}
		fmt.Fprintf(ios.ErrOut, "%s\n", c.Dim(fmt.Sprintf("Tickets received from %s to %s; NEW, OPEN and STALLED are now.", from, cmdutil.FormatTime(until, f.Loc()))))
	}
	return nil
}

// share prints a share of received as a percentage.
func share(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

// HumanDuration prints a median for a table: minutes under an hour, hours
// under two days, else days; "-" for none.
// duration is a document's seconds as a duration; nil for null.
func duration(secs *float64) *time.Duration {
	if secs == nil {
		return nil
	}
	d := time.Duration(math.Round(*secs * float64(time.Second)))
	return &d
}

func HumanDuration(d *time.Duration) string {
	switch {
	case d == nil:
		return "-"
	case d.Round(time.Minute) < time.Hour:
		return fmt.Sprintf("%dm", int(d.Round(time.Minute).Minutes()))
	case *d < 48*time.Hour:
		return fmt.Sprintf("%.1fh", d.Hours())
	}
	return fmt.Sprintf("%.1fd", d.Hours()/24)
}
