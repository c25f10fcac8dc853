package importcmd

import (
	"io"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/importer/archive"
)

// NewCmdMaildir makes 'sak import maildir'.
func NewCmdMaildir(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f, Kind: KindMaildir}
	cmd := &cobra.Command{
		Use:   "maildir DIR... --queue QUEUE",
		Short: "Import maildirs into a queue",
		Long: `Import the mail of maildirs into a queue: the files in each DIR's cur/ and new/
folders, in the order they were delivered (the time their names start with).
Subfolders (Maildir++ ".Folder" directories) are not read: name each one.

A message is recorded at its Date header, else its delivery time. A message
the parser cannot read is kept raw on a ticket of its own, flagged
unparseable. Empty files and those larger than --max-size are counted and
skipped. Running the import again skips the mail stored already. At the end,
imported tickets whose newest mail is older than --resolve-older-than are
resolved.`,
		Example: `  sak import maildir ~/Maildir/.support --queue support`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.check(args); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	opts.addFlags(cmd)
	return cmd
}

// maildirUnits lists the maildirs, so that a missing one fails the import
// before anything is imported.
func maildirUnits(opts *Options) ([]unit, error) {
	var us []unit
	for _, p := range opts.Paths {
		md, err := archive.OpenMaildir(p, opts.maxSize)
		if err != nil {
			return nil, err
		}
		us = append(us, unit{
			path: p,
			size: md.Size(),
			open: func(int64) (source, io.Closer, error) { return md, nopCloser{}, nil },
		})
	}
	return us, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }
