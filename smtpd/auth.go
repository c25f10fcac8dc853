package smtpd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/emersion/go-msgauth/dkim"

	"sak/parse"
)

// Auth authenticates senders, so that only a caseworker's real mail runs
// commands and reaches requestors (RFC 6376 DKIM, RFC 8601
// Authentication-Results). A mail is authenticated when it has at most
// one of each header field sak reads (singleFields) and
//   - it carries a DKIM signature that verifies, whose key is not marked
//     testing (t=y), whose d= is aligned with the From domain (strict: the
//     same domain; RelaxedAlignment: or one a subdomain of the other), and
//     whose h= covers From and Subject as often as the mail has them, or
//   - it came from a trusted relay (TrustedRelays, or Envelope.Local) and
//     its topmost Authentication-Results header with a trusted
//     authserv-id (TrustedAuthserv) parses and reports dkim=pass aligned
//     with From, or dmarc=pass with header.from the From domain. Such a
//     header from anywhere else counts for nothing: anyone can write one.
type Auth struct {
	TrustedAuthserv []string
	TrustedRelays   []*net.IPNet
	// RelaxedAlignment lets a DKIM d= that is a subdomain or a parent of
	// the From domain count (a department's mail server signing for the
	// university's caseworkers). The default is strict: d= equals it.
	RelaxedAlignment bool
	// LookupTXT resolves DKIM keys; nil uses DNS.
	LookupTXT func(domain string) ([]string, error)
	// Off trusts every mail. For local testing only.
	Off bool
}

// singleFields are the header fields RFC 5322 (and RFC 2045) allow once
// and sak reads. A mail with two of one is never authenticated: sak reads
// the first, a DKIM verifier the last (RFC 6376 5.4.2), so a field added
// on top of a signed mail would act under its signature.
var singleFields = []string{"from", "sender", "subject", "to", "cc", "reply-to", "date", "message-id",
	"mime-version", "content-type", "content-transfer-encoding"}

// Verify implements Verifier. The reason says what passed, or why
// nothing did.
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
	fields := rawFields(raw)
	count := fieldCounts(fields, msg)
	for _, name := range singleFields {
		if n := count[name]; n > 1 {
			return false, fmt.Sprintf("%d %s header fields (one allowed)", n, name)
		}
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: a.lookupTXT(ctx), MaxVerifications: 5})
	var why []string
	for _, v := range vs {
		switch {
		case v.Err != nil:
			why = append(why, fmt.Sprintf("dkim d=%s: %v", v.Domain, v.Err))
		case !a.aligned(v.Domain, fromDomain):
			why = append(why, fmt.Sprintf("dkim d=%s not aligned with %s (%s)", v.Domain, fromDomain, a.alignment()))
		case signedTimes(v.HeaderKeys, "from") < count["from"] || signedTimes(v.HeaderKeys, "subject") < count["subject"]:
			why = append(why, fmt.Sprintf("dkim d=%s: h= does not cover From and Subject", v.Domain))
		default:
			return true, "dkim pass d=" + v.Domain
		}
	}
	if err != nil && len(vs) == 0 {
		why = append(why, "dkim: "+err.Error())
	} else if len(vs) == 0 {
		why = append(why, "no dkim signature")
	}
	ok, arWhy := a.authResults(env, fields, fromDomain)
	if ok {
		return true, arWhy
	}
	why = append(why, arWhy)
	return false, strings.Join(why, "; ")
}

func (a *Auth) alignment() string {
	if a.RelaxedAlignment {
		return "relaxed"
	}
	return "strict"
}

// signedTimes counts name in a signature's h= list.
func signedTimes(keys []string, name string) int {
	n := 0
	for _, k := range keys {
		if strings.EqualFold(strings.TrimSpace(k), name) {
			n++
		}
	}
	return n
}

// errTestingKey makes a key marked testing fail like a missing one.
var errTestingKey = errors.New("key is marked testing (t=y)")

// lookupTXT resolves DKIM key records within ctx and refuses keys marked
// testing (RFC 6376 3.6.1 t=y): their domain says the signatures are not
// to be relied on.
func (a *Auth) lookupTXT(ctx context.Context) func(string) ([]string, error) {
	return func(name string) ([]string, error) {
		var txts []string
		var err error
		if a.LookupTXT != nil {
			txts, err = a.LookupTXT(name)
		} else {
			txts, err = net.DefaultResolver.LookupTXT(ctx, name)
		}
		if err != nil {
			return txts, err
		}
		for _, t := range txts {
			if testingKey(t) {
				return nil, errTestingKey
			}
		}
		return txts, nil
	}
}

// testingKey says whether a DKIM key record's t= flags hold y.
func testingKey(record string) bool {
	for tag := range strings.SplitSeq(record, ";") {
		k, v, ok := strings.Cut(tag, "=")
		if !ok || strings.TrimSpace(k) != "t" {
			continue
		}
		for f := range strings.SplitSeq(v, ":") {
			if strings.TrimSpace(f) == "y" {
				return true
			}
		}
	}
	return false
}

// rawField is a header field as written: the name as it stands before
// the colon, the value unfolded but not decoded.
type rawField struct{ name, value string }

// rawFields reads the header as a DKIM verifier does (go-msgauth): a
// line that starts with white space continues the field before it, any
// other line up to the first empty one starts a field.
func rawFields(raw []byte) []rawField {
	var fs []rawField
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		switch {
		case len(line) == 0:
			return fs
		case len(fs) > 0 && (line[0] == ' ' || line[0] == '\t'):
			fs[len(fs)-1].value += string(line)
		default:
			name, value, _ := strings.Cut(string(line), ":")
			fs = append(fs, rawField{name: name, value: value})
		}
	}
	return fs
}

// fieldCounts counts each header field, by lower-case name, as the more
// of what a DKIM verifier reads (fields) and what sak's parser read
// (msg.Header): where the two disagree on where the header ends or what
// a line is, the larger count is the one that can fool.
func fieldCounts(fields []rawField, msg *parse.Message) map[string]int {
	dkimView, sakView := map[string]int{}, map[string]int{}
	for _, f := range fields {
		dkimView[strings.ToLower(strings.TrimSpace(f.name))]++
	}
	for _, f := range msg.Header {
		sakView[strings.ToLower(f.Name)]++
	}
	for k, n := range sakView {
		dkimView[k] = max(dkimView[k], n)
	}
	return dkimView
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

// trustedAuthRes finds the topmost Authentication-Results header of a
// trusted authserv-id, when the connection came from a trusted relay, and
// parses it. A header of that id that does not parse, or is not in the
// plain form an MTA writes (and the border's header_checks strip), counts
// as no result: the next one down is never read instead. why says what
// was found when h is nil.
func (a *Auth) trustedAuthRes(env *Envelope, fields []rawField) (h *arHeader, id, why string) {
	if !env.Local && !a.trustedRelay(env.Remote) {
		return nil, "", "no trusted Authentication-Results (connection not from a trusted relay)"
	}
	for _, f := range fields {
		if !strings.EqualFold(strings.TrimSpace(f.name), "Authentication-Results") {
			continue
		}
		id, ok := a.authservID(f.value)
		if !ok {
			continue
		}
		if !strings.EqualFold(f.name, "Authentication-Results") || !plainAuthservID(f.value, id) {
			return nil, id, "authentication-results " + id + ": not in the form an MTA writes"
		}
		h, err := parseAuthRes(f.value)
		if err != nil {
			return nil, id, "authentication-results " + id + ": " + err.Error()
		}
		return h, id, ""
	}
	return nil, "", "no Authentication-Results of a trusted authserv-id"
}

// authResults says whether the trusted Authentication-Results
// (trustedAuthRes) report dkim=pass aligned with From, or dmarc=pass
// for the From domain.
func (a *Auth) authResults(env *Envelope, fields []rawField, fromDomain string) (bool, string) {
	h, id, why := a.trustedAuthRes(env, fields)
	if h == nil {
		return false, why
	}
	var seen []string
	for _, r := range h.Results {
		switch r.Method {
		case "dkim":
			d := r.Props["header.d"]
			if r.Value == "pass" && a.aligned(d, fromDomain) {
				return true, "authentication-results " + id + ": dkim pass d=" + d
			}
			seen = append(seen, "dkim="+r.Value+" d="+d)
		case "dmarc":
			from := r.Props["header.from"]
			if _, dom, ok := strings.Cut(from, "@"); ok {
				from = dom
			}
			if r.Value == "pass" && from != "" && sameDomain(from, fromDomain) {
				return true, "authentication-results " + id + ": dmarc pass header.from=" + from
			}
			seen = append(seen, "dmarc="+r.Value+" header.from="+from)
		}
	}
	return false, fmt.Sprintf("authentication-results %s: no aligned pass (%s)", id, strings.Join(seen, ", "))
}

// Forged implements Forgeries: the trusted Authentication-Results say
// that both SPF and DMARC failed, so the From is most likely forged and an
// acknowledgement would go to someone who never wrote (backscatter).
func (a *Auth) Forged(env *Envelope, raw []byte) bool {
	if a.Off {
		return false
	}
	h, _, _ := a.trustedAuthRes(env, rawFields(raw))
	if h == nil {
		return false
	}
	spf, dmarc := false, false
	for _, r := range h.Results {
		switch {
		case r.Method == "spf" && r.Value == "fail":
			spf = true
		case r.Method == "dmarc" && r.Value == "fail":
			dmarc = true
		}
	}
	return spf && dmarc
}

// authservID reads the authserv-id of a raw Authentication-Results value
// as leniently as RFC 8601 allows (comments, quotes), and says whether it
// is a trusted one.
func (a *Auth) authservID(v string) (string, bool) {
	p := &arParser{s: v}
	if p.cfws() != nil {
		return "", false
	}
	id, err := p.value()
	if err != nil {
		return "", false
	}
	for _, t := range a.TrustedAuthserv {
		if strings.EqualFold(t, id) {
			return id, true
		}
	}
	return "", false
}

// plainAuthservID says whether v starts with id, after white space only,
// and ends it with white space, ';', a comment or the end: the form that
// MTAs write and that the border's header_checks match.
func plainAuthservID(v, id string) bool {
	v = strings.TrimLeft(v, " \t\r\n")
	if len(v) < len(id) || !strings.EqualFold(v[:len(id)], id) {
		return false
	}
	return len(v) == len(id) || strings.ContainsRune(" \t\r\n;(", rune(v[len(id)]))
}

// aligned is identifier alignment (DMARC, RFC 7489 3.1.1): strict, the
// same domain; relaxed, also one a subdomain of the other.
func (a *Auth) aligned(d, from string) bool {
	d, from = normDomain(d), normDomain(from)
	if !strings.Contains(d, ".") {
		return false
	}
	if d == from {
		return true
	}
	return a.RelaxedAlignment && (strings.HasSuffix(from, "."+d) || strings.HasSuffix(d, "."+from))
}

func sameDomain(a, b string) bool {
	return normDomain(a) == normDomain(b) && strings.Contains(normDomain(a), ".")
}

func normDomain(d string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
}
