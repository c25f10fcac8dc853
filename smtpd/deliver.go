package smtpd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"

	"sak/mailstore"
	"sak/parse"
)

// ErrUnusable is a message sak cannot store as mail at all (no bytes).
var ErrUnusable = errors.New("unusable message")

// Envelope is what the SMTP dialogue (or the mailgate) says about a mail.
type Envelope struct {
	MailFrom string // reverse-path; "" is the null sender
	Routes   []mailstore.Route
	Remote   net.IP // the connecting client; nil for the mailgate
	// Local is a connection over a UNIX socket, which only the MTA's
	// group may open: its Authentication-Results count as a trusted
	// relay's.
	Local bool
	// Refused are the recipients of the same transaction refused as no
	// queue of sak's: the header's To and Cc naming them make no Ccs.
	Refused []string
}

// Verifier decides whether a mail's sender is authenticated (DKIM aligned
// with From, or a trusted Authentication-Results header). why says what
// it found, for the log.
type Verifier interface {
	Verify(ctx context.Context, env *Envelope, raw []byte, msg *parse.Message) (ok bool, why string)
}

// Forgeries is what a Verifier may also tell: that the relay's trusted
// checks found a mail's sender forged (SPF and DMARC failed). No automatic
// reply goes to such a mail: it would reach someone who never wrote.
type Forgeries interface {
	Forged(env *Envelope, raw []byte) bool
}

// Deliverer turns raw mail into store deliveries. It is shared by the SMTP
// and LMTP sessions, the mailgate and the importers.
type Deliverer struct {
	Store    *mailstore.Store
	Log      *slog.Logger
	Verifier Verifier // nil: no mail is authenticated, commands never run
	// SpamScore quarantines mail whose X-Spamd-Result or X-Spam-Score
	// (rspamd, SpamAssassin) is at least this; 0 means 10.
	SpamScore float64
	// MaxParts quarantines mail with more attachments than this; 0 means 500.
	MaxParts int
	Metrics  *Metrics // counts deliveries when set
}

// Route finds the queue an envelope recipient addresses
// (mailstore.Store.Route).
func (d *Deliverer) Route(ctx context.Context, rcpt string) (mailstore.Route, error) {
	return d.Store.Route(ctx, rcpt)
}

// Deliver parses raw and stores it as the envelope routes it.
func (d *Deliverer) Deliver(ctx context.Context, env *Envelope, raw []byte) (res *mailstore.Delivery, err error) {
	start := time.Now()
	defer func() { d.Metrics.Delivered(res, err, start) }()
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, ErrUnusable
	}
	msg := parse.Parse(raw)
	if why := d.quarantineReason(msg); why != "" {
		return d.quarantine(ctx, env, raw, msg, why)
	}
	return d.store(ctx, env, raw, msg, start)
}

// ReleaseQuarantined delivers held mail id into the queues it was sent
// to, as if it had just arrived, without the checks that held it back,
// and records it released (mailstore.Store.Release: one transaction,
// refused unless actor is a sysadmin).
func (d *Deliverer) ReleaseQuarantined(ctx context.Context, actor string, id int64) (*mailstore.Delivery, error) {
	q, raw, err := d.Store.As(actor).QuarantineGet(ctx, id)
	if err != nil {
		return nil, err
	}
	env := &Envelope{MailFrom: q.MailFrom}
	for _, rc := range q.Rcpts {
		r, err := d.Route(ctx, rc)
		if err != nil {
			return nil, fmt.Errorf("quarantined mail %d: route %s: %w", id, rc, err)
		}
		env.Routes = append(env.Routes, r)
	}
	in, err := d.incoming(ctx, env, raw, parse.Parse(raw))
	if err != nil {
		return nil, err
	}
	return d.Store.Release(ctx, actor, id, in)
}

func (d *Deliverer) store(ctx context.Context, env *Envelope, raw []byte, msg *parse.Message, start time.Time) (*mailstore.Delivery, error) {
	in, err := d.incoming(ctx, env, raw, msg)
	if err != nil {
		return nil, err
	}
	res, err := d.Store.Deliver(ctx, in)
	log := d.log().With("message_id", msg.MessageID, "from", in.From, "size", len(raw), "duration", time.Since(start).Round(time.Microsecond))
	if err != nil {
		log.Error("delivery failed", "outcome", "tempfail", "err", err)
		return nil, err
	}
	outcome := res.Kind
	if res.Duplicate {
		outcome = "duplicate"
	}
	log.Info("delivered", "queue", res.Queue, "ticket", res.Ticket, "outcome", outcome, "flags", strings.Join(res.Flags, ","), "verified", in.Verified, "auth_reason", in.AuthReason)
	if !in.Verified && in.AuthReason != "" {
		log.Warn("mail from a sak user not verified: no command runs, nothing reaches requestors", "ticket", res.Ticket, "auth_reason", in.AuthReason)
	}
	if res.Refused != nil {
		log.Info("mail commands refused", "ticket", res.Ticket, "err", res.Refused)
	}
	return res, nil
}

func (d *Deliverer) log() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Log
}

// incoming builds the store's view of a parsed mail.
func (d *Deliverer) incoming(ctx context.Context, env *Envelope, raw []byte, msg *parse.Message) (*mailstore.Incoming, error) {
	cmds, subject := parse.Commands(msg.Subject)
	in := &mailstore.Incoming{
		Mail:       mailstore.ParsedMail(raw, msg),
		MailFrom:   env.MailFrom,
		Routes:     env.Routes,
		InReplyTo:  msg.InReplyTo,
		References: msg.References,
	}
	in.Subject = subject // without its command tags
	if len(cmds) > 0 {
		// Only a reply with commands asks whether anything new was
		// written, and whether a tag beside them was meant as one.
		in.NewText = parse.NewText(msg.Text)
		in.Unknown = parse.Attempts(subject)
	}
	for _, a := range msg.ReplyTo {
		in.ReplyTo = append(in.ReplyTo, strings.ToLower(a.Addr))
	}
	for _, a := range append(append([]parse.Address{}, msg.To...), msg.Cc...) {
		if addr := strings.ToLower(a.Addr); !slices.Contains(env.Refused, addr) {
			in.Recipients = append(in.Recipients, addr)
		}
	}
	for _, t := range parse.TicketTags(msg.Subject) {
		in.Tags = append(in.Tags, mailstore.Tag{Tag: t.Tag, ID: t.ID})
	}
	for _, c := range cmds {
		in.Commands = append(in.Commands, mailstore.Action{Name: c.Name, Arg: c.Arg})
	}
	if msg.Report != nil {
		// The store records it as a bounce only when it came to a
		// return path sak signed (or names a mail sak sent, for mail
		// sent before return paths were signed).
		in.BounceOf = msg.Report.OriginalMessageID
		in.Bounce = strings.TrimSpace(fmt.Sprintf("%s %s %s %s", msg.Report.Action, strings.Join(msg.Report.Recipients, ","), msg.Report.Status, msg.Report.Diagnostic))
		if in.Bounce == "" {
			in.Bounce = "delivery report"
		}
		in.BounceFailed = strings.EqualFold(msg.Report.Action, "failed")
	}
	why, own, err := d.Store.Automatic(ctx, env.MailFrom, msg)
	if err != nil {
		return nil, err
	}
	in.NoAutoReply, in.Quiet = why, own // sak's own mail came back: send nothing more
	if f, ok := d.Verifier.(Forgeries); ok && in.NoAutoReply == "" && f.Forged(env, raw) {
		in.NoAutoReply = "spf and dmarc failed"
	}
	// Only a caseworker's mail needs its sender verified (commands, and
	// what reaches requestors): checking DKIM costs DNS look-ups before
	// the 250, so requestors' mail, nearly all of it, is not checked.
	if d.Verifier != nil && in.From != "" {
		if u, err := d.Store.UserByEmail(ctx, in.From); err == nil && u.Login != "" {
			in.Verified, in.AuthReason = d.Verifier.Verify(ctx, env, raw, msg)
		}
	}
	return in, nil
}

func fromAddr(msg *parse.Message) string {
	if msg.From == nil {
		return ""
	}
	return msg.From.Addr
}

// quarantineReason says why a mail is held back instead of made a ticket:
// the MTA's spam filter marked it, or it has more parts than is sane.
func (d *Deliverer) quarantineReason(msg *parse.Message) string {
	threshold := d.SpamScore
	if threshold == 0 {
		threshold = 10
	}
	maxParts := d.MaxParts
	if maxParts == 0 {
		maxParts = 500
	}
	for _, f := range msg.Header {
		v := strings.TrimSpace(f.Value)
		switch strings.ToLower(f.Name) {
		case "x-spam-flag", "x-spam":
			if strings.EqualFold(v, "yes") || strings.EqualFold(v, "true") {
				return "spam: " + f.Name + ": " + v
			}
		case "x-spam-status":
			if len(v) >= 3 && strings.EqualFold(v[:3], "yes") {
				return "spam: X-Spam-Status: yes"
			}
		case "x-spamd-result", "x-spam-score":
			if score, ok := spamScore(v); ok && score >= threshold {
				return fmt.Sprintf("spam: %s score %.1f >= %.1f", f.Name, score, threshold)
			}
		}
	}
	if n := len(msg.Attachments); n > maxParts {
		return fmt.Sprintf("too many parts: %d attachments (limit %d)", n, maxParts)
	}
	return ""
}

// spamScore reads "default: False [12.40 / 15.00]; ..." (rspamd) or a bare
// number.
func spamScore(v string) (float64, bool) {
	if i := strings.IndexByte(v, '['); i >= 0 {
		v = v[i+1:]
	}
	v = strings.TrimSpace(v)
	end := 0
	for end < len(v) && (v[end] == '-' || v[end] == '.' || v[end] >= '0' && v[end] <= '9') {
		end++
	}
	var f float64
	if _, err := fmt.Sscanf(v[:end], "%g", &f); err != nil {
		return 0, false
	}
	return f, true
}

func (d *Deliverer) quarantine(ctx context.Context, env *Envelope, raw []byte, msg *parse.Message, why string) (*mailstore.Delivery, error) {
	id, err := d.Store.Quarantine(ctx, why, env.MailFrom, mailstore.RouteAddresses(env.Routes), fromAddr(msg), msg.Subject, raw)
	if err != nil {
		d.log().Error("quarantine failed", "outcome", "tempfail", "err", err)
		return nil, err
	}
	d.log().Info("quarantined", "quarantine", id, "reason", why, "message_id", msg.MessageID, "from", fromAddr(msg), "size", len(raw))
	return &mailstore.Delivery{Quarantine: id, Kind: "quarantine"}, nil
}
