package db

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// CopyOptions are the options of 'sak db copy'.
type CopyOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	To      string
}

// NewCmdCopy is 'sak db copy'.
func NewCmdCopy(f *cmdutil.Factory, runF func(*CopyOptions) error) *cobra.Command {
	opts := &CopyOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "copy --to DSN",
		Short: "Copy the whole database into an empty PostgreSQL database",
		Long: `Copy every user, queue, ticket, mail and setting of the database into an
empty PostgreSQL database: the move from the embedded SQLite store to
PostgreSQL. The destination gets sak's schema first; it must hold no users,
queues or tickets. Both must be at this sak's schema version (run
'sak db migrate' on the source first).

The rows go with PostgreSQL's COPY in one transaction: the destination has
everything or, after an error, nothing. Stop 'sak serve' on the source
while it runs: mail that arrives meanwhile would not be copied.`,
		Example: "  sak --db /var/lib/sak/sak.db db copy --to postgres://sak@db.example.org/sak",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if opts.To == "" {
				return cmdutil.FlagErrorf("--to names the PostgreSQL database to copy into")
			}
			if runF != nil {
				return runF(opts)
			}
			return copyRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.To, "to", "", "PostgreSQL `DSN` to copy into (postgres://…)")
	return cmd
}

func copyRun(opts *CopyOptions) error {
	f := opts.Factory
	src, err := f.RawStore(opts.Ctx)
	if err != nil {
		return err
	}
	dst, err := mailstore.Open(opts.Ctx, opts.To)
	if err != nil {
		return err
	}
	defer dst.Close()
	if err := dst.Migrate(opts.Ctx); err != nil {
		return err
	}
	start := time.Now()
	tables := map[string]int64{}
	var total int64
	err = src.CopyTo(opts.Ctx, dst, func(table string, rows int64) {
		tables[table] = rows
		total += rows
		if !f.JSON() {
			fmt.Fprintf(f.IOStreams.ErrOut, "%-22s %10d rows  %s\n", table, rows, time.Since(start).Round(time.Second))
		}
	})
	if err != nil {
		return err
	}
	took := time.Since(start)
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{
			"from": src.String(), "to": dst.String(), "tables": tables, "rows": total, "seconds": took.Seconds(),
		})
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "Copied %d rows in %d tables from %s to %s in %s.\n", total, len(tables),
		cmdutil.Sanitize(src.String()), cmdutil.Sanitize(dst.String()), took.Round(time.Millisecond))
	return err
}
