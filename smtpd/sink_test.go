package smtpd

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// sink is an SMTP relay for tests: it records what it accepts, or answers
// every RCPT with fail when set. With dropAfter set, once it has accepted
// that many mails it goes away: the connection of the next MAIL is cut and
// no new one is taken.
type sink struct {
	mu        sync.Mutex
	got       []sunk
	fail      *smtp.SMTPError
	dropAfter int
	addr      string
	l         net.Listener
}

type sunk struct {
	from, rcpt string
	data       []byte
	helo       string // the name the client greeted with last
	tls        bool   // the mail came over TLS
}

// newSink starts a sink; with a TLS configuration it offers STARTTLS.
func newSink(t *testing.T, tlsConfig ...*tls.Config) *sink {
	t.Helper()
	k := &sink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &sinkSession{k: k, c: c}, nil }))
	srv.Domain = "relay.test"
	srv.AllowInsecureAuth = true
	if len(tlsConfig) > 0 {
		srv.TLSConfig = tlsConfig[0]
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k.addr, k.l = l.Addr().String(), l
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return k
}

func (k *sink) mails() []sunk {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]sunk(nil), k.got...)
}

func (k *sink) setFail(e *smtp.SMTPError) {
	k.mu.Lock()
	k.fail = e
	k.mu.Unlock()
}

type sinkSession struct {
	k     *sink
	c     *smtp.Conn
	from  string
	rcpts []string
}

func (s *sinkSession) Reset()        { s.from, s.rcpts = "", nil }
func (s *sinkSession) Logout() error { return nil }
func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	s.k.mu.Lock()
	gone := s.k.dropAfter > 0 && len(s.k.got) >= s.k.dropAfter
	s.k.mu.Unlock()
	if gone {
		s.k.l.Close()
		s.c.Close()
		return errors.New("gone")
	}
	s.from = from
	return nil
}
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.k.mu.Lock()
	defer s.k.mu.Unlock()
	if s.k.fail != nil {
		return s.k.fail
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.k.mu.Lock()
	defer s.k.mu.Unlock()
	for _, rc := range s.rcpts {
		_, tls := s.c.TLSConnectionState()
		s.k.got = append(s.k.got, sunk{from: s.from, rcpt: rc, data: b, helo: s.c.Hostname(), tls: tls})
	}
	return nil
}
