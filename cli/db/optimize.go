package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// OptimizeOptions are the options of 'sak db optimize'.
type OptimizeOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
}

// NewCmdOptimize is 'sak db optimize'.
func NewCmdOptimize(f *cmdutil.Factory, runF func(*OptimizeOptions) error) *cobra.Command {
	opts := &OptimizeOptions{Factory: f}
	return &cobra.Command{
		Use:   "optimize",
		Short: "Merge the search index, for faster searches",
		Long: `Merge SQLite's full-text search index into one piece per table.

Mail is indexed as it arrives, each commit adding a small piece (a segment)
that the index merges by and by; a large store keeps tens of them, and every
search reads them all. Merged, a search that ranks many matches runs up to
twice as fast. Run it now and then, say nightly from cron: it works in
short steps, so a running 'sak serve' goes on taking mail meanwhile, and it
can be interrupted at any time without harm.

PostgreSQL maintains its own indexes: there it does nothing.`,
		Example: "  sak db optimize\n  sak db optimize -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return optimizeRun(opts)
		},
	}
}

func optimizeRun(opts *OptimizeOptions) error {
	f := opts.Factory
	s, err := f.Store(opts.Ctx)
	if err != nil {
		return err
	}
	start := f.Clock()()
	done, err := s.OptimizeSearch(opts.Ctx)
	if err != nil {
		return err
	}
	took := f.Clock()().Sub(start)
	if done == nil {
		done = []mailstore.SearchIndex{}
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{
			"database": s.String(), "dialect": s.Dialect(), "indexes": done, "seconds": took.Seconds(),
		})
	}
	var b strings.Builder
	if len(done) == 0 {
		fmt.Fprintf(&b, "%s keeps its own search indexes: nothing to merge in %s.\n", s.Dialect(), cmdutil.Sanitize(s.String()))
	} else {
		fmt.Fprintf(&b, "Merged the search index of %s in %s:\n", cmdutil.Sanitize(s.String()), took.Round(time.Millisecond))
		for _, ix := range done {
			switch {
			case ix.SegmentsBefore == 0:
				fmt.Fprintf(&b, "  %-15s empty\n", ix.Table)
			case ix.SegmentsBefore == 1:
				fmt.Fprintf(&b, "  %-15s one segment already\n", ix.Table)
			default:
				fmt.Fprintf(&b, "  %-15s %d segments merged into %d\n", ix.Table, ix.SegmentsBefore, ix.SegmentsAfter)
			}
		}
	}
	_, err = fmt.Fprint(f.IOStreams.Out, b.String())
	return err
}
