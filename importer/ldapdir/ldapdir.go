// Package ldapdir reads the people of an organisation's directory over
// LDAP (RFC 4511; paged searches, RFC 2696) for 'sak directory sync':
// their login, address and name, and the groups they are members of
// (groupOfNames and groupOfUniqueNames by member DN, posixGroup by
// memberUid; RFC 4519, RFC 2307). What sak does with them is
// mailstore.SyncDirectory's.
package ldapdir

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"sak/mailstore"
)

// Config says where the directory is and how to read it.
type Config struct {
	URL string // ldap://HOST[:PORT] or ldaps://HOST[:PORT]
	// Base is the DN under which the people are; Filter selects them
	// (default DefaultFilter).
	Base, Filter string
	// GroupBase is the DN under which the groups are; "" reads no
	// groups. GroupFilter selects them (default DefaultGroupFilter).
	GroupBase, GroupFilter string
	// BindDN and BindPassword authenticate; both empty binds anonymously.
	BindDN, BindPassword string
	// The attributes of the login, the address and the name (defaults
	// uid, mail, cn).
	LoginAttr, MailAttr, NameAttr string
	// PageSize is how many entries the server sends at a time (default
	// 500, within most servers' size limits).
	PageSize uint32
	// Timeout bounds the connection and each request (default 1 minute).
	Timeout time.Duration
}

// DefaultFilter selects the people of a directory.
const DefaultFilter = "(objectClass=inetOrgPerson)"

// DefaultGroupFilter selects the groups of a directory.
const DefaultGroupFilter = "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))"

func (c *Config) defaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Filter, DefaultFilter)
	def(&c.GroupFilter, DefaultGroupFilter)
	def(&c.LoginAttr, "uid")
	def(&c.MailAttr, "mail")
	def(&c.NameAttr, "cn")
	if c.PageSize == 0 {
		c.PageSize = 500
	}
	if c.Timeout == 0 {
		c.Timeout = time.Minute
	}
}

// Read reads the people of the directory. It fails, reading nothing, when
// the directory cannot be reached, refuses the bind, or refuses a search;
// a filter that does not parse is an error before anything is sent.
func Read(ctx context.Context, c Config) (*mailstore.Directory, error) {
	c.defaults()
	if c.URL == "" || c.Base == "" {
		return nil, errors.New("the directory needs a URL (--ldap) and a base DN (--base)")
	}
	for _, f := range []string{c.Filter, c.GroupFilter} {
		if _, err := ldap.CompileFilter(f); err != nil {
			return nil, fmt.Errorf("filter %q: %v", f, err)
		}
	}
	if (c.BindDN == "") != (c.BindPassword == "") {
		return nil, errors.New("a bind DN needs its password, and a password its bind DN")
	}
	conn, err := ldap.DialURL(c.URL, ldap.DialWithDialer(&net.Dialer{Timeout: c.Timeout}))
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", c.URL, err)
	}
	defer conn.Close()
	conn.SetTimeout(c.Timeout)
	// The searches take no context: closing the connection ends them.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if c.BindDN != "" {
		if err := conn.Bind(c.BindDN, c.BindPassword); err != nil {
			return nil, fmt.Errorf("bind to %s as %s: %w", c.URL, c.BindDN, err)
		}
	}
	d, dns, err := readUsers(conn, &c)
	if err == nil && c.GroupBase != "" {
		d.GroupsRead = true
		d.Groups, err = readGroups(conn, &c, dns)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// search runs one paged search of the subtree under base.
func search(conn *ldap.Conn, c *Config, base, filter string, attrs []string) ([]*ldap.Entry, error) {
	req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil)
	res, err := conn.SearchWithPaging(req, c.PageSize)
	if ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return nil, fmt.Errorf("search %s for %s: %w: the server limits how many entries one search returns; bind as an account whose limits allow them all (OpenLDAP: limits dn.exact=\"BIND-DN\" size=unlimited)", base, filter, err)
	}
	if err != nil {
		return nil, fmt.Errorf("search %s for %s: %w", base, filter, err)
	}
	return res.Entries, nil
}

// readUsers reads the people, and the logins by normalised DN (normDN),
// by which groupOfNames name their members.
func readUsers(conn *ldap.Conn, c *Config) (*mailstore.Directory, map[string]string, error) {
	es, err := search(conn, c, c.Base, c.Filter, []string{c.LoginAttr, c.MailAttr, c.NameAttr})
	if err != nil {
		return nil, nil, err
	}
	d := &mailstore.Directory{}
	dns := make(map[string]string, len(es))
	for _, e := range es {
		u := mailstore.DirectoryUser{
			Ref:   e.DN,
			Login: e.GetAttributeValue(c.LoginAttr),
			Email: e.GetAttributeValue(c.MailAttr),
			Name:  strings.TrimSpace(e.GetAttributeValue(c.NameAttr)),
		}
		d.Users = append(d.Users, u)
		dns[normDN(e.DN)] = u.Login
	}
	return d, dns, nil
}

// readGroups reads the groups and their members: by DN (member,
// uniqueMember; those not among the people read are left out: people
// the filter does not select, nested groups) or by login (memberUid).
func readGroups(conn *ldap.Conn, c *Config, dns map[string]string) ([]mailstore.DirectoryGroup, error) {
	es, err := search(conn, c, c.GroupBase, c.GroupFilter, []string{"cn", "member", "uniqueMember", "memberUid"})
	if err != nil {
		return nil, err
	}
	gs := make([]mailstore.DirectoryGroup, 0, len(es))
	for _, e := range es {
		g := mailstore.DirectoryGroup{Ref: e.DN, Name: e.GetAttributeValue("cn")}
		for _, attr := range []string{"member", "uniqueMember"} {
			for _, dn := range e.GetAttributeValues(attr) {
				if login, ok := dns[normDN(dn)]; ok {
					g.Members = append(g.Members, login)
				}
			}
		}
		g.Members = append(g.Members, e.GetAttributeValues("memberUid")...)
		gs = append(gs, g)
	}
	return gs, nil
}

// normDN is a DN as written to compare: attribute types and values in
// lower case, without the spaces LDAP ignores (uid=Anna, ou=People is
// uid=anna,ou=people). A uniqueMember's optional #UID suffix is dropped.
func normDN(dn string) string {
	if i := strings.LastIndex(dn, "#'"); i > 0 {
		dn = dn[:i]
	}
	p, err := ldap.ParseDN(dn)
	if err != nil {
		return strings.ToLower(dn)
	}
	var b strings.Builder
	for i, rdn := range p.RDNs {
		if i > 0 {
			b.WriteByte(',')
		}
		for j, a := range rdn.Attributes {
			if j > 0 {
				b.WriteByte('+')
			}
			b.WriteString(strings.ToLower(a.Type) + "=" + strings.ToLower(a.Value))
		}
	}
	return b.String()
}
