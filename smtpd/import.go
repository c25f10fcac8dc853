package smtpd

import (
	"bytes"
	"context"
	"slices"
	"time"

	"sak/mailstore"
	"sak/smtpd/parse"
)

// ImportOptions say how Import treats a mail from an archive.
type ImportOptions struct {
	// Date is when the mail arrived, as the archive says (an mbox "From "
	// line, a maildir file name): used when the mail's Date header is
	// missing, unparseable or in the future. Zero: the store's clock.
	Date time.Time
	// Now is the current time, to tell a Date header in the future (more
	// than a day ahead) from a real one. Zero: every date is believed.
	Now time.Time
	// SpamCheck holds spam and oversized mail back in the quarantine as
	// live delivery does. Off, an archive is taken as it is: someone kept
	// that mail.
	SpamCheck bool
}

// Import stores a mail from an archive through the same parsing and
// threading as live mail, but quietly: no auto-reply, no notification,
// and recorded at the mail's own date (its Date header, else opt.Date),
// via "import". An unparseable mail is kept raw with the unparseable flag,
// which the returned Delivery's Flags then include. Importing the same
// mail again reports Duplicate.
func (d *Deliverer) Import(ctx context.Context, env *Envelope, raw []byte, opt ImportOptions) (*mailstore.Delivery, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, ErrUnusable
	}
	msg := parse.Parse(raw)
	if opt.SpamCheck {
		if why := d.quarantineReason(msg); why != "" {
			return d.quarantine(ctx, env, raw, msg, why)
		}
	}
	in, err := d.incoming(ctx, env, raw, msg)
	if err != nil {
		return nil, err
	}
	in.Quiet = true
	in.At = importDate(msg.Date, opt)
	res, err := d.Store.Deliver(mailstore.WithVia(ctx, mailstore.ViaImport), in)
	if err != nil {
		d.log().Error("import failed", "message_id", msg.MessageID, "size", len(raw), "err", err)
		return nil, err
	}
	if !res.Duplicate && slices.Contains(in.Flags, mailstore.FlagUnparseable) && !slices.Contains(res.Flags, mailstore.FlagUnparseable) {
		res.Flags = append(res.Flags, mailstore.FlagUnparseable)
	}
	d.log().Debug("imported", "message_id", msg.MessageID, "ticket", res.Ticket, "kind", res.Kind, "duplicate", res.Duplicate, "at", in.At)
	return res, nil
}

// importDate is the time to record an imported mail at: its Date header,
// else the archive's date, unless in the future; zero for the store's
// clock.
func importDate(header time.Time, opt ImportOptions) time.Time {
	future := func(t time.Time) bool { return !opt.Now.IsZero() && t.After(opt.Now.Add(24*time.Hour)) }
	for _, t := range []time.Time{header, opt.Date} {
		if !t.IsZero() && !future(t) {
			return t
		}
	}
	return time.Time{}
}
