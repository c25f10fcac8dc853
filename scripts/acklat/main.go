// Command acklat measures how long a requestor waits for the
// acknowledgement of a new ticket: the time from sak's 250 for a mail to
// the auto-reply reaching the relay. It starts 'sak serve' (the binary
// given) on a fresh SQLite store with a capture relay of its own, sends
// -n mails one after the other, each from a new sender, and prints each
// latency and their median.
//
//	go build -o /tmp/sak ./cmd/sak && go run ./scripts/acklat -sak /tmp/sak
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// relay is a capture relay: it reports each recipient as its mail arrives.
type relay struct{ got chan string }

func (r *relay) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{r: r}, nil }

type session struct {
	r     *relay
	rcpts []string
}

func (s *session) AuthPlain(string, string) error       { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}
func (s *session) Reset()        { s.rcpts = nil }
func (s *session) Logout() error { return nil }
func (s *session) Data(r io.Reader) error {
	io.Copy(io.Discard, r)
	for _, to := range s.rcpts {
		s.r.got <- to
	}
	return nil
}

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// send delivers msg over a plain SMTP connection and returns after the
// 250 to its data.
func send(addr, from, msg string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(from, []string{"support@example.org"}, strings.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}

func main() {
	sak := flag.String("sak", "sak", "the sak binary")
	n := flag.Int("n", 10, "mails to send")
	flag.Parse()
	if err := run(*sak, *n); err != nil {
		fmt.Fprintln(os.Stderr, "acklat:", err)
		os.Exit(1)
	}
}

func run(sak string, n int) error {
	dir, err := os.MkdirTemp("", "acklat")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	env := append(os.Environ(), "SAK_DB="+filepath.Join(dir, "sak.db"), "SAK_USER=root")
	for _, args := range [][]string{
		{"user", "add", "root", "--email", "root@example.org", "--sysadmin"},
		{"queue", "create", "support", "--address", "support@example.org"},
	} {
		cmd := exec.Command(sak, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("sak %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	r := &relay{got: make(chan string, 100)}
	srv := smtp.NewServer(r)
	srv.Domain = "relay.test"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0) // the worker hanging up after QUIT is no news
	relayAddr := freePort()
	ln, err := net.Listen("tcp", relayAddr)
	if err != nil {
		return err
	}
	go srv.Serve(ln)
	defer srv.Close()

	smtpAddr := freePort()
	cmd := exec.Command(sak, "serve", "--smtp", smtpAddr, "--relay", relayAddr, "--auth=off", "--log-level", "warn", "--hostname", "sak.test")
	cmd.Env = env
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	var once sync.Once
	stop := func() { once.Do(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }) }
	defer stop()
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", smtpAddr)
		if err == nil {
			c.Close()
			break
		}
		if i > 100 {
			return fmt.Errorf("sak serve does not listen on %s", smtpAddr)
		}
		time.Sleep(50 * time.Millisecond)
	}

	var lat []time.Duration
	for i := range n {
		from := fmt.Sprintf("req%d-%d@example.com", i, time.Now().UnixNano())
		msg := fmt.Sprintf("From: <%s>\r\nTo: support@example.org\r\nSubject: question %d\r\nMessage-ID: <%d.%s>\r\nDate: %s\r\n\r\nHello.\r\n",
			from, i, i, from, time.Now().Format(time.RFC1123Z))
		if err := send(smtpAddr, from, msg); err != nil {
			return fmt.Errorf("send %d: %w", i, err)
		}
		acked := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		for {
			select {
			case to := <-r.got:
				if to != from {
					continue
				}
			case <-ctx.Done():
				cancel()
				return fmt.Errorf("no auto-reply to %s within 10s", from)
			}
			break
		}
		cancel()
		d := time.Since(acked)
		lat = append(lat, d)
		fmt.Printf("%2d %8.1f ms\n", i, float64(d.Microseconds())/1000)
		time.Sleep(time.Duration(137*(i%7)) * time.Millisecond) // land at different points of the poll
	}
	slices.Sort(lat)
	fmt.Printf("n=%d min %.1f ms, median %.1f ms, max %.1f ms\n", n,
		float64(lat[0].Microseconds())/1000, float64(lat[len(lat)/2].Microseconds())/1000, float64(lat[len(lat)-1].Microseconds())/1000)
	return nil
}
