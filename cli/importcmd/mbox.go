package importcmd

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/importer/archive"
)

// NewCmdMbox makes 'sak import mbox'.
func NewCmdMbox(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f, Kind: KindMbox}
	cmd := &cobra.Command{
		Use:   "mbox FILE... --queue QUEUE",
		Short: "Import mbox files into a queue",
		Long: `Import the mail of mbox files into a queue, file by file, message by message,
without reading a file into memory.

Messages are split at "From " lines. The mboxrd quoting of ">From " lines is
undone (--variant mboxo undoes only one level, as mboxo writers quote;
--variant mboxcl2 undoes none). A Content-Length header is honoured when the
bytes it counts end at a "From " line or the end of the file. LF and CRLF
files are both read; a message keeps its bytes.

A message is recorded at its Date header, else the date of its "From " line.
A message the parser cannot read is kept raw on a ticket of its own, flagged
unparseable. Empty messages and those larger than --max-size are counted and
skipped.

The position reached is saved in the database as the import goes: run the
same command again after an interruption and it continues there (--restart
reads the file from the start; mail stored already is skipped either way).
At the end, imported tickets whose newest mail is older than
--resolve-older-than are resolved.`,
		Example: `  sak import mbox support-2019.mbox support-2020.mbox --queue support
  sak import mbox archive.mbox --queue opptak --resolve-older-than 90d -o json`,
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
	cmd.Flags().StringVar(&opts.Variant, "variant", "mboxrd", "how the mbox quotes \"From \" lines: mboxrd, mboxo or mboxcl2")
	cmd.Flags().BoolVar(&opts.Restart, "restart", false, "read the files from the start, not from where an earlier run stopped")
	return cmd
}

// mboxUnits stats the files, so that a missing one fails the import
// before anything is imported.
func mboxUnits(opts *Options) ([]unit, error) {
	var us []unit
	for _, p := range opts.Paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is not a file: give a maildir to 'sak import maildir'", p)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		path, variant, maxSize := p, opts.variant, opts.maxSize
		us = append(us, unit{
			path: p,
			size: st.Size(),
			key:  fmt.Sprintf("%s|%d|%d", abs, st.Size(), st.ModTime().UnixNano()),
			open: func(offset int64) (source, io.Closer, error) {
				f, err := os.Open(path)
				if err != nil {
					return nil, nil, err
				}
				if _, err := f.Seek(offset, io.SeekStart); err != nil {
					f.Close()
					return nil, nil, fmt.Errorf("seek %s: %w", path, err)
				}
				return archive.NewMbox(f, archive.MboxOptions{Variant: variant, MaxSize: maxSize, Offset: offset}), f, nil
			},
		})
	}
	return us, nil
}
