package directory

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/importer/ldapdir"
	"sak/mailstore"
)

// SyncOptions are the options of 'sak directory sync'.
type SyncOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	LDAP    LDAPFlags
	DryRun  bool
}

// NewCmdSync is 'sak directory sync'.
func NewCmdSync(f *cmdutil.Factory, runF func(*SyncOptions) error) *cobra.Command {
	opts := &SyncOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "sync --ldap URL --base DN [--filter F] [--bind-dn DN --bind-password-file FILE] [--dry-run]",
		Short: "Make sak's users what the directory lists",
		Long: `Read the people of the organisation's directory over LDAP (their login,
address and name: uid, mail and cn unless told otherwise) and make sak's
users match:

  - a login sak does not know becomes a user (a requestor known by the
    address gets the login, with their tickets);
  - a user's address and name follow the directory's;
  - a user the directory made who is no longer listed is disabled, never
    deleted: the tickets' history keeps their name. Listed again, they
    are enabled again;
  - users made in sak and not listed (root, local accounts) are never
    touched. A user made in sak whose login the directory lists is
    adopted ("adopt") and follows the directory from then on;
  - a user disabled by hand stays disabled; the directory never makes
    anyone a sysadmin.

An entry sak cannot take (no valid login or address, another user's
address, a login listed twice) is skipped with the reason, and its user
is left as is. A directory that lists nobody (a wrong --base or --filter)
changes nothing. The sync is one transaction: a second run changes
nothing, and --dry-run prints what the sync would do and changes nothing.
Sysadmins only, on the database.

The bind password comes from --bind-password-file or ` + PasswordEnv + `,
never the command line.`,
		Example: `  sak directory sync --ldap ldaps://ldap.example.org \
      --base ou=people,dc=example,dc=org --dry-run
  sak directory sync --ldap ldaps://ldap.example.org \
      --base ou=people,dc=example,dc=org --filter '(&(objectClass=inetOrgPerson)(employeeType=staff))' \
      --bind-dn cn=sak,ou=services,dc=example,dc=org --bind-password-file /etc/sak/ldap-password`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return syncRun(opts)
		},
	}
	opts.LDAP.Register(cmd.Flags(), "")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print what the sync would do, and change nothing")
	return cmd
}

func syncRun(opts *SyncOptions) error {
	f := opts.Factory
	cfg, err := opts.LDAP.Config("")
	if err != nil {
		return err
	}
	s, err := f.Store(opts.Ctx)
	if err != nil {
		return err
	}
	d, err := ldapdir.Read(opts.Ctx, cfg)
	if err != nil {
		return err
	}
	r, err := s.SyncDirectory(opts.Ctx, f.As, d, opts.DryRun)
	if err != nil {
		return err
	}
	if f.JSON() {
		if r.Changes == nil {
			r.Changes = []mailstore.DirectoryChange{}
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, r)
	}
	if len(r.Changes) > 0 {
		t := cmdutil.NewTable(f.IOStreams,
			cmdutil.Column{Header: "ACTION"},
			cmdutil.Column{Header: "LOGIN", Max: 20},
			cmdutil.Column{Header: "EMAIL", Max: 40, Flex: true, Min: 16},
			cmdutil.Column{Header: "NAME", Max: 30, Flex: true, Min: 10},
			cmdutil.Column{Header: "NOTE", Flex: true, Min: 20},
		)
		for _, c := range r.Changes {
			t.AddRow(c.Action, c.Login, c.Email, c.Name, Note(c))
		}
		if err := t.Render(f.IOStreams.Out); err != nil {
			return err
		}
	}
	return Summary(f.IOStreams.Out, r)
}

// Note is what a table says of a change beyond its login, address and
// name: what changed, or why.
func Note(c mailstore.DirectoryChange) string {
	var was []string
	for _, field := range c.Changed {
		switch field {
		case "email":
			was = append(was, "address was "+c.OldEmail)
		case "name":
			was = append(was, fmt.Sprintf("name was %q", c.OldName))
		}
	}
	if len(was) > 0 {
		return strings.Join(was, "; ")
	}
	return c.Reason
}

// Summary writes the line that ends a sync's output.
func Summary(w io.Writer, r *mailstore.DirectoryReport) error {
	var did, would []string
	for _, a := range []struct{ action, done string }{
		{mailstore.DirAdd, "added"}, {mailstore.DirAdopt, "adopted"}, {mailstore.DirChange, "changed"},
		{mailstore.DirDisable, "disabled"}, {mailstore.DirEnable, "enabled"}, {mailstore.DirSkip, "skipped"},
	} {
		if n := r.Count(a.action); n > 0 {
			did = append(did, fmt.Sprintf("%d %s", n, a.done))
			would = append(would, fmt.Sprintf("%s %d", a.action, n))
		}
	}
	switch {
	case r.DryRun && len(would) == 0:
		_, err := fmt.Fprintf(w, "Dry run: the directory lists %d people; a sync would change nothing.\n", r.Users)
		return err
	case r.DryRun:
		_, err := fmt.Fprintf(w, "Dry run: the directory lists %d people; a sync would %s. Nothing was changed.\n", r.Users, and(would))
		return err
	case len(did) == 0:
		_, err := fmt.Fprintf(w, "The directory lists %d people: nothing to change.\n", r.Users)
		return err
	}
	_, err := fmt.Fprintf(w, "The directory lists %d people: %s.\n", r.Users, and(did))
	return err
}

// and joins "a", "b" and "c" as "a, b and c".
func and(parts []string) string {
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
