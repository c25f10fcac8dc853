package smtpd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"sak/mailstore"
	"sak/mailstore/storetest"
	"sak/parse"
)

// signer signs mail for a domain with a key the test's resolver serves.
type signer struct {
	keys map[string]ed25519.PrivateKey // domain -> key
	txt  map[string]string
}

func newSigner(domains ...string) *signer {
	s := &signer{keys: map[string]ed25519.PrivateKey{}, txt: map[string]string{}}
	for _, d := range domains {
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		s.keys[d] = priv
		s.txt["sel._domainkey."+d] = "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	}
	return s
}

func (s *signer) lookup(domain string) ([]string, error) {
	if v, ok := s.txt[domain]; ok {
		return []string{v}, nil
	}
	return nil, fmt.Errorf("no TXT record for %s", domain)
}

func (s *signer) sign(t *testing.T, domain, msg string) string {
	t.Helper()
	var b bytes.Buffer
	err := dkim.Sign(&b, strings.NewReader(msg), &dkim.SignOptions{Domain: domain, Selector: "sel", Signer: s.keys[domain]})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMailCommandsNeedAuthentication(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		keys := newSigner("example.org", "evil.example")
		_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
		_, elsewhere, _ := net.ParseCIDR("192.0.2.0/24")

		// Each case: a caseworker's mail to a fresh ticket; did it act?
		cases := []struct {
			name  string
			auth  Auth
			from  string
			mail  func(subject string) string
			acted bool
			setup func(*mailstore.Store) error
		}{
			{"signed by the From domain", Auth{}, "alice@example.org", func(s string) string {
				return keys.sign(t, "example.org", caseworkerMail("alice@example.org", s, "On it."))
			}, true, nil},
			{"From changed after signing", Auth{}, "bob@example.org", func(s string) string {
				return strings.Replace(keys.sign(t, "example.org", caseworkerMail("alice@example.org", s, "On it.")), "From: alice@example.org", "From: bob@example.org", 1)
			}, false, nil},
			{"body changed after signing", Auth{}, "alice@example.org", func(s string) string {
				return strings.Replace(keys.sign(t, "example.org", caseworkerMail("alice@example.org", s, "On it.")), "On it.", "Off it.", 1)
			}, false, nil},
			{"signed by another domain", Auth{}, "alice@example.org", func(s string) string {
				return keys.sign(t, "evil.example", caseworkerMail("alice@example.org", s, "On it."))
			}, false, nil},
			{"unsigned", Auth{}, "alice@example.org", func(s string) string {
				return caseworkerMail("alice@example.org", s, "On it.")
			}, false, nil},
			{"a Subject with commands on top of a signed mail", Auth{}, "alice@example.org", func(s string) string {
				return "Subject: " + s + "\r\n" + keys.sign(t, "example.org", caseworkerMail("alice@example.org", "Lunch on Friday?", "On it."))
			}, false, nil},
			{"a From on top of a colleague's signed mail", Auth{}, "alice@example.org", func(s string) string {
				return "From: alice@example.org\r\n" + keys.sign(t, "example.org", caseworkerMail("sam@example.org", s, "On it."))
			}, false, nil},
			{"disabled caseworker", Auth{}, "alice@example.org", func(s string) string {
				return keys.sign(t, "example.org", caseworkerMail("alice@example.org", s, "On it."))
			}, false, func(s *mailstore.Store) error { return s.DisableUser(ctx, "root", "alice") }},
			{"caseworker of another queue", Auth{}, "carol@example.org", func(s string) string {
				return keys.sign(t, "example.org", caseworkerMail("carol@example.org", s, "On it."))
			}, false, nil},
			{"trusted Authentication-Results from a trusted relay", Auth{TrustedAuthserv: []string{"mx.example.org"}, TrustedRelays: []*net.IPNet{loopback}}, "alice@example.org", func(s string) string {
				return "Authentication-Results: mx.example.org; dkim=pass header.d=example.org\r\n" + caseworkerMail("alice@example.org", s, "On it.")
			}, true, nil},
			{"Authentication-Results from an untrusted connection", Auth{TrustedAuthserv: []string{"mx.example.org"}, TrustedRelays: []*net.IPNet{elsewhere}}, "alice@example.org", func(s string) string {
				return "Authentication-Results: mx.example.org; dkim=pass header.d=example.org\r\n" + caseworkerMail("alice@example.org", s, "On it.")
			}, false, nil},
			{"Authentication-Results of an untrusted authserv-id", Auth{TrustedAuthserv: []string{"mx.example.org"}, TrustedRelays: []*net.IPNet{loopback}}, "alice@example.org", func(s string) string {
				return "Authentication-Results: forged.example; dkim=pass header.d=example.org\r\n" + caseworkerMail("alice@example.org", s, "On it.")
			}, false, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s := open(t)
				storetest.Desk(t, s)
				r := serve(t, s, Config{})
				if c.setup != nil {
					if err := c.setup(s); err != nil {
						t.Fatal(err)
					}
				}
				c.auth.LookupTXT = keys.lookup
				r.d.Verifier = &c.auth
				id, err := s.CreateTicket(ctx, "root", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com"}, Subject: "Printer"})
				if err != nil {
					t.Fatal(err)
				}
				subject := fmt.Sprintf("Re: [support #%d] Printer [take] [resolve]", id)
				r.mustSend(c.from, []string{"support@example.org"}, c.mail(subject))
				tk, _ := s.Ticket(ctx, id)
				acted := tk.Status == mailstore.StatusResolved && tk.OwnerLogin() == "alice"
				if acted != c.acted {
					t.Fatalf("acted = %v (status %s, owner %q), want %v", acted, tk.Status, tk.OwnerLogin(), c.acted)
				}
				out, _ := s.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
				relayed := false
				for _, o := range out {
					relayed = relayed || o.Rcpt == "pat@example.com"
				}
				if relayed != c.acted {
					t.Fatalf("relayed to the requestor = %v, want %v", relayed, c.acted)
				}
				if c.acted {
					h, _ := s.History(ctx, id)
					for _, x := range h {
						if (x.Type == mailstore.TxTake || x.Type == mailstore.TxStatus) && x.Via != mailstore.ViaMail {
							t.Fatalf("%s recorded via %q, want mail", x.Type, x.Via)
						}
					}
				}
			})
		}
	})
}

func caseworkerMail(from, subject, body string) string {
	return fmt.Sprintf("From: %s\r\nTo: support@example.org\r\nSubject: %s\r\nMessage-ID: <%s.%d@example.org>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\n\r\n%s\r\n",
		from, subject, strings.Split(from, "@")[0], len(subject)+len(body), body)
}

func TestMailCommands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		setup := func(t *testing.T) (*rig, int64) {
			s := open(t)
			storetest.Desk(t, s)
			r := serve(t, s, Config{})
			r.d.Verifier = &Auth{Off: true}
			id, err := s.CreateTicket(ctx, "root", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com"}, Subject: "Printer"})
			if err != nil {
				t.Fatal(err)
			}
			return r, id
		}
		toPat := func(r *rig, id int64) int {
			out, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
			n := 0
			for _, o := range out {
				if o.Rcpt == "pat@example.com" {
					n++
				}
			}
			return n
		}

		t.Run("a refused command changes nothing and tells why", func(t *testing.T) {
			r, id := setup(t)
			r.mustSend("alice@example.org", []string{"support@example.org"},
				caseworkerMail("alice@example.org", fmt.Sprintf("Re: [support #%d] Printer [take] [move nowhere] [resolve]", id), "Moving it."))
			tk, _ := r.store.Ticket(ctx, id)
			if tk.Owner != nil || tk.Status != mailstore.StatusNew || tk.Queue != "support" {
				t.Fatalf("refused commands changed the ticket: %+v", tk)
			}
			if toPat(r, id) != 0 {
				t.Fatal("a refused mail reached the requestor")
			}
			out, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
			var reply []byte
			for _, o := range out {
				if o.Kind == mailstore.KindError && o.Rcpt == "alice@example.org" {
					reply, _ = r.store.OutboxRaw(ctx, o.ID)
				}
			}
			if !bytes.Contains(reply, []byte("move nowhere")) || !bytes.Contains(reply, []byte(`no queue "nowhere"`)) || !bytes.Contains(reply, []byte("[move QUEUE]")) {
				t.Fatalf("error reply to alice = %q", reply)
			}
			h, _ := r.store.History(ctx, id)
			if last := h[len(h)-1]; last.Type != mailstore.TxNote || last.Message == nil || !strings.Contains(last.Message.Text, "Moving it.") {
				t.Fatalf("the refused mail was not kept: %+v", last)
			}
		})

		t.Run("commands alone relay nothing", func(t *testing.T) {
			r, id := setup(t)
			body := "\r\nOn Fri, 27 Nov 2026 at 10:00, Pat <pat@example.com> wrote:\r\n> It burns.\r\n"
			r.mustSend("alice@example.org", []string{"support@example.org"},
				caseworkerMail("alice@example.org", fmt.Sprintf("Re: [support #%d] Printer [TAKE] [Stall]", id), body))
			tk, _ := r.store.Ticket(ctx, id)
			if tk.OwnerLogin() != "alice" || tk.Status != mailstore.StatusStalled {
				t.Fatalf("ticket = %+v", tk)
			}
			if n := toPat(r, id); n != 0 {
				t.Fatalf("%d mails to the requestor for a commands-only reply", n)
			}
		})

		t.Run("give and move by mail; tags stripped from the relayed subject", func(t *testing.T) {
			r, id := setup(t)
			r.mustSend("alice@example.org", []string{"support@example.org"},
				caseworkerMail("alice@example.org", fmt.Sprintf("Re: [support #%d] Printer [give bob]", id), "Bob will help you."))
			tk, _ := r.store.Ticket(ctx, id)
			if tk.OwnerLogin() != "bob" || toPat(r, id) != 1 {
				t.Fatalf("after [give bob]: owner %q, %d mails to pat", tk.OwnerLogin(), toPat(r, id))
			}
			out, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
			for _, o := range out {
				raw, _ := r.store.OutboxRaw(ctx, o.ID)
				if bytes.Contains(bytes.ToLower(raw), []byte("[give")) {
					t.Fatalf("a command tag was relayed: %s", raw)
				}
			}
			r.mustSend("bob@example.org", []string{"support@example.org"},
				caseworkerMail("bob@example.org", fmt.Sprintf("Re: [support #%d] Printer [move it-help]", id), ""))
			if tk, _ := r.store.Ticket(ctx, id); tk.Queue != "it-help" {
				t.Fatalf("after [move it-help]: queue %s", tk.Queue)
			}
		})

		t.Run("[comment] keeps the reply internal", func(t *testing.T) {
			r, id := setup(t)
			r.mustSend("alice@example.org", []string{"support@example.org"},
				caseworkerMail("alice@example.org", fmt.Sprintf("Re: [support #%d] Printer [comment]", id), "Between us: toner."))
			if n := toPat(r, id); n != 0 {
				t.Fatalf("a [comment] reached the requestor")
			}
			h, _ := r.store.History(ctx, id)
			if last := h[len(h)-1]; last.Type != mailstore.TxComment {
				t.Fatalf("last transaction %s, want comment", last.Type)
			}
		})
		t.Run("[remind 2d] sets a reminder with the mail's text, kept internal", func(t *testing.T) {
			r, id := setup(t)
			r.mustSend("alice@example.org", []string{"support@example.org"},
				caseworkerMail("alice@example.org", fmt.Sprintf("Re: [support #%d] Printer [remind 2d]", id), "Ring Pat om toneren."))
			if n := toPat(r, id); n != 0 {
				t.Fatalf("the reminder's text reached the requestor")
			}
			rs, err := r.store.Reminders(ctx, mailstore.ReminderFilter{Ticket: id})
			if err != nil || len(rs) != 1 {
				t.Fatalf("reminders %+v, %v; want one", rs, err)
			}
			if rm := rs[0]; rm.To != "alice" || rm.Text != "Ring Pat om toneren." || rm.Due.Sub(rm.Created) != 48*time.Hour {
				t.Errorf("reminder %+v: want alice's, the mail's text, due 2 days on", rm)
			}
			// Not a caseworker of the queue: refused, nothing set.
			r.mustSend("carol@example.org", []string{"support@example.org"},
				caseworkerMail("carol@example.org", fmt.Sprintf("Re: [support #%d] Printer [remind 1d]", id), "Me too."))
			if rs, _ := r.store.Reminders(ctx, mailstore.ReminderFilter{Ticket: id}); len(rs) != 1 {
				t.Errorf("carol's [remind] set a reminder on support's ticket: %+v", rs)
			}
		})
	})
}

// signWith signs msg for domain with h= listing keys (nil: every field
// the mail has, once).
func (s *signer) signWith(t *testing.T, domain, msg string, keys []string) string {
	t.Helper()
	var b bytes.Buffer
	err := dkim.Sign(&b, strings.NewReader(msg), &dkim.SignOptions{Domain: domain, Selector: "sel", Signer: s.keys[domain], HeaderKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// insertAfter puts line after the first line of msg that starts with
// prefix.
func insertAfter(msg, prefix, line string) string {
	i := strings.Index(msg, "\r\n"+prefix)
	if i < 0 {
		panic("no " + prefix)
	}
	end := i + 2 + strings.Index(msg[i+2:], "\r\n") + 2
	return msg[:end] + line + "\r\n" + msg[end:]
}

// TestAuthRedTeam replays the forgeries of issue 25 against Verify, with
// real signatures: each names what an attacker does to a mail, and
// whether sak must believe it.
func TestAuthRedTeam(t *testing.T) {
	keys := newSigner("example.org", "dept.example.org", "testing.example.org", "evil.example")
	keys.txt["sel._domainkey.testing.example.org"] = strings.Replace(keys.txt["sel._domainkey.testing.example.org"], "v=DKIM1;", "v=DKIM1; t=y;", 1)
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	ar := []string{"mx.example.org"}
	relay := []*net.IPNet{loopback}
	lunch := caseworkerMail("alice@example.org", "Lunch on Friday?", "See you there.")
	student := caseworkerMail("sam@example.org", "Lunch on Friday?", "See you there.")
	take := "Subject: Re: [support #28] [take] [resolve]"
	signed := keys.sign(t, "example.org", lunch)
	oversigned := keys.signWith(t, "example.org", lunch, []string{"From", "From", "Subject", "Subject", "To", "Date", "Message-ID"})
	withAR := func(h ...string) string { return strings.Join(h, "\r\n") + "\r\n" + lunch }
	const local = "127.0.0.1"

	cases := []struct {
		name   string
		auth   Auth
		remote string // "unix" for a UNIX socket
		mail   string
		ok     bool
		why    string // in the reason
	}{
		{"signed by the From domain", Auth{}, local, signed, true, "dkim pass d=example.org"},
		{"duplicate Subject on top of a signed mail", Auth{}, local, take + "\r\n" + signed, false, "2 subject header fields"},
		{"duplicate Subject below the signed one", Auth{}, local, insertAfter(signed, "Subject:", take), false, "2 subject header fields"},
		{"duplicate From on top of a colleague's signed mail", Auth{}, local, "From: alice@example.org\r\n" + keys.sign(t, "example.org", student), false, "2 from header fields"},
		{"duplicate From below a colleague's signed one", Auth{}, local, insertAfter(keys.sign(t, "example.org", student), "From:", "From: alice@example.org"), false, "2 from header fields"},
		{"duplicate From, the second without a space before the colon", Auth{}, local, "From : alice@example.org\r\n" + keys.sign(t, "example.org", student), false, "2 from header fields"},
		{"duplicate Subject hidden from sak's parser by a broken line", Auth{}, local, "From: alice@example.org\r\n" + take + "\r\nno colon here\r\nnor here\r\n" + keys.sign(t, "example.org", student), false, "2 from header fields"},
		{"h= oversigned, one Subject", Auth{}, local, oversigned, true, "dkim pass"},
		{"h= oversigned, Subject added on top", Auth{}, local, take + "\r\n" + oversigned, false, "2 subject header fields"},
		{"h= without Subject", Auth{}, local, keys.signWith(t, "example.org", lunch, []string{"From", "To", "Date"}), false, "h= does not cover From and Subject"},
		{"h= without Subject, Subject replaced", Auth{}, local, strings.Replace(keys.signWith(t, "example.org", lunch, []string{"From", "To", "Date"}), "Subject: Lunch on Friday?", take, 1), false, "h= does not cover"},
		{"subdomain key, strict alignment", Auth{}, local, keys.sign(t, "dept.example.org", lunch), false, "not aligned with example.org (strict)"},
		{"subdomain key, relaxed alignment", Auth{RelaxedAlignment: true}, local, keys.sign(t, "dept.example.org", lunch), true, "dkim pass d=dept.example.org"},
		{"another domain's key, relaxed alignment", Auth{RelaxedAlignment: true}, local, keys.sign(t, "evil.example", lunch), false, "not aligned"},
		{"testing key (t=y)", Auth{}, local, keys.sign(t, "testing.example.org", caseworkerMail("alice@testing.example.org", "Lunch", "Hi.")), false, "t=y"},
		{"OpenDKIM's header with comments", Auth{TrustedAuthserv: ar, TrustedRelays: relay}, local, withAR(
			"Authentication-Results: mx.example.org;\r\n\tdkim=pass (1024-bit key; unprotected) header.d=example.org header.i=@example.org header.a=rsa-sha256 header.s=sel header.b=\"Xy1/ab+c\";\r\n\tdkim-atps=neutral"),
			true, "authentication-results mx.example.org: dkim pass d=example.org"},
		{"OpenDMARC's header", Auth{TrustedAuthserv: ar, TrustedRelays: relay}, local, withAR(
			"Authentication-Results: mx.example.org; dmarc=pass (p=none dis=none) header.from=example.org"), true, "dmarc pass header.from=example.org"},
		{"dmarc=pass without header.from", Auth{TrustedAuthserv: ar, TrustedRelays: relay}, local, withAR(
			"Authentication-Results: mx.example.org; dmarc=pass (p=none dis=none)"), false, "no aligned pass"},
		{"dmarc=pass for another From domain", Auth{TrustedAuthserv: ar, TrustedRelays: relay}, local, withAR(
			"Authentication-Results: mx.example.org; dmarc=pass header.from=evil.example"), false, "no aligned pass"},
		{"a ';' quoted in a property value", Auth{TrustedAuthserv: ar, TrustedRelays: relay}, local, withAR(
			`Authentication-Results: mx.example.org; spf=pass smtp.mailfrom="x;dkim=pass header.d=example.org x="@evil.test`), false, "no aligned pass"},
		{"a ';' in a comment", Auth{TrustedAuthserv: ar, TrustedRelays: relay}, local, withAR(
			`Authentication-Results: mx.example.org; spf=pass (x; dkim=pass header.d=example.org) smtp.mailfrom=evil.test`), false, "no aligned pass"},
		{"trusted header that does not parse, a passing one below", Auth{TrustedAuthserv: ar, TrustedRelays: relay}, local, withAR(
			"Authentication-Results: mx.example.org; dkim=fail (unterminated header.d=example.org",
			"Authentication-Results: mx.example.org; dkim=pass header.d=example.org"), false, "unterminated comment"},
		{"failing trusted header on top, a passing one below", Auth{TrustedAuthserv: ar, TrustedRelays: relay}, local, withAR(
			"Authentication-Results: mx.example.org; dkim=none",
			"Authentication-Results: mx.example.org; dkim=pass header.d=example.org"), false, "no aligned pass"},
		{"a comment before the authserv-id (border regexps miss it)", Auth{TrustedAuthserv: ar, TrustedRelays: relay}, local, withAR(
			"Authentication-Results: (x) mx.example.org; dkim=pass header.d=example.org"), false, "not in the form an MTA writes"},
		{"a space before the colon of the field name", Auth{TrustedAuthserv: ar, TrustedRelays: relay}, local, withAR(
			"Authentication-Results : mx.example.org; dkim=pass header.d=example.org"), false, "not in the form an MTA writes"},
		{"an RFC 2047 encoded authserv-id", Auth{TrustedAuthserv: ar, TrustedRelays: relay}, local, withAR(
			"Authentication-Results: =?us-ascii?q?mx.example.org?=; dkim=pass header.d=example.org"), false, "no Authentication-Results of a trusted authserv-id"},
		{"subdomain dkim pass, strict", Auth{TrustedAuthserv: ar, TrustedRelays: relay}, local, withAR(
			"Authentication-Results: mx.example.org; dkim=pass header.d=dept.example.org"), false, "no aligned pass"},
		{"loopback without a trusted relay", Auth{TrustedAuthserv: ar}, local, withAR(
			"Authentication-Results: mx.example.org; dkim=pass header.d=example.org"), false, "not from a trusted relay"},
		{"LMTP on a UNIX socket", Auth{TrustedAuthserv: ar}, "unix", withAR(
			"Authentication-Results: mx.example.org; dkim=pass header.d=example.org"), true, "dkim pass d=example.org"},
		{"duplicate Subject with a passing trusted header", Auth{TrustedAuthserv: ar, TrustedRelays: relay}, local, take + "\r\n" + withAR(
			"Authentication-Results: mx.example.org; dkim=pass header.d=example.org"), false, "2 subject header fields"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.auth.LookupTXT = keys.lookup
			env := &Envelope{MailFrom: "alice@example.org"}
			if c.remote == "unix" {
				env.Local = true
			} else {
				env.Remote = net.ParseIP(c.remote)
			}
			raw := []byte(c.mail)
			ok, why := c.auth.Verify(t.Context(), env, raw, parse.Parse(raw))
			if ok != c.ok || !strings.Contains(why, c.why) {
				t.Fatalf("Verify = %v, %q; want %v, %q", ok, why, c.ok, c.why)
			}
		})
	}
}

// logBuffer collects log output from the server's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestUnverifiedReasonLogged: a caseworker's mail that is not verified
// is logged with the reason, at warn level.
func TestUnverifiedReasonLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		storetest.Desk(t, s)
		r := serve(t, s, Config{})
		var logs logBuffer
		r.d.Log = slog.New(slog.NewTextHandler(&logs, nil))
		keys := newSigner("example.org")
		r.d.Verifier = &Auth{LookupTXT: keys.lookup}
		id, err := s.CreateTicket(t.Context(), "root", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com"}, Subject: "Printer"})
		if err != nil {
			t.Fatal(err)
		}
		take := fmt.Sprintf("Subject: Re: [support #%d] Printer [take]\r\n", id)
		r.mustSend("alice@example.org", []string{"support@example.org"}, take+keys.sign(t, "example.org", caseworkerMail("alice@example.org", "Lunch", "Hi.")))
		out := logs.String()
		if !strings.Contains(out, "level=WARN") || !strings.Contains(out, `auth_reason="2 subject header fields (one allowed)"`) {
			t.Fatalf("log lacks the reason at warn level:\n%s", out)
		}
	})
}

// TestNoAcknowledgementToForgeries: when the trusted relay's checks say
// that SPF and DMARC both failed, the From is most likely forged, and an
// acknowledgement would be backscatter to someone who never wrote. The
// mail still makes its ticket.
func TestNoAcknowledgementToForgeries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		storetest.Desk(t, s)
		r := serve(t, s, Config{})
		loopback := &net.IPNet{IP: net.IPv4(127, 0, 0, 0), Mask: net.CIDRMask(8, 32)}
		elsewhere := &net.IPNet{IP: net.IPv4(192, 0, 2, 0), Mask: net.CIDRMask(24, 32)}
		cases := []struct {
			name  string
			auth  *Auth
			ar    string
			acked bool
		}{
			{"spf and dmarc failed", &Auth{TrustedAuthserv: []string{"mx.example.org"}, TrustedRelays: []*net.IPNet{loopback}},
				"mx.example.org; spf=fail smtp.mailfrom=bank.example; dkim=none; dmarc=fail (p=reject) header.from=bank.example", false},
			{"spf failed, dmarc passed", &Auth{TrustedAuthserv: []string{"mx.example.org"}, TrustedRelays: []*net.IPNet{loopback}},
				"mx.example.org; spf=fail smtp.mailfrom=bank.example; dkim=pass header.d=bank.example; dmarc=pass header.from=bank.example", true},
			{"dmarc failed, spf softfail", &Auth{TrustedAuthserv: []string{"mx.example.org"}, TrustedRelays: []*net.IPNet{loopback}},
				"mx.example.org; spf=softfail smtp.mailfrom=bank.example; dmarc=fail header.from=bank.example", true},
			{"the same header from an untrusted connection", &Auth{TrustedAuthserv: []string{"mx.example.org"}, TrustedRelays: []*net.IPNet{elsewhere}},
				"mx.example.org; spf=fail smtp.mailfrom=bank.example; dmarc=fail header.from=bank.example", true},
			{"the same header of an untrusted authserv-id", &Auth{TrustedAuthserv: []string{"mx.example.org"}, TrustedRelays: []*net.IPNet{loopback}},
				"evil.test; spf=fail smtp.mailfrom=bank.example; dmarc=fail header.from=bank.example", true},
		}
		for i, tc := range cases {
			r.d.Verifier = tc.auth
			from := fmt.Sprintf("pat%d@bank.example", i)
			r.mustSend(from, []string{"support@example.org"},
				"Authentication-Results: "+tc.ar+"\r\n"+mailText(from, "support@example.org", tc.name, fmt.Sprintf("forged%d@bank.example", i), "", "Please confirm."))
			ts := r.tickets()
			out, err := s.Outbox(t.Context(), mailstore.OutboxFilter{Ticket: ts[0].ID})
			if err != nil {
				t.Fatal(err)
			}
			acked := false
			for _, o := range out {
				acked = acked || o.Kind == mailstore.KindAutoReply
			}
			if len(ts) != i+1 || acked != tc.acked {
				t.Errorf("%s: %d tickets, acknowledged %v, want %d and %v", tc.name, len(ts), acked, i+1, tc.acked)
			}
		}
	})
}
