package login

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/cli/remote"
	"sak/mailstore"
)

// LogoutOptions are the options of 'sak logout'.
type LogoutOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Server  string // default the current one
}

// NewCmdLogout is 'sak logout'.
func NewCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{Factory: f}
	return &cobra.Command{
		Use:   "logout [URL]",
		Short: "Revoke this machine's token and forget it",
		Long: `Log out of a sak server (default the one in use): the server revokes the
token and it is removed from hosts.json.`,
		Example: "  sak logout",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if len(args) == 1 {
				u, err := remote.ServerURL(args[0])
				if err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
				opts.Server = u
			}
			if runF != nil {
				return runF(opts)
			}
			return logoutRun(opts)
		},
	}
}

func logoutRun(opts *LogoutOptions) error {
	f := opts.Factory
	hosts, err := remote.ReadHosts()
	if err != nil {
		return err
	}
	server, h, ok := hosts.Lookup(opts.Server)
	if !ok {
		return fmt.Errorf("not logged in to %s", cmdutil.Sanitize(orNone(server)))
	}
	err = remote.NewClient(server, h.Token).Do(opts.Ctx, "DELETE", "/api/v1/tokens/current", nil, nil)
	switch {
	case err == nil:
	case errors.Is(err, mailstore.ErrUnauthenticated):
		// Revoked or expired already: forget it all the same.
	default:
		return fmt.Errorf("revoke the token at %s (it is kept; try again): %w", server, err)
	}
	delete(hosts.Hosts, server)
	if hosts.Current == server {
		hosts.Current = ""
	}
	if err := hosts.Write(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "Logged out of %s.\n", server)
	return err
}

func orNone(s string) string {
	if s == "" {
		return "any server"
	}
	return s
}
