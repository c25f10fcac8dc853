package serve_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sak/cli/clitest"
	"sak/cli/serve"
	"sak/internal/testldap"
)

// TestServeDirectorySync: two 'sak serve --directory-sync 1h' on one
// database: the directory's people become users at start, synced by one
// of them only (the lease); the bind password shows in no log.
func TestServeDirectorySync(t *testing.T) {
	srv := testldap.Start(t, "dn: uid=anna,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: anna\ncn: Anna Berg\nsn: Berg\nmail: anna@uni.example\n", testldap.Options{})
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(testldap.RootPW+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.MustRun("user", "add", "root", "--email", "root@example.org", "--sysadmin")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var logs []*bytes.Buffer
		var dones []chan error
		for range 2 {
			f, _, stderr := e.Factory("root")
			ready := make(chan struct{}, 1)
			done := make(chan error, 1)
			cmd := serve.NewCmdServe(f, func(o *serve.ServeOptions) error {
				o.Ready = func(net.Addr, net.Addr) { ready <- struct{}{} }
				return serve.Serve(ctx, o)
			})
			cmd.SetArgs([]string{"--smtp", "127.0.0.1:0", "--directory-sync", "1h",
				"--directory-ldap", srv.URL, "--directory-base", testldap.Suffix,
				"--directory-bind-dn", testldap.RootDN, "--directory-bind-password-file", pw})
			go func() { done <- cmd.Execute() }()
			select {
			case <-ready:
			case err := <-done:
				t.Fatalf("serve ended at start: %v\n%s", err, stderr)
			case <-time.After(10 * time.Second):
				t.Fatal("serve did not start")
			}
			logs, dones = append(logs, stderr), append(dones, done)
		}
		deadline := time.Now().Add(15 * time.Second)
		for !strings.Contains(e.MustRun("user", "list"), "anna@uni.example") {
			if time.Now().After(deadline) {
				t.Fatal("anna was not synced")
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond) // the other front end looks too
		cancel()
		for _, done := range dones {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("serve: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("serve did not stop")
			}
		}
		all := logs[0].String() + logs[1].String()
		if strings.Contains(all, "level=ERROR") {
			t.Errorf("the log has errors:\n%s", all)
		}
		if n := strings.Count(all, "msg=\"directory synced\""); n != 1 {
			t.Errorf("%d syncs, want 1:\n%s", n, all)
		}
		if !strings.Contains(all, "msg=\"directory sync: add\" directory="+srv.URL+" login=anna email=anna@uni.example\n") {
			t.Errorf("the log lacks anna's add:\n%s", all)
		}
		if strings.Contains(all, testldap.RootPW) {
			t.Errorf("the log shows the password:\n%s", all)
		}
	})
}

// TestServeDirectoryFlags: a sync without a directory, or a directory
// without a sync, is a usage error at start.
func TestServeDirectoryFlags(t *testing.T) {
	e := clitest.SQLite(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--directory-sync", "1h"}, "give the directory with --directory-ldap URL and --directory-base DN"},
		{[]string{"--directory-ldap", "ldap://127.0.0.1:1", "--directory-base", "dc=x"}, "--directory-ldap needs --directory-sync INTERVAL"},
	} {
		r := e.Run(append([]string{"serve", "--smtp", "127.0.0.1:0"}, c.args...)...)
		if r.Code != 2 || !strings.Contains(r.Err, c.want) {
			t.Errorf("serve %v: exit %d, %q; want exit 2 and %q", c.args, r.Code, r.Err, c.want)
		}
	}
}
