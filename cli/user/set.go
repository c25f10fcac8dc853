package user

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// SetOptions are the options of 'sak user set'.
type SetOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Login   string
	Digest  string
}

// NewCmdSet is 'sak user set'.
func NewCmdSet(f *cmdutil.Factory, runF func(*SetOptions) error) *cobra.Command {
	opts := &SetOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "set LOGIN --digest HH:MM|off|default",
		Short: "Set a user's daily digest",
		Long: `Set when a caseworker's daily digest is mailed: HH:MM, local time of the
server; off; or default, the earliest --digest-default of their queues
('sak queue set'). The digest lists the tickets they own that are new or
open, their stalled tickets whose reminder is due, and the new unowned
tickets of their queues; nothing is sent on a day with nothing to list.
Sysadmins may, and users for themselves.`,
		Example: "  sak user set alice --digest 07:30\n  sak user set alice --digest off",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Login = cmd.Context(), args[0]
			if !cmd.Flags().Changed("digest") {
				return cmdutil.FlagErrorf("%s: nothing to set: give --digest", cmd.CommandPath())
			}
			if runF != nil {
				return runF(opts)
			}
			return setRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Digest, "digest", "", "daily digest `time`: HH:MM, off or default")
	return cmd
}

func setRun(opts *SetOptions) error {
	f := opts.Factory
	s, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	u, err := s.SetUserDigest(opts.Ctx, f.As, opts.Login, opts.Digest)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, u)
	}
	when := "at " + u.Digest
	switch u.Digest {
	case "off":
		when = "off"
	case "":
		when = "at the default of their queues"
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "Daily digest of %s: %s.\n", cmdutil.Sanitize(u.Login), when)
	return err
}
