package user

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// AnonymiseOptions are the options of 'sak user anonymise'.
type AnonymiseOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Who     string
	Yes     bool
}

// NewCmdAnonymise is 'sak user anonymise'.
func NewCmdAnonymise(f *cmdutil.Factory, runF func(*AnonymiseOptions) error) *cobra.Command {
	opts := &AnonymiseOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "anonymise LOGIN|ADDRESS --yes",
		Aliases: []string{"anonymize"},
		Short:   "Take a person out of a user for good (GDPR)",
		Long: `Anonymise a user who left or asked to be forgotten: their name goes, their
address and login become anonymised-ID, they are disabled, and their roles,
group memberships, watching, tokens, digests and pending reminders go. Mail
not yet sent to them is not sent. The history keeps its lines, naming
anonymised-ID.

What they wrote stays in the tickets' mail: purge those tickets
('sak ticket purge') to remove it. To stop a caseworker who leaves, with
their name kept in the history, disable them instead ('sak user disable').

Only sysadmins may, on the database (not through a server); the last
sysadmin cannot be anonymised. It cannot be undone: give --yes, or type the
login or address when asked on a terminal.`,
		Example: "  sak user anonymise kari --yes\n  sak user anonymise student17@uni.example --yes",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Who = cmd.Context(), args[0]
			if !opts.Yes && !f.IOStreams.InIsTTY {
				return cmdutil.FlagErrorf("%s: anonymising cannot be undone: give --yes to anonymise %s", cmd.CommandPath(), opts.Who)
			}
			if runF != nil {
				return runF(opts)
			}
			return anonymiseRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "anonymise without asking")
	return cmd
}

func anonymiseRun(opts *AnonymiseOptions) error {
	f := opts.Factory
	if !opts.Yes {
		fmt.Fprintf(f.IOStreams.ErrOut, "Anonymising takes %s out of sak for good. Type %[1]s to go on: ", cmdutil.Sanitize(opts.Who))
		line, _ := bufio.NewReader(f.IOStreams.In).ReadString('\n')
		if !strings.EqualFold(strings.TrimSpace(line), opts.Who) {
			return fmt.Errorf("%s not anonymised: what was typed was not %[1]s", cmdutil.Sanitize(opts.Who))
		}
	}
	s, err := f.Store(opts.Ctx)
	if err != nil {
		return err
	}
	u, err := s.AnonymiseUser(opts.Ctx, f.As, opts.Who)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, u)
	}
	name := u.Login
	if name == "" {
		name = u.Email
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "%s anonymised: the user is %s now. What they wrote stays in the tickets' mail; 'sak ticket purge' removes a ticket's content.\n",
		cmdutil.Sanitize(opts.Who), cmdutil.Sanitize(name))
	return err
}
