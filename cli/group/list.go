package group

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// ListOptions are the options of 'sak group list'.
type ListOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
}

// NewCmdList is 'sak group list'.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the groups, their members and roles",
		Example: "  sak group list\n  sak group list -o json | jq -r '.[] | select(.members | index(\"alice\")) | .name'",
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
	gs, err := d.Groups(opts.Ctx)
	if err != nil {
		return err
	}
	if f.JSON() {
		if gs == nil {
			gs = []mailstore.Group{}
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, gs)
	}
	if len(gs) == 0 {
		_, err := fmt.Fprintln(f.IOStreams.Out, "No groups yet: create one with 'sak group create NAME'.")
		return err
	}
	t := cmdutil.NewTable(f.IOStreams,
		cmdutil.Column{Header: "NAME", Max: 30},
		cmdutil.Column{Header: "MEMBERS"},
		cmdutil.Column{Header: "ROLES", Flex: true, Min: 16},
		cmdutil.Column{Header: "DESCRIPTION", Max: 40, Flex: true, Min: 10},
	)
	for i := range gs {
		t.AddRow(gs[i].Name, fmt.Sprint(len(gs[i].Members)), roles(&gs[i]), strings.ReplaceAll(gs[i].Description, "\n", " "))
	}
	return t.Render(f.IOStreams.Out)
}
