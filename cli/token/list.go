package token

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// ListOptions are the options of 'sak token list'.
type ListOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	User    string
}

// NewCmdList is 'sak token list'.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "list [--user LOGIN]",
		Aliases: []string{"ls"},
		Short:   "List personal API tokens, never their secrets",
		Example: "  sak token list\n  sak token list --user alice --as root -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.User, "user", "", "the tokens of `LOGIN` (sysadmins); default yours")
	return cmd
}

func listRun(opts *ListOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	ts, err := d.ListTokens(opts.Ctx, f.As, opts.User)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, ts)
	}
	if len(ts) == 0 {
		_, err := fmt.Fprintln(f.IOStreams.ErrOut, "No tokens.")
		return err
	}
	t := cmdutil.NewTable(f.IOStreams,
		cmdutil.Column{Header: "ID", Right: true},
		cmdutil.Column{Header: "USER", Max: 20},
		cmdutil.Column{Header: "NAME", Max: 30, Flex: true, Min: 8},
		cmdutil.Column{Header: "CREATED"},
		cmdutil.Column{Header: "EXPIRES"},
		cmdutil.Column{Header: "LAST USED"},
	)
	loc := f.Loc()
	for _, tk := range ts {
		exp, used := "never", "-"
		if tk.Expires != nil {
			exp = cmdutil.FormatTime(*tk.Expires, loc)
		}
		if tk.LastUsed != nil {
			used = cmdutil.FormatTime(*tk.LastUsed, loc)
		}
		name := tk.Name
		if name == "" {
			name = "-"
		}
		t.AddRow(fmt.Sprint(tk.ID), tk.User, name, cmdutil.FormatTime(tk.Created, loc), exp, used)
	}
	return t.Render(f.IOStreams.Out)
}
