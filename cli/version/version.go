// Package version holds 'sak version': what this sak is, from the build.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// Info is what 'sak version -o json' prints.
type Info struct {
	Version  string `json:"version"`
	Commit   string `json:"commit"`
	Modified bool   `json:"modified"`
	Schema   int    `json:"schema"`
	Go       string `json:"go"`
}

// Get reads the build's version: the module's version ("(devel)" for a
// build from a checkout), the commit and whether the tree was modified,
// and the schema version the binary was built for.
func Get() Info {
	in := Info{Version: "(devel)", Schema: mailstore.SchemaVersionBuilt(), Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return in
	}
	if bi.Main.Version != "" {
		in.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Commit = s.Value
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	return in
}

// String is the one line of 'sak version' and 'sak --version'.
func (in Info) String() string {
	commit := "unknown commit"
	if in.Commit != "" {
		commit = "commit " + in.Commit[:min(12, len(in.Commit))]
		if in.Modified {
			commit += " (modified)"
		}
	}
	return fmt.Sprintf("sak %s, %s, schema version %d, %s", in.Version, commit, in.Schema, in.Go)
}

// NewCmdVersion is 'sak version'.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print sak's version, commit and schema version",
		Example: "  sak version\n  sak version -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			in := Get()
			if f.JSON() {
				return cmdutil.PrintJSON(f.IOStreams.Out, in)
			}
			_, err := fmt.Fprintln(f.IOStreams.Out, in)
			return err
		},
	}
}
