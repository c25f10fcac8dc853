package token

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// DefaultExpiry is how long a token lasts unless told.
const DefaultExpiry = "90d"

// CreateOptions are the options of 'sak token create'.
type CreateOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	User    string
	Name    string
	// Expires is when the token stops; zero: never.
	Expires time.Time
}

// NewCmdCreate is 'sak token create'.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Factory: f}
	var expires string
	cmd := &cobra.Command{
		Use:   "create [--user LOGIN] [--name NAME] [--expires 90d|never]",
		Short: "Make a personal API token and print it once",
		Long: `Make a personal API token and print it, alone on stdout: sak keeps only
its hash and never shows it again. Give it to the person it is for, or to
a script as SAK_TOKEN. A sysadmin may make tokens for any user, others for
themselves.`,
		Example: `  sak token create --name laptop
  sak token create --user alice --name backup-script --expires 1y --as root`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if expires != "never" {
				d, err := cmdutil.ParseDuration(expires)
				if err != nil {
					return cmdutil.FlagErrorf("--expires: %v", err)
				}
				opts.Expires = f.Clock()().Add(d)
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.User, "user", "", "make the token for `LOGIN` (sysadmins); default yourself")
	fl.StringVar(&opts.Name, "name", "", "a `NAME` to tell the token by: the machine or script it is for")
	fl.StringVar(&expires, "expires", DefaultExpiry, "how long the token lasts: a `DURATION` (30d, 1y) or never")
	return cmd
}

func createRun(opts *CreateOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	tok, secret, err := d.CreateToken(opts.Ctx, f.As, opts.User, opts.Name, opts.Expires)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, mailstore.IssuedToken{Token: tok, Secret: secret})
	}
	if _, err := fmt.Fprintln(f.IOStreams.Out, secret); err != nil {
		return err
	}
	exp := "never expires"
	if tok.Expires != nil {
		exp = "expires " + cmdutil.FormatTime(*tok.Expires, f.Loc())
	}
	_, err = fmt.Fprintf(f.IOStreams.ErrOut, "Token %d for %s %s. It is shown only this once.\n", tok.ID, cmdutil.Sanitize(tok.User), exp)
	return err
}
