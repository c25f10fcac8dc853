package serve

import (
	"io"
	"log/slog"
	"net"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/smtpd"
)

// authFlags are the sender-authentication settings that serve and mailgate
// share.
type authFlags struct {
	mode           string   // on|off
	trustedAuthsrv []string // authserv-ids whose Authentication-Results count
	trustedRelays  []string // CIDRs of the MTAs that add them
	alignment      string   // strict|relaxed
}

func (a *authFlags) register(cmd *cobra.Command, defaultRelays []string, relayHelp string) {
	cmd.Flags().StringVar(&a.mode, "auth", "on", "sender authentication for mail commands: on, or off (local testing only: anyone can then act as a caseworker)")
	cmd.Flags().StringSliceVar(&a.trustedAuthsrv, "trusted-authserv", nil, "authserv-id whose Authentication-Results headers are trusted (repeatable)")
	cmd.Flags().StringSliceVar(&a.trustedRelays, "trusted-relay", defaultRelays, relayHelp)
	cmd.Flags().StringVar(&a.alignment, "dkim-alignment", "strict", "DKIM alignment for mail commands: strict (d= is the From domain) or relaxed (also its subdomains and parents)")
}

// verifier builds the smtpd.Auth the flags describe.
func (a *authFlags) verifier(log *slog.Logger) (*smtpd.Auth, error) {
	auth := &smtpd.Auth{TrustedAuthserv: a.trustedAuthsrv}
	switch a.mode {
	case "on":
	case "off":
		auth.Off = true
		log.Warn("sender authentication is OFF: any mail claiming a caseworker's address can act on tickets; use this for local testing only")
	default:
		return nil, cmdutil.FlagErrorf("--auth must be on or off, not %q", a.mode)
	}
	switch a.alignment {
	case "strict":
	case "relaxed":
		auth.RelaxedAlignment = true
	default:
		return nil, cmdutil.FlagErrorf("--dkim-alignment must be strict or relaxed, not %q", a.alignment)
	}
	for _, c := range a.trustedRelays {
		if !strings.Contains(c, "/") {
			if ip := net.ParseIP(c); ip != nil && ip.To4() != nil {
				c += "/32"
			} else {
				c += "/128"
			}
		}
		_, n, err := net.ParseCIDR(c)
		if err != nil {
			return nil, cmdutil.FlagErrorf("--trusted-relay %q: %v", c, err)
		}
		auth.TrustedRelays = append(auth.TrustedRelays, n)
	}
	return auth, nil
}

// warnLoopback warns of trusted relays that include loopback: every
// process on the machine can connect from there and write an
// Authentication-Results header that sak believes.
func warnLoopback(auth *smtpd.Auth, log *slog.Logger) {
	for _, n := range auth.TrustedRelays {
		if n.Contains(net.IPv4(127, 0, 0, 1)) || n.Contains(net.IPv6loopback) {
			log.Warn("a trusted relay includes loopback: any local user can connect and present Authentication-Results that sak believes; prefer --lmtp unix:PATH with --socket-group", "trusted_relay", n.String())
		}
	}
}

// newLogger makes the process's logger on stderr.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, cmdutil.FlagErrorf("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		// Durations in seconds (a number), not nanoseconds: what log
		// tools and people read.
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindDuration {
				return slog.Float64(a.Key, a.Value.Duration().Seconds())
			}
			return a
		}
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, cmdutil.FlagErrorf("--log-format must be text or json, not %q", format)
}
