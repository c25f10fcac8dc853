package mailstore

import (
	"bytes"
	"embed"
	"fmt"
	"regexp"
	"strings"
	"text/template"
	"time"
)

// Template kinds: every mail sak writes is rendered from one of these.
const (
	TmplAutoReply  = "autoreply"  // the acknowledgement of a new ticket, to its requestor
	TmplCorrespond = "correspond" // a caseworker's answer, relayed to requestors and Ccs
	TmplNotify     = "notify"     // a requestor's mail, to the owner or the watchers
	TmplComment    = "comment"    // a caseworker's comment, to the owner and watchers
	TmplRefused    = "refused"    // to a caseworker whose mail command was refused
	TmplUnverified = "unverified" // to a caseworker whose mail was kept as an unverified note
	TmplUnknown    = "unknown"    // to a caseworker whose subject held a command sak does not know
	TmplNoTicket   = "noticket"   // to a caseworker whose mail named no ticket they may work on
	TmplReminder   = "reminder"   // a due reminder, to its caseworker
	TmplResolved   = "resolved"   // the resolve notice, to the requestors
	TmplDigest     = "digest"     // a caseworker's daily digest
	TmplLogin      = "login"      // a login code for the API, to a caseworker; written by the first queue
	// Alerts to the owner, or the watchers (alert.go).
	TmplBounce         = "bounce"          // sak's mail on a ticket bounced
	TmplNonParticipant = "non-participant" // a non-participant's mail was kept as a note
)

// TemplateKinds lists the kinds in the order 'sak queue template' shows them.
var TemplateKinds = []string{TmplAutoReply, TmplCorrespond, TmplNotify, TmplComment, TmplRefused, TmplUnverified, TmplUnknown, TmplNoTicket, TmplReminder, TmplResolved, TmplDigest, TmplLogin, TmplBounce, TmplNonParticipant}

// Languages of a queue's mail.
const (
	LangNB   = "nb"    // Norwegian bokmål
	LangEN   = "en"    // English
	LangNBEN = "nb+en" // both in one mail, Norwegian first (mail to requestors)
)

// TemplateData is what a template sees. Which fields are set depends on
// the kind; README.md lists them.
type TemplateData struct {
	Ticket TemplateTicket
	Queue  TemplateQueue
	// Tag is the ticket's subject tag, "[support #42]".
	Tag string
	// Requestor is the address the mail answers or is about: the new
	// ticket's requestor (autoreply, resolved: the first requestor).
	Requestor string
	// Sender is who wrote the mail relayed or notified (an address).
	Sender string
	// Text is the text relayed (correspond, comment, notify).
	Text string
	// Left names the attachments the mail does not carry (kept on the
	// ticket), each "name (N bytes)".
	Left []string
	// Signature is the queue's signature, or its name when it has none.
	Signature string
	// New is true for the notice of a new ticket, false for a reply (notify).
	New bool
	// Folded is the new tickets of the same sender not announced one by
	// one since the last notice (notify), and FoldUntil when the next
	// ones are folded until ("" when they are not).
	Folded    *TemplateFolded
	FoldUntil string
	// Command is the refused subject command, "[take]"; Reason why it was
	// refused, or why mail was not verified (refused, unverified); Hint
	// one of "take", "steal", "queue", "user" or "".
	Command string
	Reason  string
	Hint    string
	// MailSubject is the subject of the caseworker's mail (unverified,
	// noticket), or of the non-participant's (non-participant).
	MailSubject string
	// Unknown are the subject tags that looked like commands sak does not
	// know, as written, "[reslove]" (unknown). Command is, for unknown,
	// the commands of the mail that were carried out, "[take] [stall]"
	// ("" when they were refused), and for noticket those that were not.
	Unknown []string
	// Quarantine is the number the mail is held under in quarantine
	// (noticket), 0 when it is not held.
	Quarantine int64
	// Alert is what an alert is about (bounce, non-participant).
	Alert    *TemplateAlert
	Reminder *TemplateReminder
	// User is the caseworker the mail is for (reminder, digest, login).
	User   TemplateUser
	Digest *TemplateDigest
	Login  *TemplateLogin
}

// TemplateLogin is a login code (login): the code, how many minutes it
// works, and the address of the client that asked for it.
type TemplateLogin struct {
	Code    string
	Minutes int
	Client  string
}

// TemplateTicket is the ticket a mail is about.
type TemplateTicket struct {
	ID      int64
	Subject string
	Status  string // new, open, stalled, resolved, rejected, deleted: {{status .Ticket.Status}} says it in the mail's language
	Owner   string // login, "" for nobody
}

// TemplateQueue is the ticket's queue.
type TemplateQueue struct {
	Name, Address, CommentAddress string
}

// TemplateUser is a caseworker.
type TemplateUser struct {
	Login, Name, Email string
}

// TemplateFolded counts new tickets not announced one by one.
type TemplateFolded struct {
	Count   int
	Since   string
	Tickets []int64 // at most maxListed
	More    int     // how many more there were
}

// TemplateReminder is a due reminder.
type TemplateReminder struct {
	ID   int64
	By   string // login of who set it
	To   string // login of who it is for
	Due  time.Time
	Text string
}

// TemplateDigest is what a caseworker's digest lists.
type TemplateDigest struct {
	Date    time.Time
	Owned   []DigestLine // owned, new or open, oldest waiting first
	Due     []DigestLine // stalled, with a reminder for the user that is due
	Unowned []DigestLine // new and unowned in the user's queues
	// OwnedMore, DueMore and UnownedMore count the tickets of each part
	// beyond the first 100 listed.
	OwnedMore, DueMore, UnownedMore int
}

// Count is how many tickets the digest lists.
func (d *TemplateDigest) Count() int { return len(d.Owned) + len(d.Due) + len(d.Unowned) }

// DigestLine is one ticket in a digest.
type DigestLine struct {
	ID      int64
	Tag     string
	Subject string
	Queue   string
	Status  string
	Days    int // days waiting: since the ticket last changed
}

//go:embed templates
var builtinFS embed.FS

// builtins are the built-in templates by language and kind, parsed once.
var builtins = func() map[string]map[string]*template.Template {
	m := map[string]map[string]*template.Template{}
	for _, lang := range []string{LangNB, LangEN} {
		m[lang] = map[string]*template.Template{}
		for _, kind := range TemplateKinds {
			src, err := builtinFS.ReadFile("templates/" + lang + "/" + kind + ".tmpl")
			if err != nil {
				panic(err)
			}
			m[lang][kind] = template.Must(parseTemplate(kind, lang, string(src)))
		}
	}
	return m
}()

// BuiltinTemplate is the text of the built-in template of kind in lang
// (nb or en).
func BuiltinTemplate(lang, kind string) (string, error) {
	if _, ok := builtins[LangNB][kind]; !ok {
		return "", refuse(ErrInvalid, "no template kind %q: use one of %s", kind, strings.Join(TemplateKinds, ", "))
	}
	if lang != LangNB && lang != LangEN {
		return "", refuse(ErrInvalid, "no language %q: use nb or en", lang)
	}
	src, err := builtinFS.ReadFile("templates/" + lang + "/" + kind + ".tmpl")
	return string(src), err
}

// parseTemplate parses a template's text for lang: its functions
// (funcsFor) write in that language.
func parseTemplate(kind, lang, src string) (*template.Template, error) {
	return template.New(kind).Option("missingkey=error").Funcs(funcsFor(lang)).Parse(src)
}

var (
	monthsNB = [...]string{"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"}
	daysNB   = [...]string{"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"}
	statusNB = map[string]string{StatusNew: "ny", StatusOpen: "åpen", StatusStalled: "satt på vent", StatusResolved: "løst", StatusRejected: "avvist", StatusDeleted: "slettet"}
)

// funcsFor are the functions templates call, writing in lang:
// status (a ticket status), when (a time), day (a date), days (a count of
// days waiting), indent (four spaces before each line), join.
func funcsFor(lang string) template.FuncMap {
	if lang == LangNB {
		return template.FuncMap{
			"status": func(s string) string {
				if n, ok := statusNB[s]; ok {
					return n
				}
				return s
			},
			"when": func(t time.Time) string {
				return fmt.Sprintf("%s %d. %s %d kl. %s", daysNB[t.Weekday()], t.Day(), monthsNB[t.Month()-1], t.Year(), t.Format("15:04"))
			},
			"day": func(t time.Time) string {
				return fmt.Sprintf("%s %d. %s", daysNB[t.Weekday()], t.Day(), monthsNB[t.Month()-1])
			},
			"days": func(n int) string {
				switch n {
				case 0:
					return "under en dag"
				case 1:
					return "1 dag"
				}
				return fmt.Sprintf("%d dager", n)
			},
			"indent": indentText,
			"join":   strings.Join,
		}
	}
	return template.FuncMap{
		"status": func(s string) string { return s },
		"when":   func(t time.Time) string { return t.Format("Mon, 2 Jan 2006 15:04 MST") },
		"day":    func(t time.Time) string { return t.Format("Monday 2 January") },
		"days": func(n int) string {
			switch n {
			case 0:
				return "less than a day"
			case 1:
				return "1 day"
			}
			return fmt.Sprintf("%d days", n)
		},
		"indent": indentText,
		"join":   strings.Join,
	}
}

// rendered is a mail's text as a template made it.
type rendered struct {
	subject string // without the ticket's tag
	body    string
	lang    string // Content-Language: "nb", "en" or "nb, en"
}

// untagged kinds are about no ticket: their subject has no ticket tag.
var untagged = map[string]bool{TmplDigest: true, TmplLogin: true, TmplNoTicket: true}

// bilingual kinds are written in both languages for a queue of nb+en;
// the others (to caseworkers, or a person's own words) in its first.
var bilingual = map[string]bool{TmplAutoReply: true, TmplResolved: true}

// execute runs t on d and splits the result into its Subject line and
// body.
func execute(t *template.Template, d *TemplateData) (subject, body string, err error) {
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", "", err
	}
	out := strings.ReplaceAll(b.String(), "\r\n", "\n")
	first, rest, _ := strings.Cut(out, "\n")
	subj, ok := strings.CutPrefix(first, "Subject:")
	if !ok {
		return "", "", fmt.Errorf("the first line must be 'Subject: …', not %q", first)
	}
	return strings.TrimSpace(subj), strings.TrimLeft(rest, "\n"), nil
}

// render writes the mail of kind for the queue q: its override of the
// kind (when it has one) or the built-in in its language. A template
// never stops a mail: when the override fails, the built-in is used, and
// the failure is logged (key template_fallback) and counted
// (TemplateFailures).
func (s *Store) render(kind string, q *Queue, override string, d *TemplateData) rendered {
	langs := builtinLangs(q.Lang, kind)
	if override != "" {
		langs = langs[:1]
	}
	d.Signature = q.Signature
	if d.Signature == "" {
		d.Signature = q.Name
	}
	if override != "" {
		t, err := parseTemplate(kind, langs[0], override)
		var subj, body string
		if err == nil {
			subj, body, err = execute(t, d)
		}
		if err == nil {
			return rendered{subject: subj, body: body, lang: langs[0]}
		}
		s.templateFailures.Add(1)
		s.log.Error("template failed: the built-in is used", "template_fallback", kind, "queue", q.Name, "ticket", d.Ticket.ID, "err", err)
	}
	var subjects, bodies []string
	for _, lang := range langs {
		subj, body, err := execute(builtins[lang][kind], d)
		if err != nil {
			// The built-ins are tested against every kind's data; this
			// is a bug, and the mail still goes out with its text.
			s.templateFailures.Add(1)
			s.log.Error("built-in template failed", "template_fallback", kind, "lang", lang, "err", err)
			subj, body = d.Ticket.Subject, d.Text
		}
		subjects, bodies = append(subjects, subj), append(bodies, body)
	}
	if len(langs) == 1 {
		return rendered{subject: subjects[0], body: bodies[0], lang: langs[0]}
	}
	return rendered{subject: joinSubjects(subjects[0], subjects[1]), body: strings.TrimRight(bodies[0], "\n") + "\n\n\n--- English ---\n\n" + bodies[1], lang: "nb, en"}
}

// joinSubjects makes one subject of a Norwegian and an English one:
// "Mottatt / Received: Printer" when they differ only before the first
// ": ", else the Norwegian.
func joinSubjects(nb, en string) string {
	p1, rest1, ok1 := strings.Cut(nb, ": ")
	p2, rest2, ok2 := strings.Cut(en, ": ")
	if ok1 && ok2 && rest1 == rest2 && p1 != p2 {
		return p1 + " / " + p2 + ": " + rest1
	}
	return nb
}

// TemplateFailures is how many mails were written with a built-in
// template because the queue's own failed (or, a bug, a built-in
// failed), since the store was opened.
func (s *Store) TemplateFailures() int64 { return s.templateFailures.Load() }

var templateLine = regexp.MustCompile(`^template: [^:]+:(\d+)(?::\d+)?: (?:executing "[^"]*" at <[^>]*>: )?(.*)$`)

// templateError is a template's parse or run error as people read it:
// "line 3: function "foo" not defined".
func templateError(err error) string {
	if m := templateLine.FindStringSubmatch(err.Error()); m != nil {
		return "line " + m[1] + ": " + m[2]
	}
	return err.Error()
}

// mailText renders kind for the op's ticket and queue, with the fields
// of d that the kind needs already set.
func (o *op) mailText(kind string, d *TemplateData) (rendered, error) {
	owner, err := o.loginOf(o.t.ownerID)
	if err != nil {
		return rendered{}, err
	}
	d.Ticket = TemplateTicket{ID: o.t.id, Subject: o.t.subject, Status: o.t.status, Owner: owner}
	d.Queue = TemplateQueue{Name: o.queue.Name, Address: o.queue.Address, CommentAddress: o.queue.CommentAddress}
	d.Tag = subjectTag(o.queue, o.t.id)
	override, err := o.s.override(o.ctx, o.tx, o.queue, kind)
	if err != nil {
		return rendered{}, err
	}
	return o.s.render(kind, o.queue, override, d), nil
}
