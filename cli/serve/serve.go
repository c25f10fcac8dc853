// Package serve holds the commands that run sak's mail side: 'sak serve'
// (the SMTP/LMTP daemon with its outbound worker) and 'sak mailgate' (one
// message from an MTA pipe transport).
package serve

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"os/user"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/cli/directory"
	"sak/importer/ldapdir"
	"sak/mailstore"
	"sak/smtpd"
)

// ServeOptions are the flags of 'sak serve'.
type ServeOptions struct {
	Factory *cmdutil.Factory

	SMTP, LMTP      string
	SocketGroup     string // group of the UNIX sockets of --smtp/--lmtp unix:PATH
	Hostname        string
	MaxSize         string
	MaxRecipients   int
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	TLSCert, TLSKey string
	ShutdownTimeout time.Duration

	Relay             string
	RelayUser         string
	RelayPasswordFile string
	RelayStartTLS     bool
	OutboxLease       time.Duration
	DKIMKey           string
	DKIMSelector      string
	DKIMDomain        string

	AutoReplyLimit  int
	AutoReplyWindow time.Duration
	AutoReplyCap    int
	NotifyFold      time.Duration

	// DirectorySync is how often the directory sync runs (0: never),
	// reading the directory Directory says.
	DirectorySync time.Duration
	Directory     directory.LDAPFlags

	LogFormat, LogLevel string
	auth                authFlags
	// API is the HTTP API for the CLI on caseworkers' machines.
	API apiFlags

	// Metrics is the address of the HTTP listener for /metrics, /healthz
	// and /readyz; "" for none.
	Metrics string
	// MetricsPprof serves /debug/pprof/ on a --metrics address that is
	// not loopback.
	MetricsPprof bool
	// MetricsReady, when set, is called with the metrics listener's
	// address before Ready (tests).
	MetricsReady func(net.Addr)

	// Ready, when set, is called with the listeners' addresses once sak
	// accepts mail (tests).
	Ready func(smtp, lmtp net.Addr)
}

// NewCmdServe makes 'sak serve'.
func NewCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the SMTP/LMTP daemon that turns mail into tickets",
		Long: `Run sak's mail daemon: SMTP and/or LMTP listeners for the queue addresses,
behind the organisation's MTA, and the worker that delivers outgoing mail
(auto-replies, answers, notifications) from the outbox to the relay.

A mail is acknowledged (250) only after it is committed to the database;
when the database cannot commit, sak answers 451 and the MTA retries.
Several 'sak serve' processes may share one PostgreSQL database.

Without --relay, outgoing mail waits in the outbox ('sak outbox list').

With --http, the same process serves the HTTP API (/api/v1/) that 'sak
login' and the CLI on caseworkers' machines use: HTTPS with
--http-tls-cert/--http-tls-key (or --tls-cert/--tls-key), or plain HTTP on
loopback behind a reverse proxy that does TLS (contrib/nginx-sak.conf).
Login codes go out by mail, so give --relay too.

Caseworkers' mail commands run only for authenticated mail: a DKIM
signature aligned with the From domain, or an Authentication-Results
header of a --trusted-authserv from a trusted relay. No relay is trusted
by default: name the MTA's address with --trusted-relay, or, better, take
mail over LMTP on a UNIX socket (--lmtp unix:/run/sak/lmtp, mode 0660,
group --socket-group), which only the MTA can open; a socket counts as a
trusted relay. A loopback address as trusted relay lets every local user
present such headers (sak warns).
With --directory-sync 1h and the --directory-* flags (those of 'sak
directory sync'), sak's users come from the organisation's directory
(LDAP): several front ends on one database sync one at a time, each sync
on one of them.

Secrets stay out of 'ps': give the database DSN in SAK_DB (or PGPASSWORD /
~/.pgpass for PostgreSQL), and the relay password with --relay-password-file
or SAK_RELAY_PASSWORD.`,
		Example: `  # Try it locally on the SQLite default (sak.db), SMTP on port 2525:
  sak serve --smtp 127.0.0.1:2525 --auth=off

  # Production: LMTP on a UNIX socket behind Postfix, relay through it,
  # PostgreSQL:
  SAK_DB=postgres://sak@db/sak sak serve --lmtp unix:/run/sak/lmtp \
      --socket-group postfix --hostname helpdesk.example.org \
      --relay 127.0.0.1:25 --trusted-authserv mx.example.org`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			if os.Getenv("GOGC") == "" {
				// Every mail allocates briefly and lets go: with Go's
				// default (100) collection took a good share of the
				// daemon's CPU under load, and 300 bought more mail per
				// second for a little more RSS (BENCHMARKS.md). GOGC in
				// the environment rules.
				debug.SetGCPercent(300)
			}
			return Serve(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.SMTP, "smtp", "", "listen for SMTP on `ADDR`, HOST:PORT or unix:PATH (default 127.0.0.1:2525 when neither --smtp nor --lmtp is given)")
	fl.StringVar(&opts.LMTP, "lmtp", "", "listen for LMTP on `ADDR`, HOST:PORT or unix:PATH (a UNIX socket, mode 0660: its Authentication-Results are trusted)")
	fl.StringVar(&opts.SocketGroup, "socket-group", "", "`GROUP` of the UNIX sockets (the MTA's, e.g. postfix); sak must be a member")
	fl.StringVar(&opts.Hostname, "hostname", "", "host name in the greeting and in EHLO to the relay (default: this machine's name)")
	fl.StringVar(&opts.MaxSize, "max-size", "25M", "largest message accepted (SIZE)")
	fl.IntVar(&opts.MaxRecipients, "max-recipients", 100, "most recipients of one message")
	fl.DurationVar(&opts.ReadTimeout, "read-timeout", 5*time.Minute, "idle time before a client is disconnected")
	fl.DurationVar(&opts.WriteTimeout, "write-timeout", 5*time.Minute, "time to wait for a client to read a reply")
	fl.StringVar(&opts.TLSCert, "tls-cert", "", "certificate `FILE` (PEM) for STARTTLS")
	fl.StringVar(&opts.TLSKey, "tls-key", "", "key `FILE` (PEM) for STARTTLS")
	fl.DurationVar(&opts.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "time sessions in flight get to finish on SIGTERM")
	fl.StringVar(&opts.Relay, "relay", "", "deliver outgoing mail to the relay at `HOST:PORT`")
	fl.StringVar(&opts.RelayUser, "relay-user", "", "AUTH PLAIN user name for the relay")
	fl.StringVar(&opts.RelayPasswordFile, "relay-password-file", "", "`FILE` holding the relay password (or set SAK_RELAY_PASSWORD)")
	fl.BoolVar(&opts.RelayStartTLS, "relay-starttls", false, "require STARTTLS to the relay")
	fl.DurationVar(&opts.OutboxLease, "outbox-lease", 5*time.Minute, "how long a claimed outbox row is one worker's: a row whose claim or mark was lost (a crash, a failover mid-commit) is sent again after this")
	fl.StringVar(&opts.DKIMKey, "dkim-key", "", "sign outgoing mail with the private key in `FILE` (PEM, RSA or Ed25519)")
	fl.StringVar(&opts.DKIMSelector, "dkim-selector", "", "DKIM selector")
	fl.StringVar(&opts.DKIMDomain, "dkim-domain", "", "DKIM signing domain (d=)")
	fl.IntVar(&opts.AutoReplyLimit, "autoreply-limit", 5, "most auto-replies to one sender within --autoreply-window")
	fl.DurationVar(&opts.AutoReplyWindow, "autoreply-window", time.Hour, "window of the auto-reply limit")
	fl.IntVar(&opts.AutoReplyCap, "autoreply-cap", 300, "most auto-replies a minute in all, against floods of forged senders (0: no cap)")
	fl.DurationVar(&opts.NotifyFold, "notify-fold", 10*time.Minute, "watchers hear of one sender's new tickets at most once within this; the next notice lists the rest (0: every one)")
	fl.StringVar(&opts.LogFormat, "log-format", "text", "log format: text or json (durations in seconds)")
	fl.StringVar(&opts.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fl.StringVar(&opts.Metrics, "metrics", "", "serve Prometheus /metrics, /healthz, /readyz and (on loopback) /debug/pprof/ over HTTP on `ADDR` (e.g. 127.0.0.1:9125)")
	fl.BoolVar(&opts.MetricsPprof, "metrics-pprof", false, "serve /debug/pprof/ also when --metrics is not on loopback")
	fl.StringVar(&opts.API.Addr, "http", "", "serve the API for 'sak login' and the CLI on caseworkers' machines on `ADDR` (/api/v1/): HTTPS, or plain HTTP on loopback behind a reverse proxy")
	fl.StringVar(&opts.API.TLSCert, "http-tls-cert", "", "certificate `FILE` (PEM) of the API (default --tls-cert)")
	fl.StringVar(&opts.API.TLSKey, "http-tls-key", "", "key `FILE` (PEM) of the API (default --tls-key)")
	fl.BoolVar(&opts.API.ForwardedFor, "http-forwarded-for", false, "take the client's address from X-Forwarded-For (a reverse proxy on loopback sets it)")
	fl.Float64Var(&opts.API.RequestsPerToken, "http-rate", 10, "API requests a second one token may make on average (bursts of 5 times that)")
	fl.DurationVar(&opts.DirectorySync, "directory-sync", 0, "sync the users with the directory the --directory-* flags name every `INTERVAL` (e.g. 1h; 0: never)")
	opts.Directory.Register(fl, "directory-")
	opts.auth.register(cmd, nil, "CIDR of the MTAs whose Authentication-Results headers are trusted (repeatable; default none)")
	return cmd
}

// Serve runs the daemon until ctx ends or SIGTERM/SIGINT arrives, then
// shuts down gracefully.
func Serve(ctx context.Context, opts *ServeOptions) error {
	log, err := newLogger(opts.Factory.IOStreams.ErrOut, opts.LogFormat, opts.LogLevel)
	if err != nil {
		return err
	}
	maxSize, err := cmdutil.ParseSize(opts.MaxSize)
	if err != nil {
		return cmdutil.FlagErrorf("--max-size: %v", err)
	}
	if (opts.TLSCert == "") != (opts.TLSKey == "") {
		return cmdutil.FlagErrorf("--tls-cert and --tls-key go together")
	}
	auth, err := opts.auth.verifier(log)
	if err != nil {
		return err
	}
	warnLoopback(auth, log)
	if opts.SMTP == "" && opts.LMTP == "" {
		opts.SMTP = "127.0.0.1:2525"
	}
	if opts.Hostname == "" {
		opts.Hostname, _ = os.Hostname()
	}
	cfg := smtpd.Config{
		Hostname: opts.Hostname, MaxMessageBytes: maxSize, MaxRecipients: opts.MaxRecipients,
		ReadTimeout: opts.ReadTimeout, WriteTimeout: opts.WriteTimeout,
	}
	if opts.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(opts.TLSCert, opts.TLSKey)
		if err != nil {
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	var dirCfg ldapdir.Config
	if opts.DirectorySync > 0 {
		if dirCfg, err = opts.Directory.Config("directory-"); err != nil {
			return err
		}
	} else if opts.Directory.URL != "" {
		return cmdutil.FlagErrorf("--directory-ldap needs --directory-sync INTERVAL")
	}
	var out *smtpd.Outbound
	if opts.Relay != "" {
		if out, err = outbound(opts, log); err != nil {
			return err
		}
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	opts.Factory.MayCreate = true // sak serve on a fresh machine makes its database
	store, err := opts.Factory.Store(ctx)
	if err != nil {
		return err
	}
	mailstore.WithAutoReplyLimit(opts.AutoReplyLimit, opts.AutoReplyWindow)(store)
	mailstore.WithAutoReplyCap(opts.AutoReplyCap)(store)
	mailstore.WithNotifyFold(opts.NotifyFold)(store)
	d := &smtpd.Deliverer{Store: store, Log: log, Verifier: auth}
	var ops *opsServer
	if opts.Metrics != "" {
		if ops, err = startOps(opts.Metrics, opts.MetricsPprof, store, log); err != nil {
			return err
		}
		defer ops.shutdown()
		d.Metrics = ops.metrics
		if opts.MetricsReady != nil {
			opts.MetricsReady(ops.addr)
		}
	}
	if opts.API.Addr != "" {
		api, err := startAPI(opts, store, log)
		if err != nil {
			return err
		}
		defer api.shutdown(opts.ShutdownTimeout)
	}
	firstRun(ctx, store, log)
	gid := -1
	if opts.SocketGroup != "" && (strings.HasPrefix(opts.SMTP, "unix:") || strings.HasPrefix(opts.LMTP, "unix:")) {
		if gid, err = groupID(opts.SocketGroup); err != nil {
			return err
		}
	}
	if opts.DirectorySync > 0 {
		dctx, stopSync := context.WithCancel(ctx)
		synced := make(chan struct{})
		go func() { defer close(synced); directorySync(dctx, store, dirCfg, opts.DirectorySync, log) }()
		defer func() { stopSync(); <-synced }()
	}
	dm := &smtpd.Daemon{
		Deliverer: d, Config: cfg, SMTP: opts.SMTP, LMTP: opts.LMTP, SocketGID: gid,
		ShutdownTimeout: opts.ShutdownTimeout, Outbound: out, Ready: opts.Ready,
	}
	return dm.Run(ctx)
}

// groupID is the id of the group named by --socket-group.
func groupID(name string) (int, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		return -1, cmdutil.FlagErrorf("--socket-group: %v", err)
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return -1, fmt.Errorf("group %s: %w", name, err)
	}
	return gid, nil
}

// outbound builds the outbox worker from the relay and DKIM flags.
func outbound(opts *ServeOptions, log *slog.Logger) (*smtpd.Outbound, error) {
	out := &smtpd.Outbound{Relay: opts.Relay, Hostname: opts.Hostname, Username: opts.RelayUser, StartTLS: opts.RelayStartTLS, Lease: opts.OutboxLease, Log: log}
	if opts.RelayUser != "" {
		out.Password = os.Getenv("SAK_RELAY_PASSWORD")
		if opts.RelayPasswordFile != "" {
			b, err := os.ReadFile(opts.RelayPasswordFile)
			if err != nil {
				return nil, fmt.Errorf("read relay password: %w", err)
			}
			out.Password = strings.TrimSpace(string(b))
		}
	}
	if opts.DKIMKey != "" {
		if opts.DKIMSelector == "" || opts.DKIMDomain == "" {
			return nil, cmdutil.FlagErrorf("--dkim-key needs --dkim-selector and --dkim-domain")
		}
		key, err := readKey(opts.DKIMKey)
		if err != nil {
			return nil, err
		}
		out.DKIM = smtpd.DKIMOptions(opts.DKIMDomain, opts.DKIMSelector, key)
	}
	return out, nil
}

// readKey reads a PEM private key (PKCS#8, PKCS#1 RSA) for DKIM signing.
func readKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read DKIM key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("DKIM key %s: no PEM block", path)
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, fmt.Errorf("DKIM key %s: not a PKCS#8 or PKCS#1 private key", path)
}
