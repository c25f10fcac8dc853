package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"sak/cli/cmdutil"
	"sak/httpd"
	"sak/mailstore"
)

// apiFlags are the flags of the HTTP API (package httpd).
type apiFlags struct {
	// Addr is --http: where the API listens; "" for nowhere.
	Addr             string
	TLSCert, TLSKey  string
	ForwardedFor     bool
	RequestsPerToken float64
	// Ready, when set, is called with the API listener's address (tests).
	Ready func(net.Addr)
}

// apiServer is the running API.
type apiServer struct {
	srv *http.Server
	log *slog.Logger
}

// startAPI listens on opts.API.Addr and serves the API of store. Plain
// HTTP only on loopback (behind a reverse proxy that does TLS): a token
// must not cross a network in clear.
func startAPI(opts *ServeOptions, store *mailstore.Store, log *slog.Logger) (*apiServer, error) {
	a := opts.API
	cert, key := a.TLSCert, a.TLSKey
	if cert == "" && key == "" {
		cert, key = opts.TLSCert, opts.TLSKey
	}
	if (cert == "") != (key == "") {
		return nil, cmdutil.FlagErrorf("--http-tls-cert and --http-tls-key go together")
	}
	ln, err := net.Listen("tcp", a.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s for the API: %w", a.Addr, err)
	}
	scheme := "https"
	if cert == "" {
		if !isLoopback(ln.Addr()) {
			ln.Close()
			return nil, cmdutil.FlagErrorf("--http %s is not loopback: serve the API with TLS (--http-tls-cert, --http-tls-key), or on 127.0.0.1 behind a reverse proxy that does TLS", a.Addr)
		}
		scheme = "http"
	}
	if a.ForwardedFor && !isLoopback(ln.Addr()) {
		ln.Close()
		return nil, cmdutil.FlagErrorf("--http-forwarded-for trusts X-Forwarded-For: only for an API on loopback behind a reverse proxy")
	}
	cfg := httpd.Config{Logger: log, ForwardedFor: a.ForwardedFor, Rate: a.RequestsPerToken, Burst: int(5 * a.RequestsPerToken)}
	srv := httpd.Server(ln.Addr().String(), httpd.New(store, cfg), cfg)
	if cert != "" {
		c, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("load the API's TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("API listener failed", "addr", ln.Addr().String(), "err", err)
		}
	}()
	log.Info("listening", "proto", scheme, "addr", ln.Addr().String(), "paths", "/api/v1/ (API), / (web view)")
	if a.Ready != nil {
		a.Ready(ln.Addr())
	}
	return &apiServer{srv: srv, log: log}, nil
}

// shutdown lets requests in flight finish for a while.
func (a *apiServer) shutdown(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := a.srv.Shutdown(ctx); err != nil {
		a.srv.Close()
	}
}
