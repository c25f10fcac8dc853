package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// MaxSignature is the longest queue signature, in bytes.
const MaxSignature = 4000

// MaxTemplate is the longest template, in bytes.
const MaxTemplate = 64 << 10

func validLang(lang string) error {
	switch lang {
	case LangNB, LangEN, LangNBEN:
		return nil
	}
	return refuse(ErrInvalid, "language %q is not one of nb, en, nb+en", lang)
}

func validKind(kind string) error {
	for _, k := range TemplateKinds {
		if k == kind {
			return nil
		}
	}
	return refuse(ErrInvalid, "no template kind %q: use one of %s", kind, strings.Join(TemplateKinds, ", "))
}

// validClock checks a digest time: "HH:MM", 24-hour, or "" for none.
func validClock(v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse("15:04", v); err != nil || len(v) != 5 {
		return refuse(ErrInvalid, "digest time %q is not HH:MM (07:30) or off", v)
	}
	return nil
}

// QueueChange is what SetQueue changes: nil fields stay as they are.
type QueueChange struct {
	Lang           *string
	Signature      *string
	NotifyResolved *bool
	DigestDefault  *string // "HH:MM", or "" (or "off") for none
	// Address and CommentAddress are the queue's new addresses: only
	// sysadmins change them, and each stays unique.
	Address, CommentAddress *string
	// Name and Tag are the queue's new name and subject tag: only
	// sysadmins change them, and each is no other queue's, now or
	// before; the old ones keep meaning the queue (queuenames.go).
	Name, Tag *string
}

// SetQueue changes how a queue's mail is written, its addresses, its
// name and its subject tag. The queue's managers and sysadmins may; only
// sysadmins change addresses, name and tag. A refused change changes
// nothing.
func (s *Store) SetQueue(ctx context.Context, actor, queue string, c QueueChange) (*Queue, error) {
	if c.Lang != nil {
		if err := validLang(*c.Lang); err != nil {
			return nil, err
		}
	}
	if c.Signature != nil && len(*c.Signature) > MaxSignature {
		return nil, refuse(ErrInvalid, "the signature is longer than %d bytes", MaxSignature)
	}
	if c.DigestDefault != nil {
		if *c.DigestDefault == "off" {
			c.DigestDefault = new(string)
		}
		if err := validClock(*c.DigestDefault); err != nil {
			return nil, err
		}
	}
	for _, a := range []*string{c.Address, c.CommentAddress} {
		if a != nil {
			v, err := cleanQueueAddress(*a)
			if err != nil {
				return nil, err
			}
			*a = v
		}
	}
	if c.Name != nil {
		name := strings.ToLower(strings.TrimSpace(*c.Name))
		if !isName(name, false) {
			return nil, refuse(ErrInvalid, "queue name %q is not valid: use lower-case letters, digits, '.', '-' and '_'", *c.Name)
		}
		c.Name = &name
	}
	if c.Tag != nil {
		tag := strings.TrimSpace(*c.Tag)
		if !isName(tag, true) {
			return nil, refuse(ErrInvalid, "subject tag %q is not valid: use letters, digits, '.', '-' and '_'", *c.Tag)
		}
		c.Tag = &tag
	}
	var q *Queue
	var renames []QueueRename
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		renames = nil
		var err error
		if q, err = managedQueue(ctx, tx, actor, queue, "change"); err != nil {
			return err
		}
		if c.Address != nil || c.CommentAddress != nil {
			if err := q.checkAddresses(ctx, tx, actor, c); err != nil {
				return err
			}
		}
		if c.Name != nil || c.Tag != nil {
			if renames, err = q.checkRenames(ctx, tx, actor, c, s.now()); err != nil {
				return err
			}
		}
		set := func(col string, v any) error {
			if _, err := tx.ExecContext(ctx, `UPDATE queues SET `+col+` = $1 WHERE id = $2`, v, q.ID); err != nil {
				return fmt.Errorf("set %s of queue %s: %w", col, q.Name, err)
			}
			return nil
		}
		if c.Lang != nil {
			err = errors.Join(err, set("lang", *c.Lang))
		}
		if c.Signature != nil {
			err = errors.Join(err, set("signature", strings.TrimRight(strings.ReplaceAll(*c.Signature, "\r\n", "\n"), "\n")))
		}
		if c.NotifyResolved != nil {
			err = errors.Join(err, set("notify_resolved", *c.NotifyResolved))
		}
		if c.DigestDefault != nil {
			err = errors.Join(err, set("digest_default", *c.DigestDefault))
		}
		if c.Address != nil {
			err = errors.Join(err, set("address", *c.Address))
		}
		if c.CommentAddress != nil {
			err = errors.Join(err, set("comment_address", *c.CommentAddress))
		}
		for _, r := range renames { // What is the column: name or tag
			err = errors.Join(err, set(r.What, r.New), q.recordRename(ctx, tx, r))
		}
		if err != nil {
			return err
		}
		q, err = queueByID(ctx, tx, q.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, r := range renames {
		s.log.Info("queue "+r.What+" changed", "queue", q.Name, "old", r.Old, "new", r.New, "by", r.By)
	}
	return q, nil
}

// checkAddresses refuses new addresses of q unless actor is a sysadmin and
// each is no other queue's (a disabled one's included) nor a user's, and
// the two differ.
func (q *Queue) checkAddresses(ctx context.Context, tx querier, actor string, c QueueChange) error {
	if _, err := requireSysadmin(ctx, tx, actor, "change the addresses of queues"); err != nil {
		return err
	}
	addr, comment := q.Address, q.CommentAddress
	if c.Address != nil {
		addr = *c.Address
	}
	if c.CommentAddress != nil {
		comment = *c.CommentAddress
	}
	if addr == comment {
		return refuse(ErrInvalid, "the comment address must differ from the correspond address %s", addr)
	}
	for _, a := range []string{addr, comment} {
		var other string
		err := tx.QueryRowContext(ctx, `SELECT name FROM queues WHERE (address = $1 OR comment_address = $1) AND id <> $2`, a, q.ID).Scan(&other)
		if err == nil {
			return refuse(ErrConflict, "%s is an address of queue %s already", a, other)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("look up queue address %s: %w", a, err)
		}
		if u, err := userByEmail(ctx, tx, a); err == nil && u.Login != "" {
			return refuse(ErrConflict, "%s is the address of user %s", a, u.Login)
		}
	}
	return nil
}

// SwitchQueue disables a queue (on false) or enables it again. A disabled
// queue takes no mail: its addresses are refused at RCPT as no queue's,
// and it is not listed; its tickets stay as they are, and readable. Only
// sysadmins may.
func (s *Store) SwitchQueue(ctx context.Context, actor, queue string, enable bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		verb := "disable queues"
		if enable {
			verb = "enable queues"
		}
		if _, err := requireSysadmin(ctx, tx, actor, verb); err != nil {
			return err
		}
		var id int64
		var disabled bool
		err := tx.QueryRowContext(ctx, `SELECT id, disabled FROM queues WHERE `+named("$1"), strings.ToLower(queue)).Scan(&id, &disabled)
		if errors.Is(err, sql.ErrNoRows) {
			return refuse(ErrUnknownQueue, "no queue %q: see 'sak queue list'", queue)
		}
		if err != nil {
			return fmt.Errorf("look up queue %s: %w", queue, err)
		}
		if disabled == !enable {
			state := "enabled"
			if disabled {
				state = "disabled"
			}
			return refuse(ErrConflict, "queue %s is %s already", queue, state)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE queues SET disabled = $1 WHERE id = $2`, !enable, id); err != nil {
			return fmt.Errorf("switch queue %s: %w", queue, err)
		}
		return nil
	})
}

// managedQueue is the queue named, when actor may change it: a manager of
// it or a sysadmin.
func managedQueue(ctx context.Context, tx querier, actor, queue, what string) (*Queue, error) {
	a, err := actorUser(ctx, tx, actor)
	if err != nil {
		return nil, err
	}
	q, err := queueByName(ctx, tx, queue)
	if err != nil {
		return nil, err
	}
	if !a.Sysadmin {
		roles, err := rolesOn(ctx, tx, q.ID, a.ID)
		if err != nil {
			return nil, err
		}
		if !roles[RoleManager] {
			return nil, refuse(ErrPermission, "%s may not %s queue %s: only its managers and sysadmins may", a.Login, what, q.Name)
		}
	}
	return q, nil
}

// Template is a queue's template of a kind as it is in effect.
type Template struct {
	Queue   string `json:"queue"`
	Kind    string `json:"kind"`
	Builtin bool   `json:"builtin"`
	// Lang is the language of the built-in ("nb", "en", "nb+en"); "" for
	// the queue's own.
	Lang string `json:"lang"`
	// Text is the template; a built-in of nb+en is the Norwegian one and
	// the English one, each whole.
	Text string `json:"text"`
}

// QueueTemplate is the template of kind in effect for the queue: its own
// or the built-in in its language.
func (s *Store) QueueTemplate(ctx context.Context, queue, kind string) (*Template, error) {
	if err := validKind(kind); err != nil {
		return nil, err
	}
	q, err := queueByName(ctx, s.db, queue)
	if err != nil {
		return nil, err
	}
	own, err := s.override(ctx, s.db, q, kind)
	if err != nil {
		return nil, err
	}
	if own != "" {
		return &Template{Queue: q.Name, Kind: kind, Text: own}, nil
	}
	t := &Template{Queue: q.Name, Kind: kind, Builtin: true, Lang: q.Lang}
	for _, lang := range builtinLangs(q.Lang, kind) {
		text, err := BuiltinTemplate(lang, kind)
		if err != nil {
			return nil, err
		}
		if t.Text != "" {
			t.Text += "\n"
		}
		t.Text += text
	}
	if t.Lang == LangNBEN && !bilingual[kind] {
		t.Lang = LangNB
	}
	return t, nil
}

// builtinLangs are the languages whose built-in of kind a queue of lang
// writes, in order.
func builtinLangs(lang, kind string) []string {
	switch lang {
	case LangNB:
		return []string{LangNB}
	case LangNBEN:
		if bilingual[kind] {
			return []string{LangNB, LangEN}
		}
		return []string{LangNB}
	}
	return []string{LangEN}
}

// override is the queue's own template of kind, "" when it has none. A
// queue read from the database carries its templates' version, and what
// was read at that version is kept (Store.templates): a delivery asks for
// a template only after the queue's templates changed.
func (s *Store) override(ctx context.Context, q querier, qu *Queue, kind string) (string, error) {
	key := templateKey{qu.ID, kind}
	if qu.templates.known {
		if body, ok := s.templates.get(key, qu.templates.version); ok {
			return body, nil
		}
	}
	var body string
	err := q.QueryRowContext(ctx, `SELECT body FROM queue_templates WHERE queue_id = $1 AND kind = $2`, qu.ID, kind).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	if err != nil {
		return "", fmt.Errorf("read template %s of queue %d: %w", kind, qu.ID, err)
	}
	if qu.templates.known {
		// Read after the queue: at its version or a later one.
		s.templates.put(key, qu.templates.version, body)
	}
	return body, nil
}

// templatesVersion is a queue's templates_version as read with it.
type templatesVersion struct {
	version int64
	known   bool // read with the queue (not a queue made up in Go)
}

type templateKey struct {
	queue int64
	kind  string
}

type templateEntry struct {
	version int64
	body    string
}

// templateCache holds the queues' own templates by the version of the
// queue's templates they were read at.
type templateCache struct {
	mu sync.Mutex
	m  map[templateKey]templateEntry
}

func (c *templateCache) get(k templateKey, version int64) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	return e.body, ok && e.version == version
}

func (c *templateCache) put(k templateKey, version int64, body string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[templateKey]templateEntry{}
	}
	c.m[k] = templateEntry{version, body}
}

// SetTemplate gives the queue its own template of kind, used in place of
// the built-in in every language. It is refused, with the line and the
// reason, when it does not parse, does not begin with a Subject line, or
// fails on sample tickets (one with every field set, one with the
// optional ones empty). The queue's managers and sysadmins may.
func (s *Store) SetTemplate(ctx context.Context, actor, queue, kind, text string) error {
	if err := validKind(kind); err != nil {
		return err
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if len(text) > MaxTemplate {
		return refuse(ErrInvalid, "the template is longer than %d bytes", MaxTemplate)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := actorUser(ctx, tx, actor)
		if err != nil {
			return err
		}
		q, err := managedQueue(ctx, tx, actor, queue, "change the templates of")
		if err != nil {
			return err
		}
		if err := checkTemplate(q, kind, text); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO queue_templates (queue_id, kind, body, updated, updated_by) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (queue_id, kind) DO UPDATE SET body = excluded.body, updated = excluded.updated, updated_by = excluded.updated_by`,
			q.ID, kind, text, micros(s.now()), a.ID)
		if err != nil {
			return fmt.Errorf("set template %s of queue %s: %w", kind, q.Name, err)
		}
		return nil
	})
}

// checkTemplate parses text and runs it on the sample tickets.
func checkTemplate(q *Queue, kind, text string) error {
	lang := builtinLangs(q.Lang, kind)[0]
	t, err := parseTemplate(kind, lang, text)
	if err != nil {
		return refuse(ErrInvalid, "template %s refused: %s", kind, templateError(err))
	}
	for _, d := range []*TemplateData{sampleData(q, true), sampleData(q, false)} {
		if _, _, err := execute(t, d); err != nil {
			return refuse(ErrInvalid, "template %s refused: it fails on a sample ticket: %s", kind, templateError(err))
		}
	}
	return nil
}

// ResetTemplate removes the queue's own template of kind: the built-in
// is used again. Who may is as for SetTemplate.
func (s *Store) ResetTemplate(ctx context.Context, actor, queue, kind string) error {
	if err := validKind(kind); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		q, err := managedQueue(ctx, tx, actor, queue, "change the templates of")
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM queue_templates WHERE queue_id = $1 AND kind = $2`, q.ID, kind)
		if err != nil {
			return fmt.Errorf("reset template %s of queue %s: %w", kind, q.Name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return refuse(ErrConflict, "queue %s uses the built-in %s template already", q.Name, kind)
		}
		return nil
	})
}

// Preview is a mail as a template writes it.
type Preview struct {
	Subject string `json:"subject"`
	Lang    string `json:"lang"`
	Text    string `json:"text"`
}

// PreviewTemplate renders the queue's template of kind in effect, for a
// sample ticket or, when ticket is not 0, for that ticket with sample
// text.
func (s *Store) PreviewTemplate(ctx context.Context, queue, kind string, ticket int64) (*Preview, error) {
	if err := validKind(kind); err != nil {
		return nil, err
	}
	q, err := queueByName(ctx, s.db, queue)
	if err != nil {
		return nil, err
	}
	d := sampleData(q, true)
	if ticket != 0 {
		t, err := s.Ticket(ctx, ticket)
		if err != nil {
			return nil, err
		}
		d.Ticket = TemplateTicket{ID: t.ID, Subject: t.Subject, Status: t.Status, Owner: t.OwnerLogin()}
		d.Tag = subjectTag(q, t.ID)
		if len(t.Requestors) > 0 {
			d.Requestor = t.Requestors[0]
		}
	}
	own, err := s.override(ctx, s.db, q, kind)
	if err != nil {
		return nil, err
	}
	r := s.render(kind, q, own, d)
	subject := r.subject
	if !untagged[kind] {
		subject = strings.TrimSpace(d.Tag + " " + subject)
	}
	return &Preview{Subject: subject, Lang: r.lang, Text: r.body}, nil
}

// sampleData is a ticket to check and preview templates on: full sets
// every field a kind may have; otherwise the optional ones are empty.
func sampleData(q *Queue, full bool) *TemplateData {
	at := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	d := &TemplateData{
		Ticket:      TemplateTicket{ID: 42, Subject: "Får ikke logget inn på Canvas", Status: StatusOpen},
		Queue:       TemplateQueue{Name: q.Name, Address: q.Address, CommentAddress: q.CommentAddress},
		Tag:         subjectTag(q, 42),
		Requestor:   "kari.nordmann@example.com",
		Sender:      "kari.nordmann@example.com",
		Text:        "Hei!\n\nJeg får ikke logget inn på Canvas etter at jeg byttet passord.\n\nHilsen Kari\n",
		Signature:   q.Signature,
		New:         true,
		Command:     "[take]",
		Unknown:     []string{"[reslove]"},
		Reason:      "ticket 42 is owned by alice: steal it instead",
		MailSubject: "Re: [" + q.Tag + " #42] Får ikke logget inn på Canvas",
		User:        TemplateUser{Login: "alice", Name: "Alice Liddell", Email: "alice@example.org"},
		Reminder:    &TemplateReminder{ID: 7, By: "alice", To: "alice", Due: at, Text: "Ring Kari hvis hun ikke har svart."},
		Alert:       &TemplateAlert{Transaction: 318, Recipient: "kari.nordmann@example.com", Report: "failed kari.nordmann@example.com 5.1.1 smtp; 550 5.1.1 user unknown", Promote: "sak ticket promote 42 318"},
		Login:       &TemplateLogin{Code: "40918273", Minutes: int(LoginCodeLife / time.Minute), Client: "192.0.2.10"},
		Digest: &TemplateDigest{Date: at,
			Owned: []DigestLine{{ID: 42, Tag: subjectTag(q, 42), Subject: "Får ikke logget inn på Canvas", Queue: q.Name, Status: StatusOpen, Days: 3}},
		},
	}
	if d.Signature == "" {
		d.Signature = q.Name
	}
	if full {
		d.Digest.UnownedMore = 12
		d.Ticket.Owner = "alice"
		d.Left = []string{"skjermbilde.png (254123 bytes)"}
		d.Folded = &TemplateFolded{Count: 2, Since: "2026-11-27 09:10 UTC", Tickets: []int64{40, 41}}
		d.FoldUntil = "2026-11-27 09:40 UTC"
		d.Hint = "steal"
		d.Unknown = append(d.Unknown, "[tkae]")
		d.Quarantine = 17
		d.Digest.Due = []DigestLine{{ID: 17, Tag: subjectTag(q, 17), Subject: "Venter på ny PC", Queue: q.Name, Status: StatusStalled, Days: 12}}
		d.Digest.Unowned = []DigestLine{{ID: 43, Tag: subjectTag(q, 43), Subject: "Eksamensresultat mangler", Queue: q.Name, Status: StatusNew}}
	}
	return d
}
