package queue

import (
	"context"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// ListOptions are the options of 'sak queue list'.
type ListOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
}

// NewCmdList is 'sak queue list'.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List queues",
		Example: "  sak queue list\n  sak queue list -o json | jq -r '.[].address'",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
}

func listRun(opts *ListOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	qs, err := d.Queues(opts.Ctx)
	if err != nil {
		return err
	}
	if f.JSON() {
		if qs == nil {
			qs = []mailstore.Queue{}
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, qs)
	}
	t := cmdutil.NewTable(f.IOStreams,
		cmdutil.Column{Header: "NAME", Max: 20},
		cmdutil.Column{Header: "ADDRESS", Max: 32},
		cmdutil.Column{Header: "COMMENT ADDRESS", Max: 32, Flex: true, Min: 16},
		cmdutil.Column{Header: "TAG", Max: 12},
		cmdutil.Column{Header: "DESCRIPTION", Flex: true, Min: 11},
	)
	for _, q := range qs {
		t.AddRow(q.Name, q.Address, q.CommentAddress, q.Tag, q.Description)
	}
	return t.Render(f.IOStreams.Out)
}
