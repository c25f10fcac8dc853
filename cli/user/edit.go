package user

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// EditOptions are the options of 'sak user edit'.
type EditOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Login   string
	Change  mailstore.UserChange
}

// NewCmdEdit is 'sak user edit'.
func NewCmdEdit(f *cmdutil.Factory, runF func(*EditOptions) error) *cobra.Command {
	opts := &EditOptions{Factory: f}
	var email, name string
	var sysadmin bool
	cmd := &cobra.Command{
		Use:   "edit LOGIN [--email ADDR] [--name NAME] [--sysadmin=true|false]",
		Short: "Change a user's address, name or sysadmin right",
		Long: `Change a user's mail address, full name or sysadmin right; what is not
given stays. An address another user or a known requestor has is refused;
the last sysadmin stays one. Only sysadmins may.`,
		Example: "  sak user edit alice --email alice.liddell@example.org\n  sak user edit bob --sysadmin=false",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Login = cmd.Context(), args[0]
			fl := cmd.Flags()
			if fl.Changed("email") {
				opts.Change.Email = &email
			}
			if fl.Changed("name") {
				opts.Change.Name = &name
			}
			if fl.Changed("sysadmin") {
				opts.Change.Sysadmin = &sysadmin
			}
			if opts.Change == (mailstore.UserChange{}) {
				return cmdutil.FlagErrorf("%s: nothing to change: give --email, --name or --sysadmin", cmd.CommandPath())
			}
			if runF != nil {
				return runF(opts)
			}
			return editRun(opts)
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "the user's new mail `address`")
	cmd.Flags().StringVar(&name, "name", "", "the user's full name")
	cmd.Flags().BoolVar(&sysadmin, "sysadmin", false, "make the user a sysadmin (or, =false, no longer one)")
	return cmd
}

func editRun(opts *EditOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	u, err := d.EditUser(opts.Ctx, f.As, opts.Login, opts.Change)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, u)
	}
	what := "User"
	if u.Sysadmin {
		what = "Sysadmin"
	}
	addr := "<" + cmdutil.Sanitize(u.Email) + ">"
	if u.Name != "" {
		addr = cmdutil.Sanitize(u.Name) + " " + addr
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "%s %s is now %s\n", what, cmdutil.Sanitize(u.Login), addr)
	return err
}

// NewCmdEnable is 'sak user enable'.
func NewCmdEnable(f *cmdutil.Factory, runF func(*DisableOptions) error) *cobra.Command {
	opts := &DisableOptions{Factory: f}
	return &cobra.Command{
		Use:     "enable LOGIN",
		Short:   "Let a disabled user act again",
		Long:    "Enable a disabled user: they can act again, by command line, API and mail.\nOnly sysadmins may.",
		Example: "  sak user enable bob --as root",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Login = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return switchRun(opts, true)
		},
	}
}
