package smtpd

import (
	"bytes"
	"context"
	"slices"
	"time"

	"sak/mailstore"
	"sak/parse"
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
	ds, errs := d.ImportBatch(ctx, []Archived{{Env: env, Raw: raw, Opt: opt}})
	return ds[0], errs[0]
}

// Archived is a mail from an archive, for ImportBatch.
type Archived struct {
	Env *Envelope
	Raw []byte
	Opt ImportOptions
}

// ImportBatch imports mails as Import does, in their order, the ones that
// reach the store in one transaction (mailstore.Store.DeliverBatch), and
// returns each one's outcome.
func (d *Deliverer) ImportBatch(ctx context.Context, mails []Archived) ([]*mailstore.Delivery, []error) {
	ds, errs := make([]*mailstore.Delivery, len(mails)), make([]error, len(mails))
	var ins []*mailstore.Incoming
	var at []int
	for i, m := range mails {
		if len(bytes.TrimSpace(m.Raw)) == 0 {
			errs[i] = ErrUnusable
			continue
		}
		msg := parse.Parse(m.Raw)
		if m.Opt.SpamCheck {
			if why := d.quarantineReason(msg); why != "" {
				ds[i], errs[i] = d.quarantine(ctx, m.Env, m.Raw, msg, why)
				continue
			}
		}
		in, err := d.incoming(ctx, m.Env, m.Raw, msg)
		if err != nil {
			errs[i] = err
			continue
		}
		in.Quiet = true
		in.At = importDate(msg.Date, m.Opt)
		ins = append(ins, in)
		at = append(at, i)
	}
	if len(ins) == 0 {
		return ds, errs
	}
	res, rerrs := d.Store.DeliverBatch(mailstore.WithVia(ctx, mailstore.ViaImport), ins)
	for j, in := range ins {
		i := at[j]
		ds[i], errs[i] = res[j], rerrs[j]
		if errs[i] != nil {
			d.log().Error("import failed", "message_id", in.MessageID, "size", len(in.Raw), "err", errs[i])
			continue
		}
		r := ds[i]
		if !r.Duplicate && slices.Contains(in.Flags, mailstore.FlagUnparseable) && !slices.Contains(r.Flags, mailstore.FlagUnparseable) {
			r.Flags = append(r.Flags, mailstore.FlagUnparseable)
		}
		d.log().Debug("imported", "message_id", in.MessageID, "ticket", r.Ticket, "kind", r.Kind, "duplicate", r.Duplicate, "at", in.At)
	}
	return ds, errs
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
