// Package token holds 'sak token': personal API tokens, made, listed and
// revoked on the database (the sysadmin's mode on the server). A caseworker
// on their own machine gets one with 'sak login' instead.
package token

import (
	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// NewCmdToken is 'sak token'.
func NewCmdToken(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token <command>",
		Short: "Make, list and revoke personal API tokens",
		Long: `Personal API tokens let the sak CLI on a caseworker's own machine, and
scripts, use the HTTP API of 'sak serve --http'. sak keeps only a hash of
each token: it is shown once, when it is made. A sysadmin may make tokens
for any user; others for themselves. A disabled user's tokens stop at once.`,
		Example: `  sak token create --user alice --name laptop --as root
  sak token list
  sak token revoke 7`,
		Args: cmdutil.GroupArgs,
		RunE: cmdutil.GroupRun,
	}
	cmd.AddCommand(NewCmdCreate(f, nil), NewCmdList(f, nil), NewCmdRevoke(f, nil))
	return cmd
}
