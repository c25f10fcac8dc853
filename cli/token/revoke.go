package token

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// RevokeOptions are the options of 'sak token revoke'.
type RevokeOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	ID      int64
}

// NewCmdRevoke is 'sak token revoke'.
func NewCmdRevoke(f *cmdutil.Factory, runF func(*RevokeOptions) error) *cobra.Command {
	opts := &RevokeOptions{Factory: f}
	return &cobra.Command{
		Use:     "revoke ID",
		Short:   "Revoke a personal API token: it stops at once",
		Example: "  sak token revoke 7\n  sak token revoke 12 --as root",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return cmdutil.FlagErrorf("invalid token id %q: give the ID 'sak token list' shows", args[0])
			}
			opts.Ctx, opts.ID = cmd.Context(), id
			if runF != nil {
				return runF(opts)
			}
			return revokeRun(opts)
		},
	}
}

func revokeRun(opts *RevokeOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	if err := d.RevokeToken(opts.Ctx, f.As, opts.ID); err != nil {
		return err
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "Token %d revoked.\n", opts.ID)
	return err
}
