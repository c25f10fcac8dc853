// Package importcmd holds 'sak import': bringing existing mail archives
// (mbox files, maildir directories) into a queue through the same parsing
// and threading as live mail, quietly and at the mails' own dates.
package importcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/cli/rtimport"
	"sak/importer/archive"
	"sak/mailstore"
	"sak/smtpd"
)

// NewCmdImport is the 'sak import' group: mbox, maildir and rt.
func NewCmdImport(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import <command>",
		Short: "Import mail archives, or a Request Tracker database",
		Long: `Import existing mail into a queue. Each message goes through the same parsing
and threading as live mail (subject tags, References), is recorded at its own
Date, and sends nothing: no auto-replies, no notifications.

Imports are resumable and idempotent: a mail stored already (the same
Message-ID and bytes) is counted as a duplicate and skipped, and an
interrupted mbox import starts again where it stopped. 'sak import rt'
brings over a whole Request Tracker database, history included.`,
		Example: `  sak import mbox support-2019.mbox --queue support
  sak import maildir ~/Maildir/.opptak --queue opptak
  sak import rt --from sqlite:/var/lib/rt/rt5.sqlite`,
		Args: cmdutil.GroupArgs,
		RunE: cmdutil.GroupRun,
	}
	cmd.AddCommand(NewCmdMbox(f, nil), NewCmdMaildir(f, nil), rtimport.NewCmdImportRT(f, nil))
	return cmd
}

// Archive kinds.
const (
	KindMbox    = "mbox"
	KindMaildir = "maildir"
)

// Options are the flags the importers share.
type Options struct {
	Factory          *cmdutil.Factory
	Kind             string // KindMbox or KindMaildir
	Paths            []string
	Queue            string
	ResolveOlderThan string
	SpamCheck        bool
	MaxSize          string
	Variant          string // mbox only
	Restart          bool   // mbox only: ignore the saved position
	ProgressInterval time.Duration

	// Hook, when set, is called after each message with the number read
	// so far; tests cancel the import's context from it.
	Hook func(read int)
	// Clock times the run for rates and progress; nil is time.Now.
	Clock func() time.Time
	// Bar forces the progress bar on or off; nil shows it when stderr is
	// a terminal.
	Bar *bool

	resolveAfter time.Duration
	maxSize      int64
	variant      archive.Variant
}

// addFlags registers the shared flags.
func (o *Options) addFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&o.Queue, "queue", "", "the `QUEUE` to import into (required)")
	fl.StringVar(&o.ResolveOlderThan, "resolve-older-than", "30d", "resolve imported tickets whose newest mail is older than this `DURATION` (as 30d, 720h, 2w; 0 resolves none)")
	fl.BoolVar(&o.SpamCheck, "spam-check", false, "quarantine mail marked as spam, as live delivery does (default: import it all)")
	fl.StringVar(&o.MaxSize, "max-size", "64M", "largest message imported; larger ones are counted and skipped")
	fl.DurationVar(&o.ProgressInterval, "progress-interval", 10*time.Second, "when stderr is not a terminal, log progress this often")
	_ = cmd.MarkFlagRequired("queue")
}

// check validates the flags.
func (o *Options) check(args []string) error {
	if len(args) == 0 {
		return cmdutil.FlagErrorf("give at least one %s to import", strings.ToUpper(o.Kind))
	}
	o.Paths = args
	switch s := strings.TrimSpace(o.ResolveOlderThan); s {
	case "0", "":
		o.resolveAfter = 0
	default:
		d, err := cmdutil.ParseDuration(s)
		if err != nil {
			return cmdutil.FlagErrorf("--resolve-older-than: %v", err)
		}
		o.resolveAfter = d
	}
	n, err := cmdutil.ParseSize(o.MaxSize)
	if err != nil {
		return cmdutil.FlagErrorf("--max-size: %v", err)
	}
	o.maxSize = n
	if o.Kind == KindMbox {
		v, err := archive.ParseVariant(o.Variant)
		if err != nil {
			return cmdutil.FlagErrorf("--variant: %v", err)
		}
		o.variant = v
	}
	return nil
}

// Summary is what an import did. -o json prints it as is.
type Summary struct {
	Files        int            `json:"files"`
	Bytes        int64          `json:"bytes"`         // archive bytes this run read
	ResumedBytes int64          `json:"resumed_bytes"` // bytes skipped as imported by an earlier run
	Read         int            `json:"messages_read"`
	Created      int            `json:"tickets_created"`
	Threaded     int            `json:"replies_threaded"`
	Duplicates   int            `json:"duplicates_skipped"`
	Unparseable  int            `json:"unparseable_kept"`
	Quarantined  int            `json:"quarantined"`
	Skipped      map[string]int `json:"skipped"` // by reason: empty, too large, unreadable
	Errors       int            `json:"errors"`
	Resolved     int            `json:"tickets_resolved"`
	Interrupted  bool           `json:"interrupted"`
	Seconds      float64        `json:"seconds"`
	Rate         float64        `json:"messages_per_second"`
}

// Skip reasons.
const (
	skipEmpty      = "empty"
	skipTooLarge   = "too large"
	skipUnreadable = "unreadable"
)

// maxFailures in a row end an import: the store is down, not one mail bad.
const maxFailures = 10

// checkpointEvery is how often an mbox import saves its position.
const (
	checkpointEvery    = 500
	checkpointInterval = 5 * time.Second
)

// source is an archive being read.
type source interface {
	Next() (*archive.Message, error)
}

// unit is one archive to import: an mbox file or a maildir.
type unit struct {
	path string
	size int64
	key  string // checkpoint key; "" for none
	// open starts reading at offset.
	open func(offset int64) (source, io.Closer, error)
}

// importer runs one 'sak import'.
type importer struct {
	opts  *Options
	ctx   context.Context
	store *mailstore.Store
	d     *smtpd.Deliverer
	route mailstore.Route
	sum   Summary
	prog  *progress
	fails int // failures in a row
	clock func() time.Time
}

// Run imports the archives opts names and prints the summary.
func Run(ctx context.Context, opts *Options) error {
	f := opts.Factory
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	if err := store.RequireSysadmin(ctx, f.As, "import mail"); err != nil {
		return err
	}
	q, err := store.Queue(ctx, opts.Queue)
	if err != nil {
		return err
	}
	var us []unit
	switch opts.Kind {
	case KindMbox:
		us, err = mboxUnits(opts)
	case KindMaildir:
		us, err = maildirUnits(opts)
	default:
		err = fmt.Errorf("unknown archive kind %q", opts.Kind)
	}
	if err != nil {
		return err
	}
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	im := &importer{
		opts:  opts,
		ctx:   ctx,
		store: store,
		d:     &smtpd.Deliverer{Store: store},
		route: mailstore.Route{Queue: q},
		sum:   Summary{Skipped: map[string]int{}},
		clock: clock,
	}
	var total int64
	for _, u := range us {
		total += u.size
	}
	im.prog = newProgress(f.IOStreams.ErrOut, opts.Bar, total, opts.ProgressInterval, clock)
	start := clock()
	var runErr error
	for _, u := range us {
		if runErr = im.importUnit(u); runErr != nil {
			break
		}
		im.sum.Files++
	}
	im.prog.finish(&im.sum)
	if runErr == nil && ctx.Err() == nil && opts.resolveAfter > 0 {
		n, err := store.ResolveImported(ctx, q.Name, f.Clock()().Add(-opts.resolveAfter))
		im.sum.Resolved = n
		if err != nil && ctx.Err() == nil {
			runErr = fmt.Errorf("resolve imported tickets: %w", err)
		}
	}
	if ctx.Err() != nil {
		im.sum.Interrupted = true
	}
	im.sum.Seconds = clock().Sub(start).Seconds()
	if im.sum.Seconds > 0 {
		im.sum.Rate = float64(im.sum.Read) / im.sum.Seconds
	}
	if err := im.print(); err != nil {
		return err
	}
	switch {
	case im.sum.Interrupted:
		return fmt.Errorf("import interrupted after %d messages; run it again to continue: %w", im.sum.Read, ctx.Err())
	case runErr != nil:
		return runErr
	case im.sum.Errors > 0:
		return fmt.Errorf("%d messages could not be imported (see above); run the import again to retry them", im.sum.Errors)
	}
	return nil
}

// importUnit imports one archive, from its checkpoint on.
func (im *importer) importUnit(u unit) error {
	var start int64
	if u.key != "" && !im.opts.Restart {
		off, err := im.store.ImportCheckpoint(im.ctx, u.key)
		if err != nil {
			return err
		}
		if off > 0 && off <= u.size {
			start = off
			im.sum.ResumedBytes += off
			im.prog.skip(off)
			im.prog.log("%s: resuming at byte %d of %d (imported by an earlier run)", u.path, off, u.size)
		}
	}
	src, closer, err := u.open(start)
	if err != nil {
		return err
	}
	defer closer.Close()
	var (
		safe     = start // every message before this offset is stored
		failed   bool
		pos      = start
		sinceCP  int
		lastSave = im.clock()
		batch    []*entry
		size     int
	)
	save := func(ctx context.Context) error {
		if u.key == "" || safe == start && !failed {
			return nil
		}
		return im.store.SetImportCheckpoint(ctx, u.key, safe)
	}
	// stop ends the import with err (interrupted, given up, unreadable),
	// keeping the position for the next run.
	stop := func(err error) error {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(im.ctx), 10*time.Second)
		defer cancel()
		save(ctx)
		return err
	}
	// flush delivers the batch and then accounts for its mails in the
	// archive's order.
	flush := func() error {
		im.deliver(batch)
		for _, e := range batch {
			ok, err := im.account(e)
			if err != nil {
				return err
			}
			if !ok {
				failed = true // the next run must read this mail again
			}
			if !failed {
				safe = e.msg.End
			}
			im.prog.update(e.msg.End-pos, &im.sum)
			pos = e.msg.End
			if im.opts.Hook != nil {
				im.opts.Hook(im.sum.Read)
			}
			if sinceCP++; u.key != "" && (sinceCP >= checkpointEvery || im.clock().Sub(lastSave) >= checkpointInterval) {
				if err := save(im.ctx); err != nil && im.ctx.Err() == nil {
					return err
				}
				sinceCP, lastSave = 0, im.clock()
			}
		}
		batch, size = batch[:0], 0
		return nil
	}
	for {
		msg, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			// What was read before is stored first; the next run starts
			// at the mail that could not be read.
			if ferr := flush(); ferr != nil {
				return stop(ferr)
			}
			return stop(fmt.Errorf("read %s at byte %d: %w", u.path, pos, err))
		}
		batch = append(batch, im.entry(u, msg))
		if size += len(msg.Raw); len(batch) >= batchMails || size >= batchBytes {
			if err := flush(); err != nil {
				return stop(err)
			}
		}
	}
	if err := flush(); err != nil {
		return stop(err)
	}
	im.sum.Bytes += pos - start
	if u.key == "" {
		return nil
	}
	if failed {
		return save(im.ctx)
	}
	// All stored: forget the position, so that a run over the same file
	// reads it all again and finds only duplicates.
	return im.store.SetImportCheckpoint(im.ctx, u.key, 0)
}

// A batch of at most batchMails mails, or of batchBytes once it holds that
// much, is delivered in one transaction: a commit per mail (an fsync, and
// on SQLite a segment of the search index) made an import three times
// slower.
const (
	batchMails = 64
	batchBytes = 8 << 20
)

// entry is one message of an archive on its way through a batch.
type entry struct {
	msg   *archive.Message
	where string
	skip  string // a reason it is not delivered
	env   *smtpd.Envelope
	res   *mailstore.Delivery
	err   error
}

// entry prepares msg for delivery, or says why it is skipped.
func (im *importer) entry(u unit, msg *archive.Message) *entry {
	e := &entry{msg: msg, where: fmt.Sprintf("%s at byte %d", u.path, msg.Offset)}
	if msg.Path != "" {
		e.where = msg.Path
	}
	switch {
	case errors.Is(msg.Err, archive.ErrTooLarge):
		e.skip = skipTooLarge
	case msg.Err != nil:
		e.skip = skipUnreadable
	case len(msg.Raw) == 0:
		e.skip = skipEmpty
	default:
		e.env = &smtpd.Envelope{Routes: []mailstore.Route{im.route}}
		if strings.Contains(msg.Sender, "@") || strings.EqualFold(msg.Sender, "MAILER-DAEMON") {
			e.env.MailFrom = msg.Sender
		}
	}
	return e
}

// deliver imports the batch's deliverable mails in one transaction.
func (im *importer) deliver(batch []*entry) {
	var mails []smtpd.Archived
	var to []*entry
	for _, e := range batch {
		if e.skip == "" {
			mails = append(mails, smtpd.Archived{Env: e.env, Raw: e.msg.Raw, Opt: smtpd.ImportOptions{Date: e.msg.Date, Now: im.opts.Factory.Now(), SpamCheck: im.opts.SpamCheck}})
			to = append(to, e)
		}
	}
	if len(mails) == 0 {
		return
	}
	ds, errs := im.d.ImportBatch(im.ctx, mails)
	for i, e := range to {
		e.res, e.err = ds[i], errs[i]
	}
}

// account counts one message of a delivered batch. It returns false for a
// mail that failed and should be retried by another run, and an error when
// the import must stop: interrupted, or too many failures in a row. Once
// interrupted, the rest of the batch is left to the next run, which finds
// what of it was stored as duplicates.
func (im *importer) account(e *entry) (bool, error) {
	if err := im.ctx.Err(); err != nil {
		return false, err // not counted: the next run reads it again
	}
	im.sum.Read++
	switch e.skip {
	case skipTooLarge:
		im.sum.Skipped[skipTooLarge]++
		im.prog.log("%s: skipped: %s bytes, larger than --max-size %s", e.where, strconv.FormatInt(e.msg.Size, 10), im.opts.MaxSize)
		return true, nil
	case skipUnreadable:
		im.sum.Skipped[skipUnreadable]++
		im.prog.log("%s: skipped: %v", e.where, e.msg.Err)
		return true, nil
	case skipEmpty:
		im.sum.Skipped[skipEmpty]++
		return true, nil
	}
	res, err := e.res, e.err
	switch {
	case errors.Is(err, smtpd.ErrUnusable):
		im.sum.Skipped[skipEmpty]++
	case err != nil:
		im.sum.Errors++
		im.prog.log("%s: not imported: %v", e.where, err)
		if im.fails++; im.fails >= maxFailures {
			return false, fmt.Errorf("giving up after %d failures in a row: %w", im.fails, err)
		}
		return false, nil
	case res.Kind == "quarantine":
		im.sum.Quarantined++
	case res.Duplicate:
		im.sum.Duplicates++
	case res.Created:
		im.sum.Created++
	default:
		im.sum.Threaded++
	}
	if err == nil {
		im.fails = 0
		if res != nil && !res.Duplicate {
			for _, fl := range res.Flags {
				if fl == mailstore.FlagUnparseable {
					im.sum.Unparseable++
				}
			}
		}
	}
	return true, nil
}

// print writes the summary: a table, or with -o json one document.
func (im *importer) print() error {
	f := im.opts.Factory
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, im.sum)
	}
	s := im.sum
	w := f.IOStreams.Out
	took := time.Duration(s.Seconds * float64(time.Second)).Round(time.Millisecond)
	what := "mbox file"
	if im.opts.Kind == KindMaildir {
		what = "maildir"
	}
	if s.Interrupted {
		fmt.Fprintf(w, "Import into %s interrupted: %d messages in %s", im.opts.Queue, s.Read, took)
	} else {
		fmt.Fprintf(w, "Imported %s into %s: %d messages in %s", plural(s.Files, what), im.opts.Queue, s.Read, took)
	}
	if s.Rate > 0 {
		fmt.Fprintf(w, " (%.0f messages/s)", s.Rate)
	}
	fmt.Fprintln(w)
	var skipped []string
	reasons := make([]string, 0, len(s.Skipped))
	for r := range s.Skipped {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	n := 0
	for _, r := range reasons {
		skipped = append(skipped, fmt.Sprintf("%s %d", r, s.Skipped[r]))
		n += s.Skipped[r]
	}
	rows := []struct {
		name string
		n    int
		note string
	}{
		{"messages read", s.Read, ""},
		{"tickets created", s.Created, ""},
		{"replies threaded", s.Threaded, ""},
		{"duplicates skipped", s.Duplicates, ""},
		{"unparseable kept", s.Unparseable, ""},
		{"quarantined", s.Quarantined, ""},
		{"skipped", n, strings.Join(skipped, ", ")},
		{"errors", s.Errors, ""},
		{"tickets resolved", s.Resolved, ""},
	}
	for _, r := range rows {
		line := fmt.Sprintf("  %-20s %8d", r.name, r.n)
		if r.note != "" {
			line += "  (" + r.note + ")"
		}
		fmt.Fprintln(w, line)
	}
	if s.ResumedBytes > 0 {
		fmt.Fprintf(w, "  resumed after %s imported by an earlier run\n", cmdutil.HumanSize(s.ResumedBytes))
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
