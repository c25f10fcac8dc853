package user

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// ListOptions are the options of 'sak user list'.
type ListOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
}

// NewCmdList is 'sak user list'.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List caseworkers and admins",
		Example: "  sak user list\n  sak user list -o json | jq -r '.[] | select(.sysadmin) | .login'",
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
	users, err := d.Users(opts.Ctx)
	if err != nil {
		return err
	}
	if f.JSON() {
		if users == nil {
			users = []mailstore.User{}
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, users)
	}
	t := cmdutil.NewTable(f.IOStreams,
		cmdutil.Column{Header: "LOGIN", Max: 20},
		cmdutil.Column{Header: "NAME", Max: 30, Flex: true, Min: 10},
		cmdutil.Column{Header: "EMAIL", Max: 40, Flex: true, Min: 16},
		cmdutil.Column{Header: "FLAGS"},
	)
	for _, u := range users {
		var flags []string
		if u.Sysadmin {
			flags = append(flags, "sysadmin")
		}
		if u.Disabled {
			flags = append(flags, "disabled")
		}
		t.AddRow(u.Login, u.Name, u.Email, strings.Join(flags, ","))
	}
	return t.Render(f.IOStreams.Out)
}
