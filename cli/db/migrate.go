package db

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// MigrateOptions are the options of 'sak db migrate'.
type MigrateOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
}

// NewCmdMigrate is 'sak db migrate'.
func NewCmdMigrate(f *cmdutil.Factory, runF func(*MigrateOptions) error) *cobra.Command {
	opts := &MigrateOptions{Factory: f}
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the database schema",
		Long: `Create the schema in an empty database, or bring an older one up to the
version this sak was built for. Each migration runs in its own transaction;
running it again does nothing. A schema newer than this sak is refused.`,
		Example: "  sak db migrate\n  SAK_DB=postgres://sak@db.example.org/sak sak db migrate",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return migrateRun(opts)
		},
	}
}

func migrateRun(opts *MigrateOptions) error {
	f := opts.Factory
	f.MayCreate = true // 'sak db migrate' makes a new database
	s, err := f.RawStore(opts.Ctx)
	if err != nil {
		return err
	}
	before, err := s.SchemaVersion(opts.Ctx)
	if err != nil {
		return err
	}
	if err := s.Migrate(opts.Ctx); err != nil {
		return err
	}
	after, err := s.SchemaVersion(opts.Ctx)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{
			"database": s.String(), "dialect": s.Dialect(), "from_version": before, "version": after,
		})
	}
	name := cmdutil.Sanitize(s.String())
	if before == after {
		_, err = fmt.Fprintf(f.IOStreams.Out, "Database %s is up to date (schema version %d).\n", name, after)
	} else {
		_, err = fmt.Fprintf(f.IOStreams.Out, "Migrated database %s from schema version %d to %d.\n", name, before, after)
	}
	return err
}
