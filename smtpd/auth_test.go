package smtpd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"sak/mailstore"
	"sak/mailstore/storetest"
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
	})
}
