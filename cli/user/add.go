package user

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// AddOptions are the options of 'sak user add'.
type AddOptions struct {
	Factory  *cmdutil.Factory
	Ctx      context.Context
	Login    string
	Email    string
	Name     string
	Sysadmin bool
}

// NewCmdAdd is 'sak user add'.
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "add LOGIN --email ADDR [--name NAME] [--sysadmin]",
		Short: "Add a caseworker or admin",
		Long: `Add a user who can act on tickets: by this command line as --as LOGIN,
and by mail from ADDR. Only sysadmins add users, except the very first user,
who must be a sysadmin and whom anyone who can open the database may add.`,
		Example: `  sak user add root --email root@example.org --sysadmin
  sak user add alice --email alice@example.org --name "Alice Liddell" --as root`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Login = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return addRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Email, "email", "", "the user's mail `address` (required)")
	cmd.Flags().StringVar(&opts.Name, "name", "", "the user's full name")
	cmd.Flags().BoolVar(&opts.Sysadmin, "sysadmin", false, "make the user a sysadmin")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}

func addRun(opts *AddOptions) error {
	f := opts.Factory
	// The first sysadmin on a fresh machine makes the database.
	f.MayCreate = f.MayCreate || opts.Sysadmin
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	u, err := d.AddUser(opts.Ctx, f.As, mailstore.NewUser{Login: opts.Login, Email: opts.Email, Name: opts.Name, Sysadmin: opts.Sysadmin})
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, u)
	}
	what := "user"
	if u.Sysadmin {
		what = "sysadmin"
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "Added %s %s <%s>.\n", what, cmdutil.Sanitize(u.Login), cmdutil.Sanitize(u.Email))
	return err
}
