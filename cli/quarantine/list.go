package quarantine

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// ListOptions are the options of 'sak quarantine list'.
type ListOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Status  string // held, released, dropped, or "" for all
	Limit   int
}

// NewCmdList is 'sak quarantine list'.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List quarantined mail, newest first",
		Example: "  sak quarantine list\n  sak quarantine list --status all -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch opts.Status {
			case "all":
				opts.Status = ""
			case "held", "released", "dropped":
			default:
				return cmdutil.FlagErrorf("--status must be held, released, dropped or all, not %q", opts.Status)
			}
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Status, "status", "held", "held, released, dropped or all")
	cmd.Flags().IntVarP(&opts.Limit, "limit", "L", 100, "at most this many")
	return cmd
}

func listRun(opts *ListOptions) error {
	f := opts.Factory
	s, err := f.Store(opts.Ctx)
	if err != nil {
		return err
	}
	qs, err := s.As(f.As).QuarantineList(opts.Ctx, opts.Status, opts.Limit)
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
}
