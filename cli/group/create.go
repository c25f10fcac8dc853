package group

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// CreateOptions are the options of 'sak group create'.
type CreateOptions struct {
	Factory     *cmdutil.Factory
	Ctx         context.Context
	Name        string
	Description string
}

// NewCmdCreate is 'sak group create'.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "create NAME [--description TEXT]",
		Short: "Create a group",
		Long: `Create a group with no members. Sysadmins and queue managers may. A
group is managed (its members added and removed) by sysadmins, and by
the managers of every queue it holds a role on: a manager grants a new
group a role on their queue, then adds its members.`,
		Example: "  sak group create opptak-team --description 'Opptak'\n  sak queue grant support --group opptak-team --role caseworker\n  sak group add opptak-team alice bob",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Name = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return createRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Description, "description", "", "what the group is")
	return cmd
}

func createRun(opts *CreateOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	g, err := d.CreateGroup(opts.Ctx, f.As, opts.Name, opts.Description)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, g)
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "Created group %s.\n", cmdutil.Sanitize(g.Name))
	return err
}
