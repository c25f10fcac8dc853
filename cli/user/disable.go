package user

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// DisableOptions are the options of 'sak user disable'.
type DisableOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Login   string
}

// NewCmdDisable is 'sak user disable'.
func NewCmdDisable(f *cmdutil.Factory, runF func(*DisableOptions) error) *cobra.Command {
	opts := &DisableOptions{Factory: f}
	return &cobra.Command{
		Use:   "disable LOGIN",
		Short: "Stop a user from acting, by command line or mail",
		Long: `Disable a user: they can no longer act on tickets, by this command line
or by mail. Their history stays. Only sysadmins may; the last sysadmin cannot
be disabled.`,
		Example: "  sak user disable bob --as root",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Login = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return disableRun(opts)
		},
	}
}

func disableRun(opts *DisableOptions) error { return switchRun(opts, false) }

// switchRun disables or enables the user, and says so.
func switchRun(opts *DisableOptions, enable bool) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	change, done := d.DisableUser, "disabled"
	if enable {
		change, done = d.EnableUser, "enabled"
	}
	if err := change(opts.Ctx, f.As, opts.Login); err != nil {
		return err
	}
	if f.JSON() {
		u, err := d.User(opts.Ctx, opts.Login)
		if err != nil {
			return err
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, u)
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "User %s %s.\n", cmdutil.Sanitize(opts.Login), done)
	return err
}
