// Package testldap runs a throwaway OpenLDAP server (Debian's slapd) for
// tests: its own configuration and mdb database in the test's temporary
// directory, loaded from LDIF with slapadd, listening on a loopback port,
// and stopped at the test's end. Without slapd the test is skipped, but
// under CI=true, where a skip would hide a failure, it fails (.ci/run
// installs slapd).
package testldap

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Suffix, RootDN and RootPW are the directory's base and its
// administrator, who may read and write everything.
const (
	Suffix = "dc=example,dc=org"
	RootDN = "cn=admin,dc=example,dc=org"
	RootPW = "secret"
)

// Base is the LDIF of the suffix and its two branches, ou=people and
// ou=groups; Start loads it before the test's own.
const Base = `dn: dc=example,dc=org
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=example,dc=org
objectClass: organizationalUnit
ou: groups
`

// Server is a running slapd.
type Server struct {
	URL string // ldap://127.0.0.1:PORT
}

// Options change the server Start makes.
type Options struct {
	// SizeLimit is the most entries one search returns to anyone but
	// RootDN (slapd's sizelimit), so that a test can see that a client
	// pages; 0 is slapd's default, 500. Paged searches are not limited.
	SizeLimit int
}

// find returns the path of a program of slapd's package: on PATH, or in
// /usr/sbin, which is not on an ordinary user's PATH.
func find(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	p := "/usr/sbin/" + name
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s not found", name)
	}
	return p, nil
}

// Start runs slapd with the entries of ldif (after Base) until the test
// ends.
func Start(t testing.TB, ldif string, o Options) *Server {
	t.Helper()
	slapd, err := find("slapd")
	if err == nil {
		_, err = find("slapadd")
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("slapd is not installed under CI: the LDAP tests must run (apt-get install slapd)")
		}
		t.Skip("slapd is not installed: skipping the tests against a real LDAP server (apt-get install slapd; CI installs it)")
	}
	slapadd, _ := find("slapadd")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(conf, []byte(config(dir, o)), 0o600); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "entries.ldif")
	if err := os.WriteFile(in, []byte(Base+"\n"+strings.TrimSpace(ldif)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// -q: quick mode, no consistency checks of the LDIF beyond the
	// schema's; fast for the benchmark's thousands of entries.
	if out, err := exec.Command(slapadd, "-q", "-f", conf, "-l", in).CombinedOutput(); err != nil {
		t.Fatalf("slapadd: %v\n%s", err, out)
	}
	// The port is free when asked, and may be taken before slapd binds
	// it: then slapd exits and we try another.
	var last []byte
	for range 5 {
		port := freePort(t)
		url := fmt.Sprintf("ldap://127.0.0.1:%d", port)
		var log bytes.Buffer
		cmd := exec.Command(slapd, "-d", "0", "-f", conf, "-h", url+"/")
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatalf("start slapd: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		if up(port, exited) {
			t.Cleanup(func() {
				cmd.Process.Kill()
				<-exited
			})
			return &Server{URL: url}
		}
		cmd.Process.Kill()
		<-exited
		last = log.Bytes()
	}
	t.Fatalf("slapd did not start:\n%s", last)
	return nil
}

// up waits until slapd accepts connections on port; false when it exits
// first or takes over 10 s.
func up(port int, exited <-chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// config is a slapd.conf for a server whose files are all in dir.
func config(dir string, o Options) string {
	var b strings.Builder
	for _, s := range []string{"core", "cosine", "inetorgperson", "nis"} {
		fmt.Fprintf(&b, "include /etc/ldap/schema/%s.schema\n", s)
	}
	fmt.Fprintf(&b, "pidfile %s\n", filepath.Join(dir, "slapd.pid"))
	// Debian builds the mdb backend as a module.
	if _, err := os.Stat("/usr/lib/ldap/back_mdb.la"); err == nil {
		b.WriteString("modulepath /usr/lib/ldap\nmoduleload back_mdb\n")
	}
	if o.SizeLimit > 0 {
		fmt.Fprintf(&b, "sizelimit size.soft=%d size.hard=%d size.prtotal=unlimited\n", o.SizeLimit, o.SizeLimit)
	}
	fmt.Fprintf(&b, "database mdb\nsuffix %q\nrootdn %q\nrootpw %s\ndirectory %s\nmaxsize 1073741824\n",
		Suffix, RootDN, RootPW, filepath.Join(dir, "data"))
	b.WriteString("index uid,cn,memberUid eq\nindex member eq\nindex objectClass eq\n")
	// Anyone may read (sak binds anonymously or as RootDN in tests).
	b.WriteString("access to * by * read\n")
	return b.String()
}

// Admin is a connection to the server bound as RootDN, closed when the
// test ends: for a test to change the directory between syncs.
func (s *Server) Admin(t testing.TB) *ldap.Conn {
	t.Helper()
	c, err := ldap.DialURL(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Bind(RootDN, RootPW); err != nil {
		t.Fatal(err)
	}
	return c
}
