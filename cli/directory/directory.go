// Package directory holds 'sak directory': sak's users (and their
// groups) from the organisation's directory over LDAP.
package directory

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"sak/cli/cmdutil"
	"sak/importer/ldapdir"
)

// NewCmdDirectory is the 'sak directory' group.
func NewCmdDirectory(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "directory <command>",
		Short: "Users from the organisation's directory (LDAP)",
		Long: `sak's users can come from the organisation's directory over LDAP: 'sak
directory sync' adds the people it lists, follows their address and name,
disables those who left, and sets the members of its groups. 'sak serve --directory-sync 1h' runs it on a
schedule, on one front end at a time.`,
		Example: "  sak directory sync --ldap ldaps://ldap.example.org --base ou=people,dc=example,dc=org --dry-run",
		Args:    cmdutil.GroupArgs,
		RunE:    cmdutil.GroupRun,
	}
	cmd.AddCommand(NewCmdSync(f, nil))
	return cmd
}

// LDAPFlags say where the directory is and how to read it: the flags of
// 'sak directory sync', and of 'sak serve' with the prefix directory-.
type LDAPFlags struct {
	URL, Base, Filter             string
	GroupBase, GroupFilter        string
	BindDN, BindPasswordFile      string
	LoginAttr, MailAttr, NameAttr string
}

// PasswordEnv holds the bind password when no --bind-password-file is
// given.
const PasswordEnv = "SAK_LDAP_PASSWORD"

// Register adds the flags to fs, each name after prefix.
func (l *LDAPFlags) Register(fs *pflag.FlagSet, prefix string) {
	fs.StringVar(&l.URL, prefix+"ldap", "", "the directory's `URL`: ldaps://HOST[:PORT], or ldap:// on a trusted network")
	fs.StringVar(&l.Base, prefix+"base", "", "the `DN` under which the people are (e.g. ou=people,dc=example,dc=org)")
	fs.StringVar(&l.Filter, prefix+"filter", ldapdir.DefaultFilter, "LDAP `FILTER` that selects the people")
	fs.StringVar(&l.GroupBase, prefix+"group-base", "", "the `DN` under which the groups are (default: groups are not synced)")
	fs.StringVar(&l.GroupFilter, prefix+"group-filter", ldapdir.DefaultGroupFilter, "LDAP `FILTER` that selects the groups")
	fs.StringVar(&l.BindDN, prefix+"bind-dn", "", "bind as `DN` (default: anonymously)")
	fs.StringVar(&l.BindPasswordFile, prefix+"bind-password-file", "", "`FILE` holding the bind password (or set "+PasswordEnv+")")
	fs.StringVar(&l.LoginAttr, prefix+"login-attr", "uid", "the `ATTRIBUTE` that holds the login")
	fs.StringVar(&l.MailAttr, prefix+"mail-attr", "mail", "the `ATTRIBUTE` that holds the mail address")
	fs.StringVar(&l.NameAttr, prefix+"name-attr", "cn", "the `ATTRIBUTE` that holds the name")
}

// Config is the reader's configuration, with the bind password read from
// its file (or PasswordEnv). prefix is Register's, for messages.
func (l *LDAPFlags) Config(prefix string) (ldapdir.Config, error) {
	c := ldapdir.Config{
		URL: l.URL, Base: l.Base, Filter: l.Filter, GroupBase: l.GroupBase, GroupFilter: l.GroupFilter, BindDN: l.BindDN,
		LoginAttr: l.LoginAttr, MailAttr: l.MailAttr, NameAttr: l.NameAttr,
	}
	if l.URL == "" || l.Base == "" {
		return c, cmdutil.FlagErrorf("give the directory with --%sldap URL and --%sbase DN", prefix, prefix)
	}
	if l.BindDN == "" {
		if l.BindPasswordFile != "" {
			return c, cmdutil.FlagErrorf("--%sbind-password-file needs --%sbind-dn", prefix, prefix)
		}
		return c, nil
	}
	c.BindPassword = os.Getenv(PasswordEnv)
	if l.BindPasswordFile != "" {
		b, err := os.ReadFile(l.BindPasswordFile)
		if err != nil {
			return c, fmt.Errorf("read the bind password: %w", err)
		}
		c.BindPassword = strings.TrimRight(string(b), "\r\n")
	}
	if c.BindPassword == "" {
		return c, errors.New("--" + prefix + "bind-dn needs a password: give --" + prefix + "bind-password-file FILE or set " + PasswordEnv)
	}
	return c, nil
}
