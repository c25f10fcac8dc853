package smtpd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"sak/mailstore"
)

// Daemon is 'sak serve' without its flags: the SMTP and LMTP listeners
// over one Deliverer, the outbound worker, the ticker that turns due
// reminders into outbox mail, and their shutdown.
type Daemon struct {
	Deliverer *Deliverer // its Store and Log serve the whole daemon
	Config    Config

	// SMTP and LMTP are the addresses to listen on, HOST:PORT or
	// unix:PATH; "" for none.
	SMTP, LMTP string
	// SocketGID is the group of the UNIX sockets; -1 leaves it.
	SocketGID int
	// ShutdownTimeout is the time sessions in flight get to finish.
	ShutdownTimeout time.Duration

	// Outbound sends the outbox to the relay; nil: outgoing mail stays in
	// the outbox. Its Store is set to the Deliverer's, and a commit of
	// the Store that queued mail wakes it (mailstore.WithOutboxNotify).
	Outbound *Outbound

	// Ready, when set, is called with the listeners' addresses once the
	// daemon accepts mail (tests).
	Ready func(smtp, lmtp net.Addr)
}

// Run serves until ctx ends or a listener fails, then stops accepting
// mail, gives the sessions in flight ShutdownTimeout to finish, and stops
// the workers. It returns the listener's failure, if that ended it.
func (dm *Daemon) Run(ctx context.Context) error {
	store, log := dm.Deliverer.Store, dm.Deliverer.log()
	srv := NewServer(dm.Deliverer, dm.Config)

	var wg sync.WaitGroup
	errc := make(chan error, 4)
	var smtpAddr, lmtpAddr net.Addr
	for _, l := range []struct {
		addr  string
		lmtp  bool
		where *net.Addr
	}{{dm.SMTP, false, &smtpAddr}, {dm.LMTP, true, &lmtpAddr}} {
		if l.addr == "" {
			continue
		}
		ln, err := Listen(l.addr, dm.SocketGID)
		if err != nil {
			srv.Shutdown(context.Background())
			return err
		}
		*l.where = ln.Addr()
		proto := map[bool]string{false: "smtp", true: "lmtp"}[l.lmtp]
		log.Info("listening", "proto", proto, "addr", ln.Addr().String(), "hostname", srv.cfg.Hostname, "db", store.String())
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if l.lmtp {
				err = srv.ServeLMTP(ln)
			} else {
				err = srv.ServeSMTP(ln)
			}
			if err != nil {
				errc <- fmt.Errorf("%s on %s: %w", proto, ln.Addr(), err)
			}
		}()
	}
	workCtx, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	if out := dm.Outbound; out != nil {
		out.Store = store
		if out.Metrics == nil {
			out.Metrics = dm.Deliverer.Metrics
		}
		kick := make(chan struct{}, 1)
		out.Kick = kick
		mailstore.WithOutboxNotify(func() {
			select {
			case kick <- struct{}{}:
			default: // a wake-up is pending already
			}
		})(store)
		log.Info("outbound relay", "relay", out.Relay)
		wg.Add(1)
		go func() { defer wg.Done(); out.Run(workCtx) }()
	} else {
		log.Info("no --relay: outgoing mail stays in the outbox")
	}
	wg.Add(1)
	go func() { defer wg.Done(); remind(workCtx, store, log) }()
	if dm.Ready != nil {
		dm.Ready(smtpAddr, lmtpAddr)
	}

	var err error
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing sessions in flight", "timeout", dm.ShutdownTimeout)
	case err = <-errc:
		log.Error("listener failed", "err", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), dm.ShutdownTimeout)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil && !errors.Is(serr, context.DeadlineExceeded) {
		log.Error("shutdown", "err", serr)
	}
	stopWork()
	wg.Wait()
	log.Info("stopped")
	return err
}

// remind turns due reminders and caseworkers' daily digests into outbox
// mail every minute until ctx ends, with or without a relay. On PostgreSQL several sak serve
// processes share the work: each reminder and digest is claimed by one
// of them.
func remind(ctx context.Context, store *mailstore.Store, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if n, err := store.SendDueReminders(mailstore.WithVia(ctx, "serve")); err != nil && ctx.Err() == nil {
			log.Error("send reminders", "err", err)
		} else if n > 0 {
			log.Info("reminders queued", "count", n)
		}
		if n, err := store.SendDueDigests(mailstore.WithVia(ctx, "serve")); err != nil && ctx.Err() == nil {
			log.Error("send digests", "err", err)
		} else if n > 0 {
			log.Info("digests queued", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Listen opens a TCP listener on HOST:PORT, or a UNIX socket on
// unix:PATH with mode 0660 and group gid (-1: the process's): the MTA's
// group alone may connect, so what arrives there comes from the MTA
// (Dovecot's LMTP socket is set up the same way). A socket left by a
// process that died is replaced; one that answers is not.
func Listen(addr string, gid int) (net.Listener, error) {
	path, ok := strings.CutPrefix(addr, "unix:")
	if !ok {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
		return ln, nil
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("listen on %s: another process serves it", addr)
		}
		os.Remove(path)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		ln.Close()
		return nil, fmt.Errorf("socket %s: %w", path, err)
	}
	if gid >= 0 {
		if err := os.Chown(path, -1, gid); err != nil {
			ln.Close()
			return nil, fmt.Errorf("socket %s: group %d: %w", path, gid, err)
		}
	}
	return ln, nil
}
