// Package user holds 'sak user': caseworkers and admins.
package user

import (
	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// NewCmdUser is the 'sak user' group.
func NewCmdUser(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "user <command>",
		Short:   "Manage caseworkers and admins",
		Example: "  sak user add alice --email alice@example.org --name 'Alice Liddell'\n  sak user list",
		Args:    cmdutil.GroupArgs,
		RunE:    cmdutil.GroupRun,
	}
	cmd.AddCommand(NewCmdAdd(f, nil), NewCmdList(f, nil), NewCmdEdit(f, nil), NewCmdDisable(f, nil), NewCmdEnable(f, nil), NewCmdSet(f, nil), NewCmdImport(f, nil), NewCmdAnonymise(f, nil))
	return cmd
}
