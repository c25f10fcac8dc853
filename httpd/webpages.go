package httpd

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"sak/mailstore"
	"sak/parse"
)

// home is the caseworker's home page.
type home struct {
	Owned, Unowned []mailstore.Ticket
	Reminders      []mailstore.Reminder
	Queues         []mailstore.QueueCount
}

func (a *api) homePage(w http.ResponseWriter, r *http.Request, u *webUser) error {
	ctx := r.Context()
	rd := a.s.As(u.login)
	var h home
	var err error
	if h.Owned, err = rd.ListTickets(ctx, mailstore.Filter{Owner: u.login, Statuses: []string{mailstore.StatusNew, mailstore.StatusOpen}, Limit: 200}); err != nil {
		return err
	}
	sort.SliceStable(h.Owned, func(i, j int) bool { return h.Owned[i].Updated.Before(h.Owned[j].Updated) })
	if h.Unowned, err = rd.ListTickets(ctx, mailstore.Filter{NoOwner: true, Statuses: []string{mailstore.StatusNew}, Limit: 200}); err != nil {
		return err
	}
	sort.SliceStable(h.Unowned, func(i, j int) bool { return h.Unowned[i].ID < h.Unowned[j].ID })
	rs, err := rd.Reminders(ctx, mailstore.ReminderFilter{User: u.login, Open: true})
	if err != nil {
		return err
	}
	now := a.cfg.Now()
	for _, rm := range rs {
		if !rm.Due.After(now) {
			h.Reminders = append(h.Reminders, rm)
		}
	}
	if h.Queues, err = rd.QueueCounts(ctx); err != nil {
		return err
	}
	a.render(w, r, u, http.StatusOK, "home", "", h)
	return nil
}

// queueView is a queue's page: its tickets under the CLI's filters.
type queueView struct {
	Queue     *mailstore.QueueDetail
	Tickets   []mailstore.Ticket
	Status    string
	Owner     string
	Requestor string
	Statuses  []string
	Next      string // the next page's URL, "" on the last
}

func (a *api) queuePage(w http.ResponseWriter, r *http.Request, u *webUser) error {
	ctx := r.Context()
	rd := a.s.As(u.login)
	q := r.URL.Query()
	qd, err := rd.QueueDetail(ctx, r.PathValue("name"))
	if err != nil {
		return err
	}
	v := queueView{Queue: qd, Status: q.Get("status"), Owner: q.Get("owner"), Requestor: q.Get("requestor"), Statuses: mailstore.Statuses}
	f := mailstore.Filter{Queues: []string{qd.Name}, Statuses: list(q, "status"), Requestor: v.Requestor, Limit: DefaultLimit}
	switch v.Owner {
	case "":
	case "nobody":
		f.NoOwner = true
	case "me":
		f.Owner = u.login
	default:
		f.Owner = v.Owner
	}
	if f.After, err = queryInt(q, "before", 0); err != nil {
		return err
	}
	if v.Tickets, err = rd.ListTickets(ctx, f); err != nil {
		return err
	}
	if len(v.Tickets) == DefaultLimit {
		next := url.Values{}
		for _, k := range []string{"status", "owner", "requestor"} {
			if q.Get(k) != "" {
				next.Set(k, q.Get(k))
			}
		}
		next.Set("before", strconv.FormatInt(v.Tickets[len(v.Tickets)-1].ID, 10))
		v.Next = "/queues/" + url.PathEscape(qd.Name) + "?" + next.Encode()
	}
	a.render(w, r, u, http.StatusOK, "queue", qd.Name, v)
	return nil
}

// ticketView is a ticket's page.
type ticketView struct {
	T         *mailstore.Ticket
	History   []historyLine
	Queues    []mailstore.Queue
	Reminders []mailstore.Reminder
	Verbs     []string
	Links     []linkView
	// DueInput is the due time as the edit form's datetime-local field
	// holds it, "" for none.
	DueInput  string
	LinkTypes []string
}

// dueInput is the layout of a datetime-local field, in local time.
const dueInput = "2006-01-02T15:04"

// webEdit changes what the edit form changed: each field that differs
// from the ticket as the user sees it now (an empty due time takes it
// away). A form that changes nothing changes nothing.
func (a *api) webEdit(r *http.Request, u *webUser, id int64, form func(string) string) error {
	t, err := a.s.As(u.login).Ticket(r.Context(), id)
	if err != nil {
		return err
	}
	var c mailstore.TicketChange
	if s := form("subject"); s != t.Subject {
		c.Subject = &s
	}
	if p := form("priority"); p != strconv.Itoa(t.Priority) {
		n, perr := strconv.Atoi(p)
		if perr != nil {
			return invalid("%q is not a priority: give a number from 0 to %d", p, mailstore.MaxPriority)
		}
		c.Priority = &n
	}
	old := ""
	if t.Due != nil {
		old = t.Due.In(time.Local).Format(dueInput)
	}
	if d := form("due"); d != old {
		due := time.Time{}
		if d != "" {
			if due, err = time.ParseInLocation(dueInput, d, time.Local); err != nil {
				return invalid("%q is not a date and time", d)
			}
		}
		c.Due = &due
	}
	if c.Empty() {
		return nil
	}
	return a.s.EditTicket(r.Context(), u.login, id, c)
}

// historyLine is one transaction as the page shows it.
type historyLine struct {
	mailstore.Transaction
	What     string
	Internal bool // a comment or a note: never seen by requestors
}

func (a *api) ticketPage(w http.ResponseWriter, r *http.Request, u *webUser) error {
	ctx := r.Context()
	id, err := ticketID(r, "id")
	if err != nil {
		return err
	}
	rd := a.s.As(u.login)
	now, err := rd.Resolve(ctx, id)
	if err != nil {
		return err
	}
	if now != id {
		back(w, r, "/tickets/"+strconv.FormatInt(now, 10))
		return nil
	}
	t, err := rd.Ticket(ctx, id)
	if err != nil {
		return err
	}
	txs, err := rd.History(ctx, id)
	if err != nil {
		return err
	}
	v := ticketView{T: t, Verbs: verbsFor(t, u.login), LinkTypes: mailstore.LinkTypes}
	if t.Due != nil {
		v.DueInput = t.Due.In(time.Local).Format(dueInput)
	}
	L := words[lang(r)]
	for _, l := range t.Links {
		v.Links = append(v.Links, webLink(L, l))
	}
	for _, tx := range txs {
		v.History = append(v.History, historyLine{Transaction: tx, What: describe(L, id, tx),
			Internal: tx.Type == mailstore.TxComment || tx.Type == mailstore.TxNote})
	}
	if v.Queues, err = a.s.Queues(ctx); err != nil {
		return err
	}
	if v.Reminders, err = rd.Reminders(ctx, mailstore.ReminderFilter{Ticket: id, Open: true}); err != nil {
		return err
	}
	a.render(w, r, u, http.StatusOK, "ticket", "#"+strconv.FormatInt(id, 10)+" "+t.Subject, v)
	return nil
}

// ticketPost is every change of a ticket from its page.
func (a *api) ticketPost(w http.ResponseWriter, r *http.Request, u *webUser) error {
	ctx := r.Context()
	id, err := ticketID(r, "id")
	if err != nil {
		return err
	}
	verb := r.PathValue("verb")
	form := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	switch verb {
	case "take", "steal", "untake", "open", "stall", "resolve", "reject":
		err = a.s.Act(ctx, u.login, id, mailstore.Action{Name: verb})
	case "give":
		err = a.s.Give(ctx, u.login, id, form("user"))
	case "move":
		err = a.s.Move(ctx, u.login, id, form("queue"))
	case "merge":
		into, perr := strconv.ParseInt(strings.TrimPrefix(form("into"), "#"), 10, 64)
		if perr != nil || into <= 0 {
			return invalid("%q is not a ticket number", form("into"))
		}
		err = a.s.Merge(ctx, u.login, id, into)
	case "reply", "comment":
		var files []mailstore.Attachment
		if r.MultipartForm != nil {
			for _, fh := range r.MultipartForm.File["files"] {
				f, oerr := fh.Open()
				if oerr != nil {
					return oerr
				}
				data, rerr := io.ReadAll(f)
				f.Close()
				if rerr != nil {
					return rerr
				}
				att, aerr := mailstore.UploadAttachment(fh.Filename, data)
				if aerr != nil {
					return aerr
				}
				files = append(files, att)
			}
		}
		if verb == "reply" {
			err = a.s.Reply(ctx, u.login, id, r.PostFormValue("text"), files...)
		} else {
			err = a.s.Comment(ctx, u.login, id, r.PostFormValue("text"), files...)
		}
	case "edit":
		err = a.webEdit(r, u, id, form)
	case "link":
		other, perr := strconv.ParseInt(strings.TrimPrefix(form("other"), "#"), 10, 64)
		if perr != nil || other <= 0 {
			return invalid("%q is not a ticket number", form("other"))
		}
		err = a.s.LinkTicket(ctx, u.login, id, form("type"), other)
	case "remind":
		due, perr := time.ParseInLocation(dueInput, form("due"), time.Local)
		if perr != nil {
			return invalid("%q is not a date and time", form("due"))
		}
		_, err = a.s.AddReminder(ctx, u.login, id, due, form("to"), form("text"))
	default:
		return &mailstore.Error{Kind: mailstore.ErrNotFound, Msg: "no such action: " + verb}
	}
	if err != nil {
		return err
	}
	now, err := a.s.As(u.login).Resolve(ctx, id)
	if err != nil {
		// Moved to a queue of no role of the user's: home.
		back(w, r, "/")
		return nil
	}
	back(w, r, "/tickets/"+strconv.FormatInt(now, 10))
	return nil
}

// safeTypes are served as what they are; anything else as bytes.
var safeTypes = map[string]bool{"application/pdf": true, "image/png": true, "image/jpeg": true, "image/gif": true, "text/plain": true}

// attachmentGet downloads an attachment of a stored mail, never shown
// inline: Content-Disposition attachment, and HTML or anything unknown
// as application/octet-stream.
func (a *api) attachmentGet(w http.ResponseWriter, r *http.Request, u *webUser) error {
	id, err := ticketID(r, "id")
	if err != nil {
		return err
	}
	msg, err := ticketID(r, "msg")
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 {
		return invalid("%q is not an attachment number", r.PathValue("n"))
	}
	raw, err := a.s.As(u.login).TicketMail(r.Context(), id, msg)
	if err != nil {
		return err
	}
	m := parse.Parse(raw)
	if n >= len(m.Attachments) {
		return &mailstore.Error{Kind: mailstore.ErrNotFound, Msg: "no such attachment"}
	}
	att := m.Attachments[n]
	data := decodePart(att.Header, att.Body)
	typ := "application/octet-stream"
	if safeTypes[strings.ToLower(att.ContentType)] {
		typ = strings.ToLower(att.ContentType)
	}
	name := att.Name
	if name == "" {
		name = "attachment-" + strconv.Itoa(n)
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
	return nil
}

// decodePart is a part's body decoded from the transfer encoding its
// header names.
func decodePart(header string, body []byte) []byte {
	cte := ""
	for _, line := range strings.Split(header, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "Content-Transfer-Encoding") {
			cte = strings.ToLower(strings.TrimSpace(v))
		}
	}
	switch cte {
	case "base64":
		b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, newlineSkipper{bytes.NewReader(body)}))
		if err == nil || len(b) > 0 {
			return b
		}
	case "quoted-printable":
		if b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err == nil {
			return b
		}
	}
	return body
}

// newlineSkipper drops CR, LF and spaces from base64 text.
type newlineSkipper struct{ r io.Reader }

func (n newlineSkipper) Read(p []byte) (int, error) {
	c, err := n.r.Read(p)
	j := 0
	for _, b := range p[:c] {
		if b != '\r' && b != '\n' && b != ' ' && b != '\t' {
			p[j] = b
			j++
		}
	}
	return j, err
}

// searchView is the search page.
type searchView struct {
	Q    string
	Hits []hitView
	Done bool
}

type hitView struct {
	mailstore.Hit
	Snippet []snippetPart
}

type snippetPart struct {
	Text string
	Mark bool
}

// snippetParts splits a snippet at its marks.
func snippetParts(s string) []snippetPart {
	var out []snippetPart
	for s != "" {
		i := strings.Index(s, mailstore.SnippetStart)
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], mailstore.SnippetEnd)
		if j < 0 {
			break
		}
		if i > 0 {
			out = append(out, snippetPart{Text: s[:i]})
		}
		out = append(out, snippetPart{Text: s[i+len(mailstore.SnippetStart) : i+j], Mark: true})
		s = s[i+j+len(mailstore.SnippetEnd):]
	}
	if s != "" {
		out = append(out, snippetPart{Text: s})
	}
	return out
}

func (a *api) searchPage(w http.ResponseWriter, r *http.Request, u *webUser) error {
	v := searchView{Q: strings.TrimSpace(r.URL.Query().Get("q"))}
	if v.Q != "" {
		hits, err := a.s.As(u.login).Search(r.Context(), v.Q, mailstore.SearchFilter{Limit: 100})
		if err != nil {
			return err
		}
		for _, h := range mailstore.Hits(hits) {
			v.Hits = append(v.Hits, hitView{Hit: h, Snippet: snippetParts(h.Snippet)})
		}
		v.Done = true
	}
	a.render(w, r, u, http.StatusOK, "search", "", v)
	return nil
}

// statsView is the statistics page: the report of the last 12 weeks and
// a chart of tickets received and resolved per week.
type statsView struct {
	Report mailstore.StatsReport
	Weeks  []week
	Max    int
}

type week struct {
	Start              time.Time
	Received, Resolved int
	X                  int // of the week's bars in the chart
	RecH, ResH         int // their heights
}

// chartWeeks and chartHeight shape the chart.
const (
	chartWeeks  = 12
	chartHeight = 120
)

func (a *api) statsPage(w http.ResponseWriter, r *http.Request, u *webUser) error {
	ctx := r.Context()
	rd := a.s.As(u.login)
	now := a.cfg.Now()
	// Twelve weeks of whole days, the last one ending with today.
	start := now.Truncate(24*time.Hour).AddDate(0, 0, 1-7*chartWeeks)
	rows, total, err := rd.Stats(ctx, mailstore.StatsFilter{Since: start, Until: now})
	if err != nil {
		return err
	}
	v := statsView{Report: mailstore.NewStatsReport(rows, total, start, now)}
	weeks, err := rd.Weekly(ctx, start, chartWeeks)
	if err != nil {
		return err
	}
	for i, wk := range weeks {
		v.Weeks = append(v.Weeks, week{Start: wk.Start, Received: wk.Received, Resolved: wk.Resolved, X: 40 + i*50})
		v.Max = max(v.Max, wk.Received, wk.Resolved)
	}
	for i := range v.Weeks {
		if v.Max > 0 {
			v.Weeks[i].RecH = v.Weeks[i].Received * chartHeight / v.Max
			v.Weeks[i].ResH = v.Weeks[i].Resolved * chartHeight / v.Max
		}
	}
	a.render(w, r, u, http.StatusOK, "stats", "", v)
	return nil
}

// textBlock is a run of a mail's text: its own words, or a quote folded
// away.
type textBlock struct {
	Text   string
	Quoted bool
}

// textBlocks splits text into runs of quoted (">") and other lines.
func textBlocks(text string) []textBlock {
	var out []textBlock
	for _, line := range strings.SplitAfter(text, "\n") {
		q := strings.HasPrefix(strings.TrimLeft(line, " "), ">")
		if n := len(out); n > 0 && out[n-1].Quoted == q {
			out[n-1].Text += line
			continue
		}
		out = append(out, textBlock{Text: line, Quoted: q})
	}
	return out
}

// verbsFor are the status changes that make sense for t now, to login.
func verbsFor(t *mailstore.Ticket, login string) []string {
	var vs []string
	switch t.OwnerLogin() {
	case "":
		vs = append(vs, "take")
	case login:
		vs = append(vs, "untake")
	default:
		vs = append(vs, "steal", "untake")
	}
	if t.Status != mailstore.StatusOpen {
		vs = append(vs, "open")
	}
	if t.Status == mailstore.StatusNew || t.Status == mailstore.StatusOpen {
		vs = append(vs, "stall")
	}
	if t.Status != mailstore.StatusResolved {
		vs = append(vs, "resolve")
	}
	if t.Status != mailstore.StatusRejected {
		vs = append(vs, "reject")
	}
	return vs
}
