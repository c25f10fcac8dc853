// Package login holds 'sak login' and 'sak logout': the CLI on a
// caseworker's own machine gets a personal token from a sak server by a
// code mailed to the person, and keeps it in hosts.json (package remote).
package login

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/cli/remote"
	"sak/mailstore"
)

// LoginOptions are the options of 'sak login'.
type LoginOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Server  string
	User    string
	Name    string // of the token; default the machine's name
	Status  bool
}

// NewCmdLogin is 'sak login'.
func NewCmdLogin(f *cmdutil.Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "login URL --user LOGIN | login --status",
		Short: "Log in to a sak server with a code mailed to you",
		Long: `Log in to a sak server: the server mails a one-time code to the address it
has for LOGIN; type it when asked (or give it on stdin). The CLI then keeps
a personal token for the server in $XDG_CONFIG_HOME/sak/hosts.json (default
~/.config/sak/), readable by you alone. A code works once, for 10 minutes.

--status says which server and user the CLI uses, and when the token
expires.`,
		Example: `  sak login https://sak.example.org --user alice
  sak login --status`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			switch {
			case opts.Status && len(args) > 0:
				return cmdutil.FlagErrorf("--status takes no URL")
			case !opts.Status && len(args) != 1:
				return cmdutil.FlagErrorf("give the server's URL: sak login URL --user LOGIN")
			case !opts.Status && opts.User == "":
				return cmdutil.FlagErrorf("give your login on the server with --user LOGIN")
			}
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
			if opts.Status {
				return statusRun(opts)
			}
			return loginRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.User, "user", "", "your `LOGIN` on the server")
	fl.StringVar(&opts.Name, "name", "", "a `NAME` for the token (default this machine's name)")
	fl.BoolVar(&opts.Status, "status", false, "show the server, user and token in use")
	return cmd
}

func loginRun(opts *LoginOptions) error {
	f := opts.Factory
	ios := f.IOStreams
	c := remote.NewClient(opts.Server, "")
	user := strings.ToLower(strings.TrimSpace(opts.User))
	if err := c.Do(opts.Ctx, "POST", "/api/v1/login/code", map[string]string{"user": user}, nil); err != nil {
		return err
	}
	if ios.InIsTTY {
		fmt.Fprintf(ios.ErrOut, "A login code was mailed to the address %s has for %s.\nCode: ", opts.Server, cmdutil.Sanitize(user))
	}
	code, err := bufio.NewReader(ios.In).ReadString('\n')
	code = strings.TrimSpace(code)
	if code == "" {
		if err != nil && err.Error() != "EOF" {
			return fmt.Errorf("read the login code: %w", err)
		}
		return errors.New("no login code given")
	}
	name := opts.Name
	if name == "" {
		name, _ = os.Hostname()
	}
	var tok mailstore.IssuedToken
	if err := c.Do(opts.Ctx, "POST", "/api/v1/login/token", map[string]string{"user": user, "code": code, "name": name}, &tok); err != nil {
		return err
	}
	if tok.Token == nil || tok.Secret == "" {
		return fmt.Errorf("%s answered no token", opts.Server)
	}
	hosts, err := remote.ReadHosts()
	if err != nil {
		return err
	}
	hosts.Hosts[opts.Server] = remote.Host{User: tok.User, Token: tok.Secret, TokenID: tok.ID, Expires: tok.Expires}
	hosts.Current = opts.Server
	if err := hosts.Write(); err != nil {
		return err
	}
	exp := ""
	if tok.Expires != nil {
		exp = "; the token expires " + cmdutil.FormatTime(*tok.Expires, f.Loc())
	}
	_, err = fmt.Fprintf(ios.Out, "Logged in to %s as %s%s.\n", opts.Server, cmdutil.Sanitize(tok.User), exp)
	return err
}

func statusRun(opts *LoginOptions) error {
	f := opts.Factory
	out := f.IOStreams.Out
	hosts, err := remote.ReadHosts()
	if err != nil {
		return err
	}
	server, h, ok := hosts.Lookup(opts.Server)
	if !ok {
		_, err := fmt.Fprintln(out, "Not logged in to a server: sak works on the database (local mode).")
		return err
	}
	var who struct {
		User  string           `json:"user"`
		Token *mailstore.Token `json:"token"`
	}
	if err := remote.NewClient(server, h.Token).Do(opts.Ctx, "GET", "/api/v1/whoami", nil, &who); err != nil {
		if errors.Is(err, mailstore.ErrUnauthenticated) {
			return fmt.Errorf("the token for %s no longer works (%s): log in again with 'sak login %s --user %s'", server, err, server, h.User)
		}
		return err
	}
	exp := "never"
	if who.Token != nil && who.Token.Expires != nil {
		exp = cmdutil.FormatTime(*who.Token.Expires, f.Loc())
	}
	_, err = fmt.Fprintf(out, "Server:  %s\nUser:    %s\nToken:   %d, expires %s\n", server, cmdutil.Sanitize(who.User), h.TokenID, exp)
	return err
}
