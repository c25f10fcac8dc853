package serve_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"sak/cli/clitest"
	"sak/cli/serve"
	"sak/mailstore"
)

// relay records the mail sak's outbound worker hands it.
type relay struct {
	mu    sync.Mutex
	rcpts []string
	mails []string
}

func (r *relay) NewSession(*gosmtp.Conn) (gosmtp.Session, error) { return &relaySession{r: r}, nil }

type relaySession struct {
	r     *relay
	rcpts []string
}

func (s *relaySession) Reset()                                 { s.rcpts = nil }
func (s *relaySession) Logout() error                          { return nil }
func (s *relaySession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *relaySession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}
func (s *relaySession) Data(r io.Reader) error {
	b, _ := io.ReadAll(r)
	s.r.mu.Lock()
	s.r.rcpts = append(s.r.rcpts, s.rcpts...)
	s.r.mails = append(s.r.mails, string(b))
	s.r.mu.Unlock()
	return nil
}

func (r *relay) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.rcpts...)
}

func TestServe(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		rl := &relay{}
		srv := gosmtp.NewServer(rl)
		srv.Domain = "relay.test"
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(l)
		defer srv.Close()

		f, _, stderr := e.Factory("root")
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan string, 1)
		done := make(chan error, 1)
		cmd := serve.NewCmdServe(f, func(o *serve.ServeOptions) error {
			o.Ready = func(smtpAddr, _ net.Addr) { ready <- smtpAddr.String() }
			return serve.Serve(ctx, o)
		})
		cmd.SetArgs([]string{"--smtp", "127.0.0.1:0", "--relay", l.Addr().String(), "--hostname", "sak.test"})
		go func() { done <- cmd.Execute() }()
		var addr string
		select {
		case addr = <-ready:
		case err := <-done:
			t.Fatalf("serve ended at start: %v\n%s", err, stderr)
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not start")
		}
		msg := "From: kim@example.com\r\nTo: support@example.org\r\nSubject: Hello\r\nMessage-ID: <serve1@example.com>\r\n\r\nHi.\r\n"
		if err := smtp.SendMail(addr, nil, "kim@example.com", []string{"support@example.org"}, []byte(msg)); err != nil {
			t.Fatalf("send: %v", err)
		}
		// The auto-reply reaches the relay.
		deadline := time.Now().Add(15 * time.Second)
		for !strings.Contains(strings.Join(rl.got(), ","), "kim@example.com") {
			if time.Now().After(deadline) {
				t.Fatalf("relay got %v, want the auto-reply to kim\n%s", rl.got(), stderr)
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not stop")
		}
		if !strings.Contains(stderr.String(), "outcome=create") || !strings.Contains(stderr.String(), "msg=stopped") {
			t.Fatalf("log lacks the delivery or the stop:\n%s", stderr)
		}
	})
}

func TestMailgate(t *testing.T) {
	clitest.EachLocal(t, func(t *testing.T, e *clitest.Env) {
		e.Seed()
		msg := "From: kim@example.com\r\nTo: support@example.org\r\nSubject: By pipe\r\nMessage-ID: <gate1@example.com>\r\n\r\nVia the pipe.\r\n"
		r := e.Exec("root", msg, "mailgate", "--recipient", "Support+x@example.org", "--sender", "kim@example.com", "-o", "json")
		if r.Code != 0 {
			t.Fatalf("mailgate: exit %d, %s", r.Code, r.Err)
		}
		var d mailstore.Delivery
		if err := json.Unmarshal([]byte(r.Out), &d); err != nil || !d.Created || d.Queue != "support" {
			t.Fatalf("delivery = %+v, %v", d, err)
		}
		// The same mail again: stored once, exit 0.
		if r := e.Exec("root", msg, "mailgate", "--recipient", "support@example.org"); r.Code != 0 {
			t.Fatalf("second delivery: exit %d, %s", r.Code, r.Err)
		}
		var ts []mailstore.Ticket
		e.JSON("root", &ts, "ticket", "list", "--all", "--requestor", "kim@example.com")
		var piped []mailstore.Ticket
		for _, tk := range ts {
			if tk.Subject == "By pipe" {
				piped = append(piped, tk)
			}
		}
		if len(piped) != 1 {
			t.Fatalf("%d tickets from the pipe, want 1", len(piped))
		}
		ts = piped
		comment := fmt.Sprintf("From: alice@example.org\r\nSubject: [support #%d] note\r\nMessage-ID: <gate2@example.com>\r\n\r\nInternal.\r\n", ts[0].ID)
		if r := e.Exec("root", comment, "mailgate", "--queue", "support", "--action", "comment", "--auth", "off"); r.Code != 0 {
			t.Fatalf("comment by queue: exit %d, %s", r.Code, r.Err)
		}
		for _, c := range []struct {
			name, stdin string
			args        []string
			code        int
		}{
			{"unknown address", msg, []string{"--recipient", "nobody@example.org"}, 67},
			{"empty message", "", []string{"--recipient", "support@example.org"}, 65},
			{"unknown queue", msg, []string{"--queue", "nope"}, 67},
			{"database unreachable", msg, []string{"--recipient", "support@example.org", "--db", "postgres://sak@127.0.0.1:1/sak?connect_timeout=2"}, 75},
			{"no recipient", msg, nil, 2},
		} {
			r := e.Exec("root", c.stdin, append([]string{"mailgate"}, c.args...)...)
			if r.Code != c.code {
				t.Errorf("%s: exit %d, want %d (%s)", c.name, r.Code, c.code, r.Err)
			}
		}
	})
}
