package group

import (
	"context"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// ShowOptions are the options of 'sak group show'.
type ShowOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Name    string
}

// NewCmdShow is 'sak group show'.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	return &cobra.Command{
		Use:     "show NAME",
		Short:   "Show a group's members and roles",
		Example: "  sak group show opptak-team\n  sak group show opptak-team -o json | jq -r '.members[]'",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Name = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
}

func showRun(opts *ShowOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	g, err := d.Group(opts.Ctx, opts.Name)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, g)
	}
	return printGroup(f, g)
}
