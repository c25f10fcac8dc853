package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"sak/mailstore"
	"sak/smtpd"
)

// opsServer is the HTTP listener of --metrics: Prometheus metrics and the
// health checks a supervisor or load balancer polls.
//
//	/metrics  Prometheus text exposition (smtpd.Metrics)
//	/healthz  200 while the process runs
//	/readyz   200 when the database answers and its schema is this sak's;
//	          503 with the reason otherwise
//	/debug/pprof/  Go's profiles (CPU, heap, goroutines), for finding
//	          where a busy daemon spends its time; only on loopback
//	          unless pprof is asked for (--metrics-pprof): a profile
//	          shows memory, and the listener has no authentication
type opsServer struct {
	addr    net.Addr
	metrics *smtpd.Metrics
	srv     *http.Server
	log     *slog.Logger
}

func startOps(addr string, pprofAnywhere bool, store *mailstore.Store, log *slog.Logger) (*opsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s for metrics: %w", addr, err)
	}
	o := &opsServer{addr: ln.Addr(), metrics: smtpd.NewMetrics(store), log: log}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.metrics.Registry, promhttp.HandlerOpts{
		// A database that is down must not hide the counters.
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := store.CheckSchema(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready: %v\n", err)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	paths := "/metrics /healthz /readyz"
	if pprofAnywhere || isLoopback(ln.Addr()) {
		paths += " /debug/pprof/"
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		// Not /debug/pprof/cmdline: a DSN given with --db carries its
		// password, and this listener has no authentication.
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	} else {
		log.Warn("pprof is off: --metrics is not on loopback; --metrics-pprof serves /debug/pprof/ there", "addr", ln.Addr().String())
	}
	o.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		// A CPU profile or trace runs as many seconds as asked (default
		// 30); the write timeout leaves room for a minute's.
		WriteTimeout: 90 * time.Second,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelError),
	}
	go func() {
		if err := o.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener failed", "addr", o.addr.String(), "err", err)
		}
	}()
	log.Info("listening", "proto", "http", "addr", o.addr.String(), "paths", paths)
	return o, nil
}

// isLoopback says whether a listener's address is a loopback one (not
// the unspecified address, which is every interface).
func isLoopback(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}

func (o *opsServer) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.srv.Shutdown(ctx); err != nil {
		o.srv.Close()
	}
}
