package serve_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"sak/cli"
	"sak/cli/clitest"
	"sak/cli/cmdutil"
	"sak/cli/remote"
	"sak/cli/serve"
	"sak/mailstore"
)

var codeRE = regexp.MustCompile(`(?m)^Subject: [^\r\n]*?([0-9]{8})\r?$`)

// code waits for the login code mailed to rcpt to reach the relay.
func (r *relay) code(t *testing.T, rcpt string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		for i := len(r.mails) - 1; i >= 0; i-- {
			if m := codeRE.FindStringSubmatch(r.mails[i]); m != nil && strings.Contains(r.mails[i], rcpt) {
				r.mu.Unlock()
				return m[1]
			}
		}
		r.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no login code for %s reached the relay", rcpt)
	return ""
}

// TestCaseworkerRemote is a caseworker's day from their own machine:
// 'sak serve --http' with a relay; 'sak login' with the code the relay
// got by mail; then take, reply, resolve from a home without the
// database. The server's database shows the work, done through the API.
func TestCaseworkerRemote(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		rl := &relay{}
		relaySrv := gosmtp.NewServer(rl)
		relaySrv.Domain = "relay.test"
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go relaySrv.Serve(l)
		defer relaySrv.Close()

		f, _, stderr := e.Factory("root")
		ctx, cancel := context.WithCancel(context.Background())
		apiAddr := make(chan string, 1)
		done := make(chan error, 1)
		cmd := serve.NewCmdServe(f, func(o *serve.ServeOptions) error {
			o.API.Ready = func(a net.Addr) { apiAddr <- a.String() }
			return serve.Serve(ctx, o)
		})
		cmd.SetArgs([]string{"--smtp", "127.0.0.1:0", "--relay", l.Addr().String(), "--hostname", "sak.test", "--http", "127.0.0.1:0"})
		go func() { done <- cmd.Execute() }()
		var server string
		select {
		case a := <-apiAddr:
			server = "http://" + a
		case err := <-done:
			t.Fatalf("serve ended at start: %v\n%s", err, stderr)
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not start")
		}
		stopped := false
		stop := func() {
			if !stopped {
				stopped = true
				cancel()
				<-done
			}
		}
		defer stop()

		// The caseworker's machine: a home of its own, no database.
		home := t.TempDir()
		t.Setenv("XDG_CONFIG_HOME", home)
		noDB := filepath.Join(t.TempDir(), "sak.db")
		run := func(stdin string, args ...string) clitest.Result {
			t.Helper()
			ios, stdout, stderr := cmdutil.TestStreams()
			ios.In = strings.NewReader(stdin)
			if stdin == "code" {
				ios.In = &clitest.LazyReader{Next: func() string { return rl.code(t, "alice@example.org") }}
			}
			f := &cmdutil.Factory{IOStreams: ios, DB: noDB, As: "someone-else", Output: cmdutil.OutputTable,
				Now: time.Now, Location: time.UTC, Hosts: remote.ReadHosts}
			code := cli.Run(context.Background(), f, args)
			return clitest.Result{Out: stdout.String(), Err: stderr.String(), Code: code}
		}
		must := func(args ...string) string {
			t.Helper()
			r := run("", args...)
			if r.Code != 0 {
				t.Fatalf("sak %s: exit %d, %s", strings.Join(args, " "), r.Code, r.Err)
			}
			return r.Out
		}

		if r := run("code", "login", server, "--user", "alice"); r.Code != 0 || !strings.HasPrefix(r.Out, "Logged in to "+server+" as alice") {
			t.Fatalf("login: exit %d, %q, %q", r.Code, r.Out, r.Err)
		}
		if out := must("ticket", "take", "1"); out != "Ticket 1 taken by alice.\n" {
			t.Errorf("take: %q", out)
		}
		if out := must("ticket", "reply", "1", "-m", "Slukk brannen først."); out != "Reply to ticket 1 queued for pat@example.com, walt@example.org.\n" { // walt watches support
			t.Errorf("reply: %q", out)
		}
		if out := must("ticket", "resolve", "1"); out != "Ticket 1 resolved.\n" {
			t.Errorf("resolve: %q", out)
		}
		var mine []mailstore.Ticket
		if err := json.Unmarshal([]byte(must("ticket", "list", "--owner", "me", "--status", "resolved", "-o", "json")), &mine); err != nil || len(mine) != 1 || mine[0].ID != 1 {
			t.Errorf("my resolved tickets: %+v, %v", mine, err)
		}
		// Ticket 3 is it-help's: alice is not there, and it does not exist for her.
		if r := run("", "ticket", "show", "3"); r.Code != 1 || r.Err != "sak: no ticket 3\n" {
			t.Errorf("show 3: exit %d, %q", r.Code, r.Err)
		}
		// Only sysadmins act for others over the API.
		if r := run("", "ticket", "take", "2", "--as", "bob"); r.Code != 1 || !strings.Contains(r.Err, "sysadmin") {
			t.Errorf("take --as bob: exit %d, %q", r.Code, r.Err)
		}
		// A script's token (SAK_SERVER, SAK_TOKEN) that is not one.
		ios, _, errb := cmdutil.TestStreams()
		bad := &cmdutil.Factory{IOStreams: ios, DB: noDB, Server: server, Token: mailstore.TokenPrefix + "forged", Output: cmdutil.OutputTable, Now: time.Now}
		if code := cli.Run(context.Background(), bad, []string{"ticket", "list"}); code != 1 || !strings.Contains(errb.String(), "token") {
			t.Errorf("a forged token: exit %d, %q", code, errb.String())
		}
		// A sysadmin acts for bob with --as; the history says both.
		rootToken := strings.TrimSpace(e.MustRun("token", "create", "--name", "admin"))
		ios, stdout, errb := cmdutil.TestStreams()
		admin := &cmdutil.Factory{IOStreams: ios, DB: noDB, Server: server, Token: rootToken, As: "bob", AsGiven: true, Output: cmdutil.OutputTable, Now: time.Now}
		if code := cli.Run(context.Background(), admin, []string{"ticket", "take", "2"}); code != 0 || stdout.String() != "Ticket 2 taken by bob.\n" {
			t.Errorf("take 2 --as bob by root: exit %d, %q, %q", code, stdout, errb)
		}
		if out := e.MustRun("ticket", "show", "2"); !strings.Contains(out, "bob (by root)") {
			t.Errorf("ticket 2's history does not say root acted for bob:\n%s", out)
		}
		// Commands of the database are the server's.
		if r := run("", "outbox", "list"); r.Code != 1 || !strings.Contains(r.Err, "works on the database, not through "+server) {
			t.Errorf("outbox list: exit %d, %q", r.Code, r.Err)
		}
		if _, err := os.Stat(noDB); err == nil {
			t.Errorf("the caseworker's machine opened a database at %s", noDB)
		}

		// The server's database: alice did it, through the API.
		var d mailstore.Detail
		e.JSON("root", &d, "ticket", "show", "1")
		if d.Status != mailstore.StatusResolved || d.OwnerLogin() != "alice" {
			t.Errorf("ticket 1: status %s, owner %q", d.Status, d.OwnerLogin())
		}
		var viaAPI int
		for _, tx := range d.Transactions {
			if tx.Via == mailstore.ViaAPI && tx.Actor == "alice" {
				viaAPI++
			}
		}
		if viaAPI < 3 {
			t.Errorf("%d of ticket 1's transactions by alice through the API, want 3 or more:\n%+v", viaAPI, d.Transactions)
		}

		// Every request is logged with its user; the token never is.
		hosts, err := remote.ReadHosts()
		if err != nil {
			t.Fatal(err)
		}
		token := hosts.Hosts[server].Token
		if r := run("", "logout"); r.Code != 0 {
			t.Errorf("logout: exit %d, %q", r.Code, r.Err)
		}
		stop() // the log is read when nothing writes it any more
		log := stderr.String()
		if token == "" || strings.Contains(log, token) || !strings.Contains(log, "user=alice method=POST path=/api/v1/tickets/1/take status=200") {
			t.Errorf("the server's log lacks the take, or holds the token:\n%s", log)
		}
	})
}
