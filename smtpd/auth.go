package smtpd

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"

	"sak/smtpd/parse"
)

// Auth authenticates senders, so that only a caseworker's real mail runs
// commands and reaches requestors (RFC 6376 DKIM, RFC 8601
// Authentication-Results). A mail is authenticated when
//   - it carries a DKIM signature that verifies and whose d= is aligned
//     with the From domain (relaxed: the same domain, or one a subdomain
//     of the other), or
//   - it came from a trusted relay (TrustedRelays) and its topmost
//     Authentication-Results header with a trusted authserv-id
//     (TrustedAuthserv) reports dkim=pass aligned with From, or
//     dmarc=pass. Such a header from anywhere else counts for nothing:
//     anyone can write one.
type Auth struct {
	TrustedAuthserv []string
	TrustedRelays   []*net.IPNet
	// LookupTXT resolves DKIM keys; nil uses DNS.
	LookupTXT func(domain string) ([]string, error)
	// Off trusts every mail. For local testing only.
	Off bool
}

// Verify implements Verifier.
func (a *Auth) Verify(ctx context.Context, env *Envelope, raw []byte, msg *parse.Message) (bool, string) {
	if a.Off {
		return true, "authentication off"
	}
	if msg.From == nil {
		return false, "no From address"
	}
	_, fromDomain, ok := strings.Cut(strings.ToLower(msg.From.Addr), "@")
	if !ok || fromDomain == "" {
		return false, "From has no domain"
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: a.LookupTXT, MaxVerifications: 5})
	var why []string
	for _, v := range vs {
		switch {
		case v.Err != nil:
			why = append(why, fmt.Sprintf("dkim d=%s: %v", v.Domain, v.Err))
		case !aligned(v.Domain, fromDomain):
			why = append(why, fmt.Sprintf("dkim d=%s not aligned with %s", v.Domain, fromDomain))
		default:
			return true, "dkim pass d=" + v.Domain
		}
	}
	if err != nil && len(vs) == 0 {
		why = append(why, "dkim: "+err.Error())
	}
	ok, arWhy := a.authResults(env, msg, fromDomain)
	if ok {
		return true, arWhy
	}
	why = append(why, arWhy)
	return false, strings.Join(why, "; ")
}

func (a *Auth) trustedRelay(ip net.IP) bool {
	if ip == nil {
		return false
	}
	for _, n := range a.TrustedRelays {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// authResults reads the topmost Authentication-Results header of a
// trusted authserv-id, when the connection came from a trusted relay.
func (a *Auth) authResults(env *Envelope, msg *parse.Message, fromDomain string) (bool, string) {
	if !a.trustedRelay(env.Remote) {
		return false, "no trusted Authentication-Results (connection not from a trusted relay)"
	}
	for _, f := range msg.Header {
		if !strings.EqualFold(f.Name, "Authentication-Results") {
			continue
		}
		id, results, err := authres.Parse(f.Value)
		if err != nil || !a.trustedID(id) {
			continue
		}
		for _, r := range results {
			switch r := r.(type) {
			case *authres.DKIMResult:
				if r.Value == authres.ResultPass && aligned(r.Domain, fromDomain) {
					return true, "authentication-results " + id + ": dkim pass d=" + r.Domain
				}
			case *authres.DMARCResult:
				if r.Value == authres.ResultPass && (r.From == "" || aligned(r.From, fromDomain)) {
					return true, "authentication-results " + id + ": dmarc pass"
				}
			}
		}
		return false, "authentication-results " + id + ": no aligned pass"
	}
	return false, "no Authentication-Results of a trusted authserv-id"
}

func (a *Auth) trustedID(id string) bool {
	for _, t := range a.TrustedAuthserv {
		if strings.EqualFold(t, id) {
			return true
		}
	}
	return false
}

// aligned is relaxed identifier alignment: the same domain, or one a
// subdomain of the other.
func aligned(d, from string) bool {
	d, from = strings.ToLower(strings.TrimSuffix(d, ".")), strings.ToLower(strings.TrimSuffix(from, "."))
	return strings.Contains(d, ".") && (d == from || strings.HasSuffix(from, "."+d) || strings.HasSuffix(d, "."+from))
}
