package smtpd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-smtp"

	"sak/mailstore"
	"sak/mailstore/storetest"
	"sak/parse"
)

func TestOutbound(t *testing.T) {
	storetest.Each(t, testOutbound)
}

func testOutbound(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	pat := "pat@example.com"

	t.Run("auto-reply and caseworker reply reach the relay and thread back", func(t *testing.T) {
		r := newRig(t, open)
		k := newSink(t)
		w := &Outbound{Store: r.store, Relay: k.addr, Hostname: "sak.test"}
		r.mustSend(pat, []string{"support@example.org"}, mailText("Pat <pat@example.com>", "support@example.org", "Printer on fire", "o1@example.com", "", "It burns."))
		id := r.tickets()[0].ID
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		got := k.mails()
		// The auto-reply to the requestor; the watcher hears of the new ticket.
		if len(got) != 2 || got[0].rcpt != pat || got[0].from != "" || got[1].rcpt != "walt@example.org" {
			t.Fatalf("relay got %d mails (%+v), want an auto-reply to %s from <> and a notice to walt", len(got), got, pat)
		}
		m := parse.Parse(got[0].data)
		tag := fmt.Sprintf("[support #%d]", id)
		if !strings.Contains(m.Subject, tag) || m.AutoSubmitted != "auto-replied" || m.Get(mailstore.LoopHeader) == "" ||
			len(m.InReplyTo) != 1 || m.InReplyTo[0] != "o1@example.com" || !strings.Contains(m.Text, fmt.Sprint(id)) {
			t.Fatalf("auto-reply = subject %q auto %q in-reply-to %v text %q", m.Subject, m.AutoSubmitted, m.InReplyTo, m.Text)
		}
		// The caseworker answers from the CLI; the requestor gets it.
		if err := r.store.Reply(ctx, "alice", id, "Unplug it."); err != nil {
			t.Fatal(err)
		}
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		got = k.mails()
		if len(got) != 3 {
			t.Fatalf("relay got %d mails, want 3", len(got))
		}
		reply := parse.Parse(got[2].data)
		if got[2].rcpt != pat || !strings.HasPrefix(got[2].from, "support+b") || !strings.HasSuffix(got[2].from, "@example.org") || reply.From.Addr != "support@example.org" || reply.From.Name != "alice" ||
			!strings.Contains(reply.Subject, tag) || !strings.Contains(reply.Text, "Unplug it.") || len(reply.References) == 0 || reply.AutoSubmitted != "" {
			t.Fatalf("reply = %+v", reply)
		}
		// The requestor answers the reply without a tag: it threads back.
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "Re: printer", "o2@example.com", "In-Reply-To: <"+reply.MessageID+">\r\n", "Done, thanks."))
		if n := len(r.tickets()); n != 1 {
			t.Fatalf("reply to sak's mail made a new ticket (%d tickets)", n)
		}
		// Nobody owns the ticket, so the requestor's answer goes to the
		// watcher; then nothing is left, and nothing is sent twice.
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("RunOnce = %d, %v; want the watcher's notice", n, err)
		}
		if n, _ := w.RunOnce(ctx); n != 0 {
			t.Fatalf("rows claimed again after sending: %d", n)
		}
	})

	t.Run("relay down: retried later, not lost", func(t *testing.T) {
		r := newRig(t, open)
		now := time.Now()
		w := &Outbound{Store: r.store, Relay: "127.0.0.1:1", Now: func() time.Time { return now }}
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "x", "d1@example.com", "", "x"))
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		rows, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{})
		if len(rows) != 2 { // auto-reply and the watcher's notice
			t.Fatalf("outbox = %+v", rows)
		}
		for _, row := range rows {
			if row.Status != "pending" || row.Attempts != 1 || !row.NextAttempt.After(now) || row.LastError == "" {
				t.Fatalf("row after relay down = %+v", row)
			}
		}
		if n, _ := w.RunOnce(ctx); n != 0 {
			t.Fatalf("retried before the backoff: %d rows", n)
		}
		// The relay is back and the backoff has passed.
		k := relayBack(t, r, w)
		if n := len(k.mails()); n != 2 {
			t.Fatalf("relay got %d mails after recovery, want 2", n)
		}
	})

	t.Run("relay lost in a batch: what it accepted stays sent", func(t *testing.T) {
		r := newRig(t, open)
		now := time.Now()
		lost := newSink(t)
		lost.dropAfter = 2
		w := &Outbound{Store: r.store, Relay: lost.addr, Now: func() time.Time { return now }}
		for i, from := range []string{pat, "kim@example.com"} {
			// Two senders: the watchers hear of one sender's new
			// tickets once in ten minutes.
			r.mustSend(from, []string{"support@example.org"}, mailText(from, "support@example.org", fmt.Sprint("x", i), fmt.Sprintf("l%d@example.com", i), "", "x"))
		}
		// Four rows (two auto-replies, two notices): two accepted, the
		// third's connection cut, the fourth's refused.
		if n, err := w.RunOnce(ctx); n != 4 || err != nil {
			t.Fatalf("RunOnce = %d, %v; want the 4 rows", n, err)
		}
		count := func(status string) int {
			rows, err := r.store.Outbox(ctx, mailstore.OutboxFilter{Status: status})
			if err != nil {
				t.Fatal(err)
			}
			return len(rows)
		}
		if got := len(lost.mails()); got != 2 {
			t.Fatalf("relay accepted %d mails, want 2", got)
		}
		if s, p := count("sent"), count("pending"); s != 2 || p != 2 {
			t.Fatalf("%d rows sent and %d pending; want the 2 accepted sent, the other 2 pending", s, p)
		}
		// The relay is back: only the two that waited go out.
		k := relayBack(t, r, w)
		if got := len(k.mails()); got != 2 || count("sent") != 4 {
			t.Fatalf("after recovery the relay got %d mails (want 2) and %d rows are sent (want 4)", got, count("sent"))
		}
	})

	t.Run("permanent failure is recorded on the ticket", func(t *testing.T) {
		r := newRig(t, open)
		k := newSink(t)
		k.setFail(&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"})
		w := &Outbound{Store: r.store, Relay: k.addr}
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "x", "f1@example.com", "", "x"))
		id := r.tickets()[0].ID
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		failed, _ := r.store.Outbox(ctx, mailstore.OutboxFilter{Status: "failed"})
		if len(failed) != 2 {
			t.Fatalf("failed rows = %+v", failed)
		}
		var sf int
		for _, x := range r.history(id) {
			if x.Type == mailstore.TxSendFailure && strings.Contains(x.Note, "no such user") {
				sf++
			}
		}
		if sf != 2 {
			t.Fatalf("history holds %d send failures, want 2", sf)
		}
	})

	t.Run("workers share the outbox and send each row once", func(t *testing.T) {
		r := newRig(t, open)
		k := newSink(t)
		for i := 0; i < 20; i++ {
			r.mustSend(fmt.Sprintf("p%d@example.com", i), []string{"support@example.org"}, mailText(fmt.Sprintf("p%d@example.com", i), "support@example.org", "x", fmt.Sprintf("w%d@example.com", i), "", "x"))
		}
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := &Outbound{Store: r.store, Relay: k.addr, Batch: 3}
				for {
					n, err := w.RunOnce(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		seen := map[string]int{}
		for _, m := range k.mails() {
			seen[m.rcpt+string(parse.Parse(m.data).MessageID)]++
		}
		if len(seen) != 40 {
			t.Fatalf("relay got %d distinct mails, want 40 (20 auto-replies, 20 notifications)", len(seen))
		}
		for k, n := range seen {
			if n != 1 {
				t.Fatalf("%s sent %d times", k, n)
			}
		}
	})

	t.Run("STARTTLS to the relay, greeting with the host name", func(t *testing.T) {
		r := newRig(t, open)
		cert, err := tls.X509KeyPair(localhostCert, localhostKey)
		if err != nil {
			t.Fatal(err)
		}
		k := newSink(t, &tls.Config{Certificates: []tls.Certificate{cert}})
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(localhostCert)
		w := &Outbound{Store: r.store, Relay: k.addr, Hostname: "sak.test", StartTLS: true, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "x", "t1@example.com", "", "x"))
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		got := k.mails()
		if len(got) == 0 || !got[0].tls || got[0].helo != "sak.test" {
			for _, m := range got {
				t.Errorf("relay got mail for %s, TLS %v, greeted as %q", m.rcpt, m.tls, m.helo)
			}
			t.Fatalf("%d mails; want them over TLS from a client greeting as sak.test", len(got))
		}
	})

	t.Run("dkim signed mail verifies", func(t *testing.T) {
		r := newRig(t, open)
		k := newSink(t)
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		w := &Outbound{Store: r.store, Relay: k.addr, DKIM: DKIMOptions("example.org", "sak", priv)}
		r.mustSend(pat, []string{"support@example.org"}, mailText(pat, "support@example.org", "x", "k1@example.com", "", "x"))
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		got := k.mails()
		vs, err := dkim.VerifyWithOptions(bytes.NewReader(got[0].data), &dkim.VerifyOptions{
			LookupTXT: func(domain string) ([]string, error) {
				if domain != "sak._domainkey.example.org" {
					return nil, fmt.Errorf("no key at %s", domain)
				}
				return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
			},
		})
		if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "example.org" {
			t.Fatalf("verify = %+v, %v", vs, err)
		}
	})
}

// relayBack points w at a new relay, makes the waiting rows due and runs w
// once, as when a relay that was down came back; it returns the relay.
func relayBack(t *testing.T, r *rig, w *Outbound) *sink {
	t.Helper()
	k := newSink(t)
	w.Relay = k.addr
	if _, err := r.store.RetryOutbox(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	return k
}
