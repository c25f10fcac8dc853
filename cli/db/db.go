// Package db holds 'sak db': database administration.
package db

import (
	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// NewCmdDB is the 'sak db' group.
func NewCmdDB(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "db <command>",
		Short:   "Manage the database",
		Example: "  sak db migrate\n  sak db check\n  sak db optimize\n  sak --db postgres://sak@db.example.org/sak db migrate",
		Args:    cmdutil.GroupArgs,
		RunE:    cmdutil.GroupRun,
	}
	cmd.AddCommand(NewCmdMigrate(f, nil))
	cmd.AddCommand(NewCmdCheck(f, nil))
	cmd.AddCommand(NewCmdOptimize(f, nil))
	cmd.AddCommand(NewCmdCopy(f, nil))
	return cmd
}
