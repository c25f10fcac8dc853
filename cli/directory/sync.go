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
		Use:   "sync --ldap URL --base DN [--filter F] [--group-base DN] [--bind-dn DN --bind-password-file FILE] [--dry-run]",
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

With --group-base, the groups under it (groupOfNames, groupOfUniqueNames
and posixGroup unless --group-filter says otherwise; named by cn) become
sak's groups ('sak group'), made when missing, their members set to the
directory's members who are active users. A group the directory made and
no longer lists loses its members; groups made in sak are never touched
unless the directory lists their name. Roles granted to groups ('sak
queue grant QUEUE --group NAME') are sak's, never the directory's.

An entry sak cannot take (no valid login or address, another user's
address, a login listed twice) is skipped with the reason, and its user
is left as is. A directory that lists nobody (a wrong --base or --filter)
changes nothing. The sync is one transaction: a second run changes
nothing, and --dry-run prints what the sync would do and changes nothing.
Sysadmins only, on the database.

The bind password comes from --bind-password-file or ` + PasswordEnv + `,
never the command line.`,
		Example: `  sak directory sync --ldap ldaps://ldap.example.org \
      --base ou=people,dc=example,dc=org --group-base ou=groups,dc=example,dc=org --dry-run
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
			cmdutil.Column{Header: "WHO", Max: 30},
			cmdutil.Column{Header: "EMAIL", Max: 40, Flex: true, Min: 16},
			cmdutil.Column{Header: "NAME", Max: 30, Flex: true, Min: 10},
			cmdutil.Column{Header: "NOTE", Flex: true, Min: 20},
		)
		for _, c := range r.Changes {
			t.AddRow(c.Action, c.Login+c.Group, c.Email, c.Name, Note(c))
		}
		if err := t.Render(f.IOStreams.Out); err != nil {
			return err
		}
	}
	return Summary(f.IOStreams.Out, r)
}

// Note is what a table says of a change beyond its login (or group),
// address and name: what changed (members added and removed, by login
// up to 5, else counted), or why.
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
	for _, m := range []struct {
		logins []string
		what   string
	}{{c.Added, "added"}, {c.Removed, "removed"}} {
		switch n := len(m.logins); {
		case n > 5:
			was = append(was, fmt.Sprintf("%d %s", n, m.what))
		case n > 0:
			was = append(was, m.what+" "+strings.Join(m.logins, ", "))
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
	groups := func(n int) string {
		if n == 1 {
			return "1 group"
		}
		return fmt.Sprintf("%d groups", n)
	}
	for _, a := range []struct {
		action      string
		done, would func(n int) string
	}{
		{mailstore.DirAdd, func(n int) string { return fmt.Sprintf("%d added", n) }, func(n int) string { return fmt.Sprintf("add %d", n) }},
		{mailstore.DirAdopt, func(n int) string { return fmt.Sprintf("%d adopted", n) }, func(n int) string { return fmt.Sprintf("adopt %d", n) }},
		{mailstore.DirChange, func(n int) string { return fmt.Sprintf("%d changed", n) }, func(n int) string { return fmt.Sprintf("change %d", n) }},
		{mailstore.DirDisable, func(n int) string { return fmt.Sprintf("%d disabled", n) }, func(n int) string { return fmt.Sprintf("disable %d", n) }},
		{mailstore.DirEnable, func(n int) string { return fmt.Sprintf("%d enabled", n) }, func(n int) string { return fmt.Sprintf("enable %d", n) }},
		{mailstore.DirGroupAdd, func(n int) string { return groups(n) + " made" }, func(n int) string { return "make " + groups(n) }},
		{mailstore.DirGroupAdopt, func(n int) string { return groups(n) + " adopted" }, func(n int) string { return "adopt " + groups(n) }},
		{mailstore.DirMembers, func(n int) string { return "the members of " + groups(n) + " set" }, func(n int) string { return "set the members of " + groups(n) }},
		{mailstore.DirGroupEmpty, func(n int) string { return groups(n) + " emptied" }, func(n int) string { return "empty " + groups(n) }},
		{mailstore.DirSkip, func(n int) string { return fmt.Sprintf("%d skipped", n) }, func(n int) string { return fmt.Sprintf("skip %d", n) }},
	} {
		if n := r.Count(a.action); n > 0 {
			did = append(did, a.done(n))
			would = append(would, a.would(n))
		}
	}
	lists := fmt.Sprintf("%d people", r.Users)
	if r.Groups > 0 {
		lists += " and " + groups(r.Groups)
	}
	switch {
	case r.DryRun && len(would) == 0:
		_, err := fmt.Fprintf(w, "Dry run: the directory lists %s; a sync would change nothing.\n", lists)
		return err
	case r.DryRun:
		_, err := fmt.Fprintf(w, "Dry run: the directory lists %s; a sync would %s. Nothing was changed.\n", lists, and(would))
		return err
	case len(did) == 0:
		_, err := fmt.Fprintf(w, "The directory lists %s: nothing to change.\n", lists)
		return err
	}
	_, err := fmt.Fprintf(w, "The directory lists %s: %s.\n", lists, and(did))
	return err
}

// and joins "a", "b" and "c" as "a, b and c".
func and(parts []string) string {
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
