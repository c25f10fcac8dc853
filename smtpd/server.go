package smtpd

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"sak/mailstore"
)

// Config sets up the listeners.
type Config struct {
	Hostname        string        // the name in the greeting; default "localhost"
	MaxMessageBytes int64         // SIZE limit; default 25 MiB
	MaxRecipients   int           // default 100
	MaxLineLength   int           // longest line accepted, commands and DATA; default 128 KiB
	ReadTimeout     time.Duration // default 5 minutes (RFC 5321 4.5.3.2)
	WriteTimeout    time.Duration // default 5 minutes
	DataTimeout     time.Duration // the time one delivery may take in the store; default mailstore.DeliveryTimeout
	TLS             *tls.Config   // STARTTLS when set
}

func (c *Config) defaults() {
	if c.Hostname == "" {
		c.Hostname = "localhost"
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = 25 << 20
	}
	if c.MaxRecipients == 0 {
		c.MaxRecipients = 100
	}
	if c.MaxLineLength == 0 {
		// RFC 5321 allows 1000 octets, but real mail (and the MTA in
		// front of sak) carries longer lines; refusing them would bounce
		// real mail.
		c.MaxLineLength = 128 << 10
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = 5 * time.Minute
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 5 * time.Minute
	}
	if c.DataTimeout == 0 {
		c.DataTimeout = mailstore.DeliveryTimeout
	}
}

// Server serves SMTP and LMTP for a Deliverer.
type Server struct {
	cfg Config
	d   *Deliverer
	log *slog.Logger

	mu      sync.Mutex
	servers []*smtp.Server
	closed  bool // Shutdown has run: a later Serve serves nothing
}

// NewServer makes a server; call ServeSMTP/ServeLMTP with listeners.
func NewServer(d *Deliverer, cfg Config) *Server {
	cfg.defaults()
	return &Server{cfg: cfg, d: d, log: d.log()}
}

// newSMTP makes and registers a go-smtp server; nil after Shutdown.
func (s *Server) newSMTP(lmtp bool) *smtp.Server {
	srv := smtp.NewServer(&backend{s: s})
	srv.Domain = s.cfg.Hostname
	srv.LMTP = lmtp
	// go-smtp refuses a message of exactly MaxMessageBytes; the limit
	// it enforces is one more, and deliver refuses what is over ours.
	srv.MaxMessageBytes = s.cfg.MaxMessageBytes + 1
	srv.MaxRecipients = s.cfg.MaxRecipients
	srv.MaxLineLength = s.cfg.MaxLineLength
	srv.ReadTimeout = s.cfg.ReadTimeout
	srv.WriteTimeout = s.cfg.WriteTimeout
	srv.TLSConfig = s.cfg.TLS
	srv.ErrorLog = slog.NewLogLogger(s.log.Handler(), slog.LevelError)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.servers = append(s.servers, srv)
	return srv
}

// ServeSMTP serves SMTP on l until Shutdown.
func (s *Server) ServeSMTP(l net.Listener) error { return s.serve(l, false) }

// ServeLMTP serves LMTP on l until Shutdown.
func (s *Server) ServeLMTP(l net.Listener) error { return s.serve(l, true) }

// serve serves l until Shutdown. Each listener gets a go-smtp server of
// its own, made here: one asked for after Shutdown (a daemon stopped
// right after its start) closes l at once instead of accepting forever.
func (s *Server) serve(l net.Listener, lmtp bool) error {
	srv := s.newSMTP(lmtp)
	if srv == nil {
		l.Close()
		return nil
	}
	return ignoreClosed(srv.Serve(l))
}

func ignoreClosed(err error) error {
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits for the sessions in
// flight to end; when ctx ends first, it closes them.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	servers := append([]*smtp.Server(nil), s.servers...)
	s.mu.Unlock()
	var wg sync.WaitGroup
	errs := make([]error, len(servers))
	for i, srv := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Shutdown(ctx); err != nil {
				srv.Close()
				errs[i] = ignoreClosed(err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

type backend struct{ s *Server }

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	var ip net.IP
	if a, ok := c.Conn().RemoteAddr().(*net.TCPAddr); ok {
		ip = a.IP
	}
	_, local := c.Conn().LocalAddr().(*net.UnixAddr)
	remote := c.Conn().RemoteAddr().String()
	if local {
		remote = "unix:" + c.Conn().LocalAddr().String()
	}
	return &session{s: b.s, remote: ip, local: local, log: b.s.log.With("remote", remote)}, nil
}

// session is one SMTP or LMTP connection.
type session struct {
	s      *Server
	remote net.IP
	local  bool // over a UNIX socket (Envelope.Local)
	log    *slog.Logger
	from   string
	size   int64 // the SIZE the client declared, 0 if none
	routes []mailstore.Route
	rcpts  []string
	// refused are the recipients refused as no queue of sak's: not a
	// person's mailbox, so never a Cc of the ticket.
	refused []string
}

func (s *session) Reset() {
	s.from, s.size, s.routes, s.rcpts, s.refused = "", 0, nil, nil, nil
}

// readMessage reads the DATA of a message. When the client declared its
// SIZE (RFC 1870; MTAs do), the buffer is made once at that size: growing
// it by doubling would make a 20 MiB message cost several times its size
// in memory.
func readMessage(r io.Reader, declared, limit int64) ([]byte, error) {
	if declared <= 0 || declared > limit {
		return io.ReadAll(r)
	}
	buf := bytes.NewBuffer(make([]byte, 0, declared+declared/64+4096))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	s.Reset()
	s.from = from
	if opts != nil {
		s.size = opts.Size
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := s.s.d.Route(ctx, to)
	if err != nil {
		s.s.d.Metrics.Routed(err)
		if !errors.Is(err, mailstore.ErrUnknownQueue) {
			s.log.Error("route recipient", "rcpt", to, "err", err)
		} else {
			s.refused = append(s.refused, strings.ToLower(to))
		}
		return replyFor(err)
	}
	s.routes = append(s.routes, r)
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) deliver(r io.Reader) error {
	raw, err := readMessage(r, s.size, s.s.cfg.MaxMessageBytes)
	if err != nil {
		return replyFor(err)
	}
	if int64(len(raw)) > s.s.cfg.MaxMessageBytes {
		return smtp.ErrDataTooLarge
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.s.cfg.DataTimeout)
	defer cancel()
	env := &Envelope{MailFrom: s.from, Routes: s.routes, Remote: s.remote, Local: s.local, Refused: s.refused}
	_, err = s.s.d.Deliver(ctx, env, raw)
	return replyFor(err)
}

func (s *session) Data(r io.Reader) error { return s.deliver(r) }

// LMTPData answers once per recipient (RFC 2033). sak stores a mail to
// several queues as one ticket, so every recipient gets the same answer.
func (s *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	err := s.deliver(r)
	for _, rcpt := range s.rcpts {
		status.SetStatus(rcpt, err)
	}
	return nil
}

// replyFor turns an error into the SMTP reply a mail administrator
// expects: 550 for an unknown queue, 552 for an oversized message, 554 for
// an unusable one, and 451 for everything else, which the MTA retries.
// Nothing transient ever becomes a 5xx, and nothing reveals the setup.
func replyFor(err error) error {
	var se *smtp.SMTPError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return se
	case errors.Is(err, smtp.ErrTooLongLine):
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Line too long"}
	case errors.Is(err, mailstore.ErrUnknownQueue):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such queue here"}
	case errors.Is(err, ErrUnusable):
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message is empty"}
	case errors.Is(err, context.DeadlineExceeded):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 5}, Message: "Try again later"}
	}
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Local error, try again later"}
}

// ExitCode maps a delivery error to the sysexits code the mailgate exits
// with, so that an MTA pipe transport retries what is transient.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, mailstore.ErrUnknownQueue):
		return 67 // EX_NOUSER
	case errors.Is(err, ErrUnusable):
		return 65 // EX_DATAERR
	}
	return 75 // EX_TEMPFAIL
}

// String describes the configuration for the start-up log.
func (c Config) String() string {
	return fmt.Sprintf("hostname=%s size=%d rcpts=%d", c.Hostname, c.MaxMessageBytes, c.MaxRecipients)
}
