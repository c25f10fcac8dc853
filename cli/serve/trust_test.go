package serve_test

import (
	"context"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"sak/cli/clitest"
	"sak/cli/serve"
	"sak/mailstore"
)

// running is a sak serve started by startServe.
type running struct {
	smtp, lmtp, metrics net.Addr
	stderr              interface{ String() string }
}

// startServe runs sak serve with args until the test ends.
func startServe(t *testing.T, e *clitest.Env, args ...string) *running {
	t.Helper()
	f, _, stderr := e.Factory("root")
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stderr: stderr}
	ready := make(chan struct{})
	done := make(chan error, 1)
	cmd := serve.NewCmdServe(f, func(o *serve.ServeOptions) error {
		o.MetricsReady = func(a net.Addr) { r.metrics = a }
		o.Ready = func(s, l net.Addr) { r.smtp, r.lmtp = s, l; close(ready) }
		return serve.Serve(ctx, o)
	})
	cmd.SetArgs(append(args, "--hostname", "sak.test"))
	go func() { done <- cmd.Execute() }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve ended at start: %v\n%s", err, stderr)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	})
	return r
}

// TestServeTrust: no relay is trusted by default, not even loopback; an
// LMTP listener on a UNIX socket (mode 0660) is; a trusted relay range
// with loopback is warned about.
func TestServeTrust(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		sock := filepath.Join(t.TempDir(), "lmtp")
		r := startServe(t, e, "--smtp", "127.0.0.1:0", "--lmtp", "unix:"+sock, "--trusted-authserv", "mx.example.org")
		fi, err := os.Stat(sock)
		if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o660 {
			t.Fatalf("socket %s: %v, %v; want a socket of mode 0660", sock, fi.Mode(), err)
		}
		if strings.Contains(r.stderr.String(), "loopback") {
			t.Errorf("warned of loopback without a trusted relay:\n%s", r.stderr)
		}
		mail := func(cmd string) string {
			return "Authentication-Results: mx.example.org; dkim=pass (2048-bit key; unprotected) header.d=example.org header.i=@example.org\r\n" +
				"From: alice@example.org\r\nTo: support@example.org\r\nSubject: Re: [support #1] Printer on fire " + cmd +
				"\r\nMessage-ID: <" + strings.Trim(cmd, "[]") + "@example.org>\r\n\r\nOn it.\r\n"
		}
		status := func() string {
			var tk mailstore.Ticket
			e.JSON("root", &tk, "ticket", "show", "1")
			return tk.Status
		}

		// Over TCP from loopback: the header is anyone's.
		if err := smtp.SendMail(r.smtp.String(), nil, "alice@example.org", []string{"support@example.org"}, []byte(mail("[stall]"))); err != nil {
			t.Fatal(err)
		}
		if s := status(); s == mailstore.StatusStalled {
			t.Fatalf("Authentication-Results over loopback TCP without --trusted-relay acted: status %s", s)
		}
		// Over the UNIX socket: the MTA's.
		conn, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		c := gosmtp.NewClientLMTP(conn)
		defer c.Close()
		if err := c.SendMail("alice@example.org", []string{"support@example.org"}, strings.NewReader(mail("[resolve]"))); err != nil {
			t.Fatalf("LMTP over %s: %v", sock, err)
		}
		if s := status(); s != mailstore.StatusResolved {
			t.Fatalf("Authentication-Results over the UNIX socket did not act: status %s\n%s", s, r.stderr)
		}
	})
}

func TestServeWarnsOfLoopbackRelay(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		r := startServe(t, e, "--smtp", "127.0.0.1:0", "--trusted-relay", "127.0.0.0/8", "--trusted-relay", "192.0.2.1")
		if out := r.stderr.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "trusted_relay=127.0.0.0/8") || strings.Contains(out, "192.0.2.1") {
			t.Fatalf("want one warning, of 127.0.0.0/8:\n%s", out)
		}
	})
}

// TestMetricsPprof: /debug/pprof/ on a non-loopback --metrics address
// only with --metrics-pprof.
func TestMetricsPprof(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		for _, c := range []struct {
			args []string
			want int
		}{
			{[]string{"--metrics", "127.0.0.1:0"}, http.StatusOK},
			{[]string{"--metrics", "0.0.0.0:0"}, http.StatusNotFound},
			{[]string{"--metrics", "0.0.0.0:0", "--metrics-pprof"}, http.StatusOK},
		} {
			r := startServe(t, e, append([]string{"--smtp", "127.0.0.1:0"}, c.args...)...)
			port := r.metrics.(*net.TCPAddr).Port
			code, _ := get(t, "http://"+net.JoinHostPort("127.0.0.1", strconv.Itoa(port))+"/debug/pprof/")
			if code != c.want {
				t.Errorf("%v: GET /debug/pprof/ = %d, want %d", c.args, code, c.want)
			}
			if off := strings.Contains(r.stderr.String(), "pprof is off"); off != (c.want == http.StatusNotFound) {
				t.Errorf("%v: logged that pprof is off: %v\n%s", c.args, off, r.stderr)
			}
		}
	})
}
