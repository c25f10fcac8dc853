// Package digest holds 'sak digest': the caseworkers' daily digest.
package digest

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// NewCmdDigest is the 'sak digest' group.
func NewCmdDigest(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "digest <command>",
		Short: "The caseworkers' daily digest",
		Long: `'sak serve' mails each caseworker whose digest is on ('sak user set LOGIN
--digest 07:30', 'sak queue set NAME --digest-default 07:30') a digest once
a day at their time. 'sak digest send' queues digests now.`,
		Example: "  sak user set alice --digest 07:30\n  sak digest send --user alice",
		Args:    cmdutil.GroupArgs,
		RunE:    cmdutil.GroupRun,
	}
	cmd.AddCommand(NewCmdSend(f, nil))
	return cmd
}

// SendOptions are the options of 'sak digest send'.
type SendOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	User    string
}

// NewCmdSend is 'sak digest send'.
func NewCmdSend(f *cmdutil.Factory, runF func(*SendOptions) error) *cobra.Command {
	opts := &SendOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "send [--user LOGIN]",
		Short: "Queue digests now",
		Long: `Queue the daily digest of every caseworker whose digest is on and who has
not had today's, whatever its time (for a cron job); or, with --user, that
caseworker's now, even if sent today or off. A digest with nothing to list
is not sent. Sysadmins may, and caseworkers for themselves.`,
		Example: "  sak digest send --user alice\n  sak digest send --as root",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return sendRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.User, "user", "", "send the digest of `LOGIN` only")
	return cmd
}

func sendRun(opts *SendOptions) error {
	f := opts.Factory
	s, err := f.Store(opts.Ctx)
	if err != nil {
		return err
	}
	n, err := s.SendDigests(opts.Ctx, f.As, opts.User)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]int{"queued": n})
	}
	if n == 0 {
		_, err = fmt.Fprintln(f.IOStreams.Out, "No digest queued: nothing to list, or sent today already.")
		return err
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "%d %s queued.\n", n, map[bool]string{true: "digest", false: "digests"}[n == 1])
	return err
}
