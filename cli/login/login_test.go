package login_test

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sak/cli"
	"sak/cli/clitest"
	"sak/cli/remote"
	"sak/httpd"
	"sak/mailstore"
	"sak/mailstore/storetest"
)

func TestLogin(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		ctx := context.Background()
		s, err := mailstore.Open(ctx, e.DSN, mailstore.WithClock(e.Clock.Now))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		srv := httptest.NewServer(httpd.New(s, httpd.Config{}))
		t.Cleanup(srv.Close)
		home := t.TempDir()
		t.Setenv("XDG_CONFIG_HOME", home)

		// run runs sak in a home without the database: no --db, no SAK_DB.
		run := func(stdin io.Reader, args ...string) clitest.Result {
			t.Helper()
			e.Clock.Advance()
			f, stdout, stderr := e.Factory("")
			f.DB = filepath.Join(t.TempDir(), "none", "sak.db") // a store opened by mistake fails
			f.IOStreams.In = stdin
			code := cli.Run(ctx, f, args)
			return clitest.Result{Out: stdout.String(), Err: stderr.String(), Code: code}
		}
		code := func() string { return storetest.LoginCode(t, s, "alice@example.org") }

		r := run(strings.NewReader("12345678\n"), "login", srv.URL, "--user", "alice")
		if r.Code != 1 || r.Err != "sak: wrong or expired login code: ask for a new one with 'sak login'\n" {
			t.Errorf("login with a wrong code: exit %d, %q", r.Code, r.Err)
		}
		r = run(&clitest.LazyReader{Next: code}, "login", srv.URL, "--user", "alice", "--name", "laptop")
		if r.Code != 0 || !strings.HasPrefix(r.Out, "Logged in to "+srv.URL+" as alice; the token expires ") {
			t.Fatalf("login: exit %d, out %q, err %q", r.Code, r.Out, r.Err)
		}
		p := filepath.Join(home, "sak", "hosts.json")
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("hosts.json: %v, %v; want mode 0600", fi, err)
		}
		hosts, err := remote.ReadHosts()
		if err != nil {
			t.Fatal(err)
		}
		h := hosts.Hosts[srv.URL]
		if hosts.Current != srv.URL || h.User != "alice" || !strings.HasPrefix(h.Token, mailstore.TokenPrefix) {
			t.Fatalf("hosts.json = %+v", hosts)
		}
		if strings.Contains(r.Out+r.Err, h.Token) {
			t.Errorf("login printed the token")
		}
		r = run(strings.NewReader(""), "login", "--status")
		if r.Code != 0 || !strings.Contains(r.Out, "Server:  "+srv.URL+"\nUser:    alice\nToken:   ") {
			t.Errorf("login --status: exit %d, %q, %q", r.Code, r.Out, r.Err)
		}
		r = run(strings.NewReader(""), "logout")
		if r.Code != 0 || r.Out != "Logged out of "+srv.URL+".\n" {
			t.Errorf("logout: exit %d, %q, %q", r.Code, r.Out, r.Err)
		}
		if _, err := s.Authenticate(ctx, h.Token); err == nil {
			t.Errorf("the token works after logout")
		}
		r = run(strings.NewReader(""), "login", "--status")
		if r.Code != 0 || r.Out != "Not logged in to a server: sak works on the database (local mode).\n" {
			t.Errorf("status after logout: exit %d, %q, %q", r.Code, r.Out, r.Err)
		}
		r = run(strings.NewReader(""), "login", "http://sak.example.org", "--user", "alice")
		if r.Code != 2 || !strings.Contains(r.Err, "plain HTTP to another machine") {
			t.Errorf("login over plain HTTP: exit %d, %q", r.Code, r.Err)
		}
	})
}

func TestServerURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://sak.example.org/":    "https://sak.example.org",
		"http://127.0.0.1:8080":       "http://127.0.0.1:8080",
		"http://localhost:8080/sak/":  "http://localhost:8080/sak",
		"http://sak.example.org":      "",
		"ftp://sak.example.org":       "",
		"https://u:p@sak.example.org": "",
		"sak.example.org":             "",
	} {
		got, err := remote.ServerURL(in)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("ServerURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
