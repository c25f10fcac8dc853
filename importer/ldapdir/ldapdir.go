// Package ldapdir reads the people of an organisation's directory over
// LDAP (RFC 4511; paged searches, RFC 2696) for 'sak directory sync':
// their login, address and name. What sak does with them is
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

func (c *Config) defaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Filter, DefaultFilter)
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
	if _, err := ldap.CompileFilter(c.Filter); err != nil {
		return nil, fmt.Errorf("filter %q: %v", c.Filter, err)
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
	d, err := readUsers(conn, &c)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return d, err
}

// readUsers reads the people: one paged search.
func readUsers(conn *ldap.Conn, c *Config) (*mailstore.Directory, error) {
	req := ldap.NewSearchRequest(c.Base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		c.Filter, []string{c.LoginAttr, c.MailAttr, c.NameAttr}, nil)
	res, err := conn.SearchWithPaging(req, c.PageSize)
	if err != nil {
		return nil, fmt.Errorf("search %s for %s: %w", c.Base, c.Filter, err)
	}
	d := &mailstore.Directory{}
	for _, e := range res.Entries {
		d.Users = append(d.Users, mailstore.DirectoryUser{
			Ref:   e.DN,
			Login: e.GetAttributeValue(c.LoginAttr),
			Email: e.GetAttributeValue(c.MailAttr),
			Name:  strings.TrimSpace(e.GetAttributeValue(c.NameAttr)),
		})
	}
	return d, nil
}
