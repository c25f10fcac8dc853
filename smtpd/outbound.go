package smtpd

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"sak/mailstore"
)

// Outbound delivers outbox rows to the relay (smarthost). Several
// Outbound workers, in one process or in several sak serve processes on
// one PostgreSQL database, share the outbox without sending a row twice:
// each row is leased to one worker before it is sent.
type Outbound struct {
	Store    *mailstore.Store
	Relay    string // HOST:PORT
	Hostname string // for EHLO
	Username string // AUTH PLAIN when set
	Password string
	// StartTLS requires STARTTLS on the relay connection.
	StartTLS  bool
	TLSConfig *tls.Config
	DKIM      *dkim.SignOptions // sign outgoing mail when set
	Log       *slog.Logger
	Metrics   *Metrics // counts sends when set

	Poll   time.Duration // how often to look for due rows; default 2s
	Batch  int           // rows per claim; default 20
	Lease  time.Duration // how long a claimed row is ours; default 5 minutes
	MaxAge time.Duration // give up on a row this old; default 5 days
	Now    func() time.Time
	// Kick, when not nil, wakes the worker before Poll runs out.
	Kick <-chan struct{}
}

func (w *Outbound) defaults() {
	if w.Poll == 0 {
		w.Poll = 2 * time.Second
	}
	if w.Batch == 0 {
		w.Batch = 20
	}
	if w.Lease == 0 {
		w.Lease = 5 * time.Minute
	}
	if w.MaxAge == 0 {
		w.MaxAge = 5 * 24 * time.Hour
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	if w.Hostname == "" {
		w.Hostname = "localhost"
	}
}

// Run sends due rows until ctx ends.
func (w *Outbound) Run(ctx context.Context) error {
	w.defaults()
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Metrics.DBError()
			w.Log.Error("outbox", "err", err)
		}
		if n == w.Batch && err == nil {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.Kick:
		case <-time.After(w.Poll):
		}
	}
}

// RunOnce claims one batch of due rows and tries each once. It returns how
// many rows it claimed. The rows the relay accepted are marked sent
// together when the batch ends: a write for each row contended with the
// deliveries' commits, and under load the outbox fell behind them
// (BENCHMARKS.md). A mark that fails (the database restarting, a
// failover) is tried again until the rows' lease would run out; only a
// crash before the mark sends them again, when their lease runs out, as it
// did the row in flight.
func (w *Outbound) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	claimed := w.Now()
	rows, err := w.Store.ClaimOutbox(ctx, w.Batch, w.Lease)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	sent, err := w.sendBatch(ctx, rows)
	return len(rows), errors.Join(err, w.markSent(ctx, sent, claimed.Add(w.Lease)))
}

// markSent marks the rows the relay accepted as sent, trying again while
// the database is away, until ctx ends or shortly before until, the end of
// their lease, after which another worker may send them again.
func (w *Outbound) markSent(ctx context.Context, ids []int64, until time.Time) error {
	wait := 100 * time.Millisecond
	for {
		err := w.Store.MarkSent(ctx, ids...)
		if err == nil || ctx.Err() != nil || w.Now().Add(wait+time.Second).After(until) {
			return err
		}
		w.Metrics.DBError()
		w.Log.Warn("outbox: marking sent mail failed; trying again", "rows", len(ids), "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// sendBatch tries each row once over one relay connection and returns the
// ids of those the relay accepted. It stops at a database error.
func (w *Outbound) sendBatch(ctx context.Context, rows []mailstore.OutboxRow) (sent []int64, _ error) {
	var c *smtp.Client
	defer func() {
		if c != nil {
			c.Quit()
			c.Close()
		}
	}()
	for i, r := range rows {
		if c == nil {
			var err error
			if c, err = w.dial(); err != nil {
				// The relay is unreachable: the rows not tried yet
				// wait (those sent before are sent).
				for _, r := range rows[i:] {
					w.retry(ctx, r, err)
				}
				return sent, nil
			}
		}
		err := w.send(c, r)
		var se *smtp.SMTPError
		switch {
		case err == nil:
			w.Metrics.Sent("sent")
			sent = append(sent, r.ID)
			w.Log.Info("sent", "outbox", r.ID, "ticket", r.TicketID, "kind", r.Kind, "rcpt", r.Rcpt)
		case errors.As(err, &se) && se.Code >= 500:
			w.Metrics.Sent("failed")
			w.Log.Warn("send failed permanently", "outbox", r.ID, "ticket", r.TicketID, "rcpt", r.Rcpt, "err", err)
			if err := w.Store.MarkFailed(ctx, r.ID, err.Error()); err != nil {
				return sent, err
			}
			c.Reset()
		default:
			w.retry(ctx, r, err)
			if !errors.As(err, &se) {
				c.Close() // the connection is in doubt: open a new one
				c = nil
			} else {
				c.Reset()
			}
		}
	}
	return sent, nil
}

// retry schedules a row again with exponential backoff (1 minute,
// doubling, at most an hour), or fails it once it is MaxAge old.
func (w *Outbound) retry(ctx context.Context, r mailstore.OutboxRow, cause error) {
	now := w.Now()
	if now.Sub(r.Created) > w.MaxAge {
		w.Metrics.Sent("failed")
		if err := w.Store.MarkFailed(ctx, r.ID, "gave up after "+w.MaxAge.String()+": "+cause.Error()); err != nil {
			w.Log.Error("outbox", "outbox", r.ID, "err", err)
		}
		return
	}
	w.Metrics.Sent("deferred")
	delay := time.Minute << min(r.Attempts, 6)
	if delay > time.Hour {
		delay = time.Hour
	}
	w.Log.Info("send deferred", "outbox", r.ID, "ticket", r.TicketID, "rcpt", r.Rcpt, "retry_in", delay, "err", cause)
	if err := w.Store.MarkRetry(ctx, r.ID, cause.Error(), now.Add(delay)); err != nil {
		w.Log.Error("outbox", "outbox", r.ID, "err", err)
	}
}

func (w *Outbound) dial() (*smtp.Client, error) {
	conn, err := net.DialTimeout("tcp", w.Relay, 30*time.Second)
	if err != nil {
		return nil, fmt.Errorf("connect to relay %s: %w", w.Relay, err)
	}
	var c *smtp.Client
	if w.StartTLS {
		cfg := w.TLSConfig
		if cfg == nil {
			host, _, _ := net.SplitHostPort(w.Relay)
			cfg = &tls.Config{ServerName: host}
		}
		if c, err = smtp.NewClientStartTLS(conn, cfg); err != nil {
			conn.Close()
			return nil, fmt.Errorf("relay %s: starttls: %w", w.Relay, err)
		}
		// go-smtp greets as "localhost" before STARTTLS and offers no
		// way to name itself there; the EHLO over TLS, the one the
		// relay's HELO checks see, names the host.
	} else {
		c = smtp.NewClient(conn)
	}
	if err := c.Hello(w.Hostname); err != nil {
		c.Close()
		return nil, fmt.Errorf("relay %s: %w", w.Relay, err)
	}
	c.CommandTimeout = time.Minute
	c.SubmissionTimeout = 5 * time.Minute
	if w.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", w.Username, w.Password)); err != nil {
			c.Close()
			return nil, fmt.Errorf("relay %s: auth: %w", w.Relay, err)
		}
	}
	return c, nil
}

func (w *Outbound) send(c *smtp.Client, r mailstore.OutboxRow) error {
	raw := r.Raw
	if w.DKIM != nil {
		var signed bytes.Buffer
		if err := dkim.Sign(&signed, bytes.NewReader(raw), w.DKIM); err != nil {
			return fmt.Errorf("dkim sign: %w", err)
		}
		raw = signed.Bytes()
	}
	return c.SendMail(r.MailFrom, []string{r.Rcpt}, bytes.NewReader(raw))
}

// DKIMOptions makes signing options for domain and selector with key.
func DKIMOptions(domain, selector string, key crypto.Signer) *dkim.SignOptions {
	return &dkim.SignOptions{
		Domain:   domain,
		Selector: selector,
		Signer:   key,
		HeaderKeys: []string{"From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID",
			"In-Reply-To", "References", "Content-Type", "Content-Transfer-Encoding", "MIME-Version", "Auto-Submitted"},
	}
}
