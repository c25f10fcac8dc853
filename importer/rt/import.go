package rt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"sak/mailstore"
	"sak/parse"
)

// Options tune an import.
type Options struct {
	// RTName is RT's $rtname; "" to find it in the database.
	RTName string
	// QueueMap maps RT queue names (any case) to sak queue names: an
	// existing sak queue takes the RT queue's tickets, and a new name
	// renames the queue.
	QueueMap map[string]string
	// Since imports only the tickets RT updated at or after it.
	Since time.Time
	// BatchSize is the number of tickets per SQL transaction (default 100).
	BatchSize int
	// Log gets a line per batch at most every LogEvery (default 5s).
	Log      *slog.Logger
	LogEvery time.Duration
	// Progress, when set, is called after each committed batch.
	Progress func(Progress)
	// Now is the clock for rates (default time.Now).
	Now func() time.Time
}

// Progress is how far an import is.
type Progress struct {
	Done, Total int64 // tickets
	Mails       int
	Elapsed     time.Duration
}

// Summary is what an import did. Skipped counts what did not come over,
// by reason.
type Summary struct {
	Source           string         `json:"source"`
	Offset           int64          `json:"offset"`
	FromTransaction  int64          `json:"from_transaction"`
	ToTransaction    int64          `json:"to_transaction"`
	Queues           int            `json:"queues"`
	QueuesExisting   int            `json:"queues_existing"`
	Users            int            `json:"users"`
	Groups           int            `json:"groups"`
	Roles            int            `json:"roles"`
	Tickets          int            `json:"tickets"`
	TicketsUpdated   int            `json:"tickets_updated"`
	Transactions     int            `json:"transactions"`
	Mails            int            `json:"mails"`
	Attachments      int            `json:"attachments"`
	Skipped          map[string]int `json:"skipped"`
	Notes            []string       `json:"notes"`
	Seconds          float64        `json:"seconds"`
	TicketsPerSecond float64        `json:"tickets_per_second"`
	MailsPerSecond   float64        `json:"mails_per_second"`
}

func (s *Summary) skip(reason string) { s.Skipped[reason]++ }

type importer struct {
	db      *DB
	im      *mailstore.Importer
	opts    Options
	sum     *Summary
	queues  map[int64]*mailstore.Queue // RT queue id → sak queue
	qnames  map[int64]string           // RT queue id → RT name, for any queue
	staff   map[int64]string           // RT user id → sak login
	people  map[int64]*mailstore.ImportPerson
	cfNames map[int64]string
	// mergedFrom holds, by RT ticket id, the MergedInto links that
	// target it, oldest first.
	mergedFrom map[int64][]Link
}

// Import imports the RT database into the store: queues, caseworkers and
// their rights, then the tickets with their history and mail, in batches
// of one SQL transaction each. It is resumable (an interrupted run goes on
// where it stopped) and incremental (a later run imports what RT got
// since); the progress is kept in the store's settings.
func Import(ctx context.Context, db *DB, store *mailstore.Store, opts Options) (*Summary, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.LogEvery == 0 {
		opts.LogEvery = 5 * time.Second
	}
	start := opts.Now()
	name := strings.TrimSpace(opts.RTName)
	if name == "" {
		var err error
		if name, err = db.RTName(ctx); err != nil {
			return nil, err
		}
		if name == "" {
			return nil, fmt.Errorf("cannot find RT's $rtname in the database (no ticket links, no mail RT sent): give --rtname")
		}
		opts.Log.Info("found RT's $rtname", "rtname", name)
	}
	im, err := store.NewImporter(ctx, name)
	if err != nil {
		return nil, err
	}
	x := &importer{db: db, im: im, opts: opts, sum: &Summary{Source: im.Source, Offset: im.Offset, Skipped: map[string]int{}, Notes: []string{}},
		queues: map[int64]*mailstore.Queue{}, qnames: map[int64]string{}, staff: map[int64]string{},
		people: map[int64]*mailstore.ImportPerson{}, cfNames: map[int64]string{}}
	if im.Offset != 0 {
		x.note(fmt.Sprintf("the store had tickets: RT ticket N is sak ticket N+%d", im.Offset))
	}
	if err := x.importQueues(ctx); err != nil {
		return x.sum, err
	}
	if err := x.importUsers(ctx); err != nil {
		return x.sum, err
	}
	if err := x.importTickets(ctx); err != nil {
		return x.sum, err
	}
	el := opts.Now().Sub(start)
	x.sum.Seconds = el.Seconds()
	if el > 0 {
		x.sum.TicketsPerSecond = float64(x.sum.Tickets+x.sum.TicketsUpdated) / el.Seconds()
		x.sum.MailsPerSecond = float64(x.sum.Mails) / el.Seconds()
	}
	return x.sum, nil
}

func (x *importer) note(s string) {
	x.sum.Notes = append(x.sum.Notes, s)
	x.opts.Log.Info(s)
}

var nameRE = regexp.MustCompile(`[^a-z0-9._-]+`)

// sakName makes a valid sak queue name or login of an RT name.
func sakName(s string) string {
	n := nameRE.ReplaceAllString(strings.ToLower(strings.TrimSpace(s)), "-")
	n = strings.TrimLeft(n, "._-")
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

func (x *importer) importQueues(ctx context.Context) error {
	qs, err := x.db.Queues(ctx)
	if err != nil {
		return err
	}
	mapped := map[string]string{}
	for k, v := range x.opts.QueueMap {
		mapped[strings.ToLower(k)] = v
	}
	if err := x.im.AddSubjectTag(ctx, x.im.Source); err != nil {
		return err
	}
	for _, q := range qs {
		x.qnames[q.ID] = q.Name
		target, isMapped := mapped[strings.ToLower(q.Name)]
		if !isMapped {
			target = sakName(q.Name)
			switch {
			case q.Tickets == 0 && q.Disabled:
				x.sum.skip("queue: disabled and without tickets")
				continue
			case q.Tickets == 0 && strings.TrimSpace(q.CorrespondAddress) == "":
				x.sum.skip("queue: no address and no tickets")
				continue
			}
		}
		if target == "" {
			return fmt.Errorf("RT queue %q has no usable name: map it with --queue-map", q.Name)
		}
		addr := strings.TrimSpace(q.CorrespondAddress)
		if _, err := mailstore.CleanAddress(addr); err != nil {
			addr = target + "@" + x.im.Source + ".invalid"
			x.note(fmt.Sprintf("RT queue %s has no correspond address: sak queue %s gets %s", q.Name, target, addr))
		}
		tag := q.SubjectTag
		if x.im.Offset != 0 {
			tag = "" // RT's numbers are not sak's: the tag threads through subject_tags
		}
		sq, created, err := x.im.ImportQueue(ctx, mailstore.ImportQueue{Name: target, Address: addr, CommentAddress: q.CommentAddress,
			Tag: tag, Description: q.Description, Disabled: q.Disabled, Created: q.Created})
		if err != nil {
			hint := ""
			if errors.Is(err, mailstore.ErrInvalid) { // an address sak cannot route
				hint = "; create its sak queue with 'sak queue create' and map it with --queue-map"
			}
			return fmt.Errorf("import RT queue %s: %w%s", q.Name, err, hint)
		}
		if created {
			x.sum.Queues++
		} else {
			x.sum.QueuesExisting++
		}
		x.queues[q.ID] = sq
		if q.SubjectTag != "" {
			if err := x.im.AddSubjectTag(ctx, q.SubjectTag); err != nil {
				return err
			}
		}
	}
	return nil
}

// address is the sak address of an RT user: EmailAddress, else Name when
// it is an address, else a placeholder under RTNAME.invalid.
func (x *importer) address(u *User) string {
	for _, a := range []string{u.Email, u.Name} {
		if c, err := mailstore.CleanAddress(a); err == nil {
			return c
		}
	}
	return sakName(u.Name) + "@" + x.im.Source + ".invalid"
}

var (
	caseworkerRights = map[string]bool{"ownticket": true, "taketicket": true, "replytoticket": true}
	managerRights    = map[string]bool{"adminqueue": true, "modifyqueuewatchers": true}
)

func (x *importer) importUsers(ctx context.Context) error {
	us, err := x.db.Privileged(ctx)
	if err != nil {
		return err
	}
	rights, err := x.db.Rights(ctx)
	if err != nil {
		return err
	}
	super := map[int64]bool{}
	for _, r := range rights {
		if strings.EqualFold(r.Right, "SuperUser") && r.Queue == 0 {
			super[r.User] = true
		}
	}
	ids := map[int64]int64{} // RT user → sak user
	for _, u := range us {
		login := sakName(u.Name)
		if login == "" {
			x.sum.skip("user: no usable login")
			continue
		}
		su, what, err := x.im.ImportUser(ctx, mailstore.ImportUser{Login: login, Email: x.address(&u), Name: u.RealName,
			Sysadmin: super[u.ID], Disabled: u.Disabled, Created: u.Created})
		if mailstore.IsRefusal(err) {
			x.sum.skip("user: " + err.Error())
			continue
		}
		if err != nil {
			return fmt.Errorf("import RT user %s: %w", u.Name, err)
		}
		switch what {
		case "renamed":
			x.note(fmt.Sprintf("RT user %s is sak user %s: the login was taken", u.Name, su.Login))
			x.sum.Users++
		case "created", "login added":
			x.sum.Users++
		}
		x.staff[u.ID] = su.Login
		ids[u.ID] = su.ID
	}
	groups, err := x.importGroups(ctx, ids)
	if err != nil {
		return err
	}
	grant := func(rtQueue, rtPrincipal int64, group bool, role string) error {
		id, ok := ids[rtPrincipal]
		if group {
			id, ok = groups[rtPrincipal]
		}
		if !ok {
			return nil
		}
		var qs []*mailstore.Queue
		if rtQueue == 0 {
			for _, q := range x.queues {
				qs = append(qs, q)
			}
		} else if q := x.queues[rtQueue]; q != nil {
			qs = append(qs, q)
		}
		for _, q := range qs {
			add := x.im.Grant
			if group {
				add = x.im.GrantGroup
			}
			added, err := add(ctx, q.ID, id, role)
			if err != nil {
				return err
			}
			if added {
				x.sum.Roles++
			}
		}
		return nil
	}
	groupRights, err := x.db.GroupRights(ctx)
	if err != nil {
		return err
	}
	for i, rs := range [][]Right{rights, groupRights} {
		for _, r := range rs {
			right := strings.ToLower(r.Right)
			switch {
			case caseworkerRights[right]:
				err = grant(r.Queue, r.User, i == 1, mailstore.RoleCaseworker)
			case managerRights[right]:
				err = grant(r.Queue, r.User, i == 1, mailstore.RoleManager)
			}
			if err != nil {
				return err
			}
		}
	}
	ws, err := x.db.QueueWatchers(ctx)
	if err != nil {
		return err
	}
	for _, w := range ws {
		if _, ok := ids[w.Principal]; !ok && !w.Group {
			x.sum.skip("queue AdminCc: not a privileged user")
			continue
		}
		if err := grant(w.Queue, w.Principal, w.Group, mailstore.RoleWatcher); err != nil {
			return err
		}
	}
	return nil
}

// importGroups makes RT's user-defined groups (teams) sak groups of the
// imported users in them, and answers RT group → sak group.
func (x *importer) importGroups(ctx context.Context, users map[int64]int64) (map[int64]int64, error) {
	gs, err := x.db.Groups(ctx)
	if err != nil {
		return nil, err
	}
	ids := map[int64]int64{}
	for _, g := range gs {
		name := sakName(g.Name)
		if g.Disabled || name == "" {
			x.sum.skip("group: disabled in RT, or no usable name")
			continue
		}
		id, made, err := x.im.ImportGroup(ctx, name, g.Description)
		if err != nil {
			return nil, fmt.Errorf("import RT group %s: %w", g.Name, err)
		}
		if made {
			x.sum.Groups++
		}
		if made && !strings.EqualFold(name, g.Name) {
			x.note(fmt.Sprintf("RT group %q is sak group %s", g.Name, name))
		}
		ids[g.ID] = id
		for _, m := range g.Members {
			if uid, ok := users[m]; ok {
				if err := x.im.AddGroupMember(ctx, id, uid); err != nil {
					return nil, err
				}
			}
		}
	}
	return ids, nil
}

// person is the sak person of an RT user; nil for RT_System, Nobody and
// unknown users.
func (x *importer) person(ctx context.Context, id int64) (*mailstore.ImportPerson, error) {
	if id == 0 || id == rtSystem || id == nobody {
		return nil, nil
	}
	if p, ok := x.people[id]; ok {
		return p, nil
	}
	u, err := x.db.User(ctx, id)
	if err != nil {
		return nil, err
	}
	var p *mailstore.ImportPerson
	if u != nil {
		p = &mailstore.ImportPerson{Email: x.address(u), Name: u.RealName}
	}
	if len(x.people) > 100_000 { // bounded memory
		x.people = map[int64]*mailstore.ImportPerson{}
	}
	x.people[id] = p
	return p, nil
}

// who is how a transaction names an RT user: the sak login, else the
// address; "" for Nobody.
func (x *importer) who(ctx context.Context, v string) (string, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return v, nil
	}
	if l, ok := x.staff[id]; ok {
		return l, nil
	}
	p, err := x.person(ctx, id)
	if err != nil || p == nil {
		return "", err
	}
	return p.Email, nil
}

func (x *importer) queueName(v string) string {
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return v
	}
	if q := x.queues[id]; q != nil {
		return q.Name
	}
	if n, ok := x.qnames[id]; ok {
		return n
	}
	return v
}

func (x *importer) uri(id int64) string {
	return "fsck.com-rt://" + x.im.Source + "/ticket/" + strconv.FormatInt(id, 10)
}

// local is the RT ticket a URI names in this RT, or 0.
func (x *importer) local(uri string) int64 {
	m := uriRE.FindStringSubmatch(strings.TrimSpace(uri))
	if m == nil || !strings.EqualFold(m[1], x.im.Source) {
		return 0
	}
	n, _ := strconv.ParseInt(m[2], 10, 64)
	return n
}

// linkTarget is a URI as sak records it: the sak ticket id when local.
func (x *importer) linkTarget(uri string) string {
	if n := x.local(uri); n != 0 {
		return strconv.FormatInt(n+x.im.Offset, 10)
	}
	return uri
}

var statuses = map[string]string{
	"new": mailstore.StatusNew, "open": mailstore.StatusOpen, "stalled": mailstore.StatusStalled,
	"resolved": mailstore.StatusResolved, "rejected": mailstore.StatusRejected, "deleted": mailstore.StatusDeleted,
}

func (x *importer) status(s string) string {
	if st, ok := statuses[strings.ToLower(s)]; ok {
		return st
	}
	x.sum.skip(fmt.Sprintf("status %q of a custom lifecycle: read as open", s))
	return mailstore.StatusOpen
}

// run is the state of a run, kept in the settings: transactions in
// (From, To] are imported, tickets up to After are done.
type run struct{ From, To, After int64 }

func (r run) String() string { return fmt.Sprintf("%d %d %d", r.From, r.To, r.After) }

func parseRun(s string) (run, error) {
	var r run
	_, err := fmt.Sscanf(s, "%d %d %d", &r.From, &r.To, &r.After)
	return r, err
}

func (x *importer) importTickets(ctx context.Context) error {
	var r run
	v, resumed, err := x.im.Setting(ctx, "run")
	if err != nil {
		return err
	}
	if resumed {
		if r, err = parseRun(v); err != nil {
			return fmt.Errorf("bad import progress %q: %w", v, err)
		}
		x.note(fmt.Sprintf("resuming an interrupted import after RT ticket %d", r.After))
	} else {
		done, _, err := x.im.Setting(ctx, "done")
		if err != nil {
			return err
		}
		r.From, _ = strconv.ParseInt(done, 10, 64)
		if r.To, err = x.db.MaxTransaction(ctx); err != nil {
			return err
		}
		if r.To <= r.From {
			x.sum.FromTransaction, x.sum.ToTransaction = r.From, r.From
			x.opts.Log.Info("nothing new in RT", "transaction", r.From)
			return nil
		}
		if err := x.im.SetSetting(ctx, "run", r.String()); err != nil {
			return err
		}
	}
	x.sum.FromTransaction, x.sum.ToTransaction = r.From, r.To
	mergeLinks, err := x.db.MergeLinks(ctx)
	if err != nil {
		return err
	}
	x.mergedFrom = map[int64][]Link{}
	for _, l := range mergeLinks {
		if n := x.local(l.Target); n != 0 {
			x.mergedFrom[n] = append(x.mergedFrom[n], l)
		}
	}
	f := TicketFilter{After: r.After, TxnAfter: r.From, TxnUpTo: r.To, Since: x.opts.Since}
	total, err := x.db.CountTickets(ctx, f)
	if err != nil {
		return err
	}
	x.opts.Log.Info("importing tickets", "tickets", total, "from_transaction", r.From, "to_transaction", r.To)
	start := x.opts.Now()
	lastLog := start
	var done int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		ts, err := x.db.Tickets(ctx, f, x.opts.BatchSize)
		if err != nil {
			return err
		}
		if len(ts) == 0 {
			break
		}
		batch := make([]*mailstore.ImportTicket, 0, len(ts))
		for i := range ts {
			it, err := x.ticket(ctx, &ts[i], r.To)
			if err != nil {
				return err
			}
			if it != nil {
				batch = append(batch, it)
			}
		}
		f.After = ts[len(ts)-1].ID
		r.After = f.After
		res, err := x.im.ImportTickets(ctx, batch, "run", r.String())
		if err != nil {
			return err
		}
		x.sum.Tickets += res.Tickets
		x.sum.TicketsUpdated += res.Updated
		x.sum.Transactions += res.Transactions
		x.sum.Mails += res.Mails
		x.sum.Attachments += res.Attachments
		if res.DuplicateMails > 0 {
			x.sum.Skipped["mail: stored already (same Message-ID and content)"] += res.DuplicateMails
		}
		done += int64(len(ts))
		now := x.opts.Now()
		p := Progress{Done: done, Total: total, Mails: x.sum.Mails, Elapsed: now.Sub(start)}
		if x.opts.Progress != nil {
			x.opts.Progress(p)
		}
		if now.Sub(lastLog) >= x.opts.LogEvery {
			lastLog = now
			x.logProgress(p)
		}
	}
	merges, err := x.db.Merges(ctx)
	if err != nil {
		return err
	}
	m := map[int64]int64{}
	for id, into := range merges {
		m[id+x.im.Offset] = into + x.im.Offset
	}
	if err := x.im.SetMerges(ctx, m); err != nil {
		return err
	}
	if err := x.im.SetSetting(ctx, "done", strconv.FormatInt(r.To, 10)); err != nil {
		return err
	}
	if err := x.im.SetSetting(ctx, "run", ""); err != nil {
		return err
	}
	x.logProgress(Progress{Done: done, Total: total, Mails: x.sum.Mails, Elapsed: x.opts.Now().Sub(start)})
	return nil
}

func (x *importer) logProgress(p Progress) {
	secs := p.Elapsed.Seconds()
	args := []any{"tickets", p.Done, "of", p.Total, "mails", p.Mails}
	if secs > 0 {
		rate := float64(p.Done) / secs
		args = append(args, "tickets_per_second", fmt.Sprintf("%.1f", rate))
		if rate > 0 && p.Total > p.Done {
			args = append(args, "eta", (time.Duration(float64(p.Total-p.Done)/rate) * time.Second).Round(time.Second).String())
		}
	}
	x.opts.Log.Info("import progress", args...)
}

// ticket converts an RT ticket and its transactions not imported yet.
func (x *importer) ticket(ctx context.Context, t *Ticket, upTo int64) (*mailstore.ImportTicket, error) {
	q := x.queues[t.Queue]
	if q == nil {
		x.sum.skip("ticket: its RT queue was not imported")
		return nil, nil
	}
	last, _, err := x.im.LastTxn(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	it := &mailstore.ImportTicket{OldID: t.ID, QueueID: q.ID, Subject: t.Subject, Status: x.status(t.Status), Priority: t.Priority,
		Due: t.Due, Resolved: t.Resolved, Created: t.Created, Updated: t.LastUpdated, TimeWorked: t.TimeWorked,
		TimeEstimated: t.TimeEstimated, LastTxn: upTo}
	if it.Subject == "" {
		it.Subject = "(no subject)"
	}
	if it.Created.IsZero() {
		it.Created = time.Unix(0, 0).UTC()
	}
	if it.Updated.Before(it.Created) {
		it.Updated = it.Created
	}
	if t.EffectiveID != t.ID {
		it.MergedInto = t.EffectiveID + x.im.Offset
	}
	if it.Owner, err = x.person(ctx, t.Owner); err != nil {
		return nil, err
	}
	ws, err := x.db.Watchers(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		p := mailstore.ImportPerson{Email: x.address(&w.User), Name: w.User.RealName}
		switch w.Role {
		case "Requestor":
			it.Requestors = append(it.Requestors, p)
		case "Cc":
			it.Ccs = append(it.Ccs, p)
		default:
			x.sum.skip("ticket AdminCc: sak has no such role (kept in the history)")
		}
	}
	links, err := x.db.Links(ctx, x.uri(t.ID))
	if err != nil {
		return nil, err
	}
	mergedFrom := x.mergedFrom[t.ID]
	for _, l := range links {
		switch {
		case l.Type == "MergedInto":
			// The merge itself, recorded by MergedInto.
		case x.local(l.Base) == t.ID:
			il := mailstore.ImportLink{Type: l.Type, Target: l.Target, Created: l.Created}
			if n := x.local(l.Target); n != 0 {
				il.TargetID = n + x.im.Offset
			}
			it.Links = append(it.Links, il)
		}
	}
	xs, err := x.db.Transactions(ctx, t.ID, last, upTo)
	if err != nil {
		return nil, err
	}
	for i := range xs {
		tx, err := x.txn(ctx, t, &xs[i], mergedFrom)
		if err != nil {
			return nil, fmt.Errorf("RT transaction %d of ticket %d: %w", xs[i].ID, t.ID, err)
		}
		if tx != nil {
			it.Txns = append(it.Txns, *tx)
		}
	}
	return it, nil
}

// txn converts one RT transaction; nil for one that is skipped.
func (x *importer) txn(ctx context.Context, t *Ticket, rx *Transaction, mergedFrom []Link) (*mailstore.ImportTxn, error) {
	actor, err := x.person(ctx, rx.Creator)
	if err != nil {
		return nil, err
	}
	it := &mailstore.ImportTxn{OldID: rx.ID, Actor: actor, Created: rx.Created, TimeTaken: rx.TimeTaken}
	if it.Created.IsZero() {
		it.Created = t.Created
	}
	typ, field := rx.Type, rx.Field
	if typ == "Set" && field == "Status" {
		typ = "Status"
	}
	switch typ {
	case "Create":
		it.Type = mailstore.TxCreate
	case "Correspond":
		it.Type = mailstore.TxCorrespond
	case "Comment":
		it.Type = mailstore.TxComment
	case "EmailRecord", "CommentEmailRecord", "Forward Transaction", "Forward Ticket":
		it.Type = mailstore.TxSent
		if typ != "EmailRecord" {
			it.Note = strings.ToLower(strings.TrimSuffix(typ, "EmailRecord"))
		}
	case "Status":
		it.Type, it.Old, it.New = mailstore.TxStatus, strings.ToLower(rx.OldValue), strings.ToLower(rx.NewValue)
	case "Take", "Untake", "Steal", "Give", "Force":
		field = "Owner"
		fallthrough
	case "Set":
		switch field {
		case "Owner":
			if err := x.owner(ctx, rx, it); err != nil {
				return nil, err
			}
		case "Queue":
			it.Type, it.Old, it.New = mailstore.TxMove, x.queueName(rx.OldValue), x.queueName(rx.NewValue)
		default:
			it.Type, it.Old, it.New = mailstore.TxSetPrefix+strings.ToLower(field), rx.OldValue, rx.NewValue
			if field == "Due" || field == "Starts" || field == "Started" || field == "Told" || field == "Resolved" {
				it.Old, it.New = rtDate(rx.OldValue), rtDate(rx.NewValue)
			}
		}
	case "SetWatcher":
		if field == "Owner" {
			x.sum.skip("transaction SetWatcher Owner: the twin of a Set Owner")
			return nil, nil
		}
		it.Type, it.Old, it.New, it.Note = mailstore.TxOtherPrefix+"setwatcher", rx.OldValue, rx.NewValue, field
	case "AddWatcher", "DelWatcher":
		v := rx.NewValue
		if typ == "DelWatcher" {
			v = rx.OldValue
		}
		who, err := x.who(ctx, v)
		if err != nil {
			return nil, err
		}
		switch {
		case typ == "DelWatcher":
			it.Type, it.Old, it.Note = mailstore.TxDelWatcher, who, strings.ToLower(field)
		case field == "Requestor":
			it.Type, it.New = mailstore.TxAddRequest, who
		case field == "Cc":
			it.Type, it.New = mailstore.TxAddCc, who
		case field == "AdminCc":
			it.Type, it.New = mailstore.TxAddAdminCc, who
		default:
			it.Type, it.New, it.Note = mailstore.TxOtherPrefix+"addwatcher", who, field
		}
	case "AddLink", "DeleteLink":
		target := rx.NewValue
		if typ == "DeleteLink" {
			target = rx.OldValue
		}
		switch {
		case field == "MergedInto" && typ == "AddLink" && t.EffectiveID != t.ID && x.local(target) != t.ID:
			it.Type, it.New = mailstore.TxMerge, x.linkTarget(target)
		case field == "MergedInto" && typ == "AddLink":
			// On the surviving ticket RT records its own URI: the
			// merged ticket is the Base of the MergedInto link made then.
			it.Type = mailstore.TxMergedFrom
			for _, l := range mergedFrom {
				if it.New == "" || l.Created.Equal(rx.Created) {
					it.New = x.linkTarget(l.Base)
				}
			}
		case typ == "AddLink":
			it.Type, it.Old, it.New = mailstore.TxLink, field, x.linkTarget(target)
		default:
			it.Type, it.Old, it.New = mailstore.TxUnlink, field, x.linkTarget(target)
		}
	case "CustomField":
		id, _ := strconv.ParseInt(field, 10, 64)
		name, ok := x.cfNames[id]
		if !ok {
			if name, err = x.db.CustomFieldName(ctx, id); err != nil {
				return nil, err
			}
			x.cfNames[id] = name
		}
		it.Type, it.Note = mailstore.TxCustomField, name
		it.Old, it.New = rx.OldValue, rx.NewValue
		if rx.OldReference != 0 {
			if _, it.Old, err = x.db.CustomFieldValue(ctx, rx.OldReference); err != nil {
				return nil, err
			}
		}
		if rx.NewReference != 0 {
			if _, it.New, err = x.db.CustomFieldValue(ctx, rx.NewReference); err != nil {
				return nil, err
			}
		}
	default:
		it.Type, it.Old, it.New, it.Note = mailstore.TxOtherPrefix+strings.ToLower(strings.ReplaceAll(typ, " ", "-")), rx.OldValue, rx.NewValue, field
	}
	if len(rx.Parts) > 0 {
		m, err := x.mail(rx, actor, it.Type == mailstore.TxSent)
		if err != nil {
			x.sum.skip("mail: " + err.Error())
		} else {
			it.Mail = m
		}
	}
	return it, nil
}

// owner classifies an RT 5 owner change (Set Owner), as RT 5 writes no
// Take, Steal or Give: take when the actor takes an unowned ticket, steal
// when the actor takes it from someone, give otherwise (note "forced" when
// neither the old owner nor the new one acted).
func (x *importer) owner(ctx context.Context, rx *Transaction, it *mailstore.ImportTxn) error {
	oldID, _ := strconv.ParseInt(rx.OldValue, 10, 64)
	newID, _ := strconv.ParseInt(rx.NewValue, 10, 64)
	var err error
	if it.Old, err = x.who(ctx, rx.OldValue); err != nil {
		return err
	}
	if it.New, err = x.who(ctx, rx.NewValue); err != nil {
		return err
	}
	unowned := func(id int64) bool { return id == 0 || id == nobody }
	switch {
	case unowned(newID):
		it.Type, it.Note = mailstore.TxGive, "released"
	case rx.Creator == newID && unowned(oldID):
		it.Type = mailstore.TxTake
	case rx.Creator == newID:
		it.Type = mailstore.TxSteal
	default:
		it.Type = mailstore.TxGive
		if rx.Creator != oldID {
			it.Note = "forced"
		}
	}
	return nil
}

func rtDate(v string) string {
	t := rtTime(v)
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// mail rebuilds and parses the mail of a transaction.
func (x *importer) mail(rx *Transaction, actor *mailstore.ImportPerson, outgoing bool) (*mailstore.Mail, error) {
	raw, lost, err := Rebuild(rx.Parts)
	if err != nil {
		return nil, err
	}
	if len(lost) > 0 {
		x.sum.Skipped["attachment row: not under the root part of its transaction"] += len(lost)
	}
	msg := parse.Parse(raw)
	m := mailstore.ParsedMail(raw, msg)
	m.Outgoing = outgoing
	if m.MessageID == "" {
		m.MessageID = strings.Trim(msg.Get("RT-Message-ID"), "<> ")
	}
	if m.MessageID == "" {
		m.MessageID = strings.Trim(rx.Parts[0].MessageID, "<> ")
	}
	if m.From == "" && actor != nil {
		m.From, m.FromName = actor.Email, actor.Name
	}
	if m.Subject == "" {
		m.Subject = rx.Parts[0].Subject
	}
	if m.Date.IsZero() {
		m.Date = rx.Created
	}
	if outgoing || actor != nil {
		// RT recorded who wrote it, or that RT itself sent it: a mail.
		m.Flags = slices.DeleteFunc(m.Flags, func(f string) bool { return f == mailstore.FlagUnparseable })
	}
	return &m, nil
}

// ParseQueueMap reads "RT=SAK,RT2=SAK2".
func ParseQueueMap(specs []string) (map[string]string, error) {
	m := map[string]string{}
	for _, spec := range specs {
		for _, kv := range strings.Split(spec, ",") {
			if strings.TrimSpace(kv) == "" {
				continue
			}
			k, v, ok := strings.Cut(kv, "=")
			k, v = strings.TrimSpace(k), strings.ToLower(strings.TrimSpace(v))
			if !ok || k == "" || v == "" {
				return nil, fmt.Errorf("queue map %q: want RT=SAK", kv)
			}
			m[strings.ToLower(k)] = v
		}
	}
	return m, nil
}

// SkipReasons lists the skip reasons in order, for printing.
func (s *Summary) SkipReasons() []string {
	var rs []string
	for r := range s.Skipped {
		rs = append(rs, r)
	}
	sort.Strings(rs)
	return rs
}
