package httpd

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sak/mailstore"
)

// DefaultLimit and MaxLimit bound a page of tickets or hits: a client
// pages on with ?before=ID, the number of the last ticket it got.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

func (a *api) routes(mux *http.ServeMux) {
	const v = "/api/v1"
	mux.HandleFunc("POST "+v+"/login/code", a.open(a.loginCode))
	mux.HandleFunc("POST "+v+"/login/token", a.open(a.loginToken))
	mux.HandleFunc("GET "+v+"/whoami", a.authed(a.whoami))

	mux.HandleFunc("GET "+v+"/tickets", a.authed(a.listTickets))
	mux.HandleFunc("POST "+v+"/tickets", a.authed(a.createTicket))
	mux.HandleFunc("GET "+v+"/tickets/{id}", a.authed(a.showTicket))
	mux.HandleFunc("GET "+v+"/tickets/{id}/mails/{msg}", a.authed(a.ticketMail))
	mux.HandleFunc("PATCH "+v+"/tickets/{id}", a.authed(a.editTicket))
	for _, verb := range []string{"take", "steal", "untake", "resolve", "reject", "stall", "open"} {
		mux.HandleFunc("POST "+v+"/tickets/{id}/"+verb, a.authed(a.act(verb)))
	}
	mux.HandleFunc("POST "+v+"/tickets/{id}/give", a.authed(a.give))
	mux.HandleFunc("POST "+v+"/tickets/{id}/move", a.authed(a.move))
	mux.HandleFunc("POST "+v+"/tickets/{id}/merge", a.authed(a.merge))
	mux.HandleFunc("POST "+v+"/tickets/{id}/comment", a.authed(a.write(false)))
	mux.HandleFunc("POST "+v+"/tickets/{id}/reply", a.authed(a.write(true)))
	mux.HandleFunc("POST "+v+"/tickets/{id}/cc", a.authed(a.cc(true)))
	mux.HandleFunc("POST "+v+"/tickets/{id}/cc/remove", a.authed(a.cc(false)))
	mux.HandleFunc("POST "+v+"/tickets/{id}/requestors", a.authed(a.requestor(true)))
	mux.HandleFunc("POST "+v+"/tickets/{id}/requestors/remove", a.authed(a.requestor(false)))
	mux.HandleFunc("POST "+v+"/tickets/{id}/watchers", a.authed(a.watch(true)))
	mux.HandleFunc("POST "+v+"/tickets/{id}/watchers/remove", a.authed(a.watch(false)))
	mux.HandleFunc("POST "+v+"/tickets/{id}/time", a.authed(a.addTime))
	mux.HandleFunc("POST "+v+"/tickets/{id}/purge", a.authed(a.purge))
	mux.HandleFunc("POST "+v+"/tickets/{id}/links", a.authed(a.link(true)))
	mux.HandleFunc("DELETE "+v+"/tickets/{id}/links", a.authed(a.link(false)))
	mux.HandleFunc("POST "+v+"/tickets/{id}/promote", a.authed(a.promote))
	mux.HandleFunc("POST "+v+"/tickets/{id}/reminders", a.authed(a.remind))
	mux.HandleFunc("POST "+v+"/tickets/{id}/reminders/{n}/done", a.authed(a.doneReminder))
	mux.HandleFunc("GET "+v+"/reminders", a.authed(a.reminders))
	mux.HandleFunc("GET "+v+"/search", a.authed(a.search))
	mux.HandleFunc("GET "+v+"/stats", a.authed(a.stats))

	mux.HandleFunc("GET "+v+"/queues", a.authed(a.listQueues))
	mux.HandleFunc("POST "+v+"/queues", a.authed(a.createQueue))
	mux.HandleFunc("GET "+v+"/queues/{name}", a.authed(a.showQueue))
	mux.HandleFunc("PATCH "+v+"/queues/{name}", a.authed(a.setQueue))
	mux.HandleFunc("GET "+v+"/queues/{name}/templates/{kind}", a.authed(a.queueTemplate))
	mux.HandleFunc("PUT "+v+"/queues/{name}/templates/{kind}", a.authed(a.setTemplate))
	mux.HandleFunc("DELETE "+v+"/queues/{name}/templates/{kind}", a.authed(a.resetTemplate))
	mux.HandleFunc("GET "+v+"/queues/{name}/templates/{kind}/preview", a.authed(a.previewTemplate))
	mux.HandleFunc("POST "+v+"/queues/{name}/disable", a.authed(a.switchQueue(false)))
	mux.HandleFunc("POST "+v+"/queues/{name}/enable", a.authed(a.switchQueue(true)))
	mux.HandleFunc("POST "+v+"/queues/{name}/grant", a.authed(a.role(true)))
	mux.HandleFunc("POST "+v+"/queues/{name}/revoke", a.authed(a.role(false)))

	mux.HandleFunc("GET "+v+"/users", a.authed(a.listUsers))
	mux.HandleFunc("GET "+v+"/users/{login}", a.authed(a.showUser))
	mux.HandleFunc("PATCH "+v+"/users/{login}", a.authed(a.setUser))
	mux.HandleFunc("POST "+v+"/users", a.authed(a.addUser))
	mux.HandleFunc("POST "+v+"/users/{login}/disable", a.authed(a.switchUser(false)))
	mux.HandleFunc("POST "+v+"/users/{login}/enable", a.authed(a.switchUser(true)))

	mux.HandleFunc("GET "+v+"/groups", a.authed(a.listGroups))
	mux.HandleFunc("POST "+v+"/groups", a.authed(a.createGroup))
	mux.HandleFunc("GET "+v+"/groups/{name}", a.authed(a.showGroup))
	mux.HandleFunc("POST "+v+"/groups/{name}/add", a.authed(a.groupMembers(true)))
	mux.HandleFunc("POST "+v+"/groups/{name}/remove", a.authed(a.groupMembers(false)))

	mux.HandleFunc("GET "+v+"/tokens", a.authed(a.listTokens))
	mux.HandleFunc("POST "+v+"/tokens", a.authed(a.createToken))
	mux.HandleFunc("DELETE "+v+"/tokens/{id}", a.authed(a.revokeToken))

	mux.HandleFunc(v+"/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{"no such API endpoint: " + r.Method + " " + r.URL.Path, "not_found"})
	})
}

func invalid(format string, args ...any) error {
	return &mailstore.Error{Kind: mailstore.ErrInvalid, Msg: sprintf(format, args...)}
}

// ticketID is the path's {id}: 42 or #42.
func ticketID(r *http.Request, name string) (int64, error) {
	s := strings.TrimPrefix(r.PathValue(name), "#")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalid("%q is not a number", r.PathValue(name))
	}
	return id, nil
}

// list is a query parameter given as a=x,y or a=x&a=y.
func list(q url.Values, key string) []string {
	var out []string
	for _, v := range q[key] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func queryTime(q url.Values, key string) (time.Time, error) {
	v := q.Get(key)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, invalid("%s=%q is not an RFC 3339 time", key, v)
	}
	return t, nil
}

func queryInt(q url.Values, key string, def int64) (int64, error) {
	v := q.Get(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, invalid("%s=%q is not a number", key, v)
	}
	return n, nil
}

func pageLimit(q url.Values) (int, error) {
	n, err := queryInt(q, "limit", DefaultLimit)
	if err != nil {
		return 0, err
	}
	if n == 0 || n > MaxLimit {
		n = MaxLimit
	}
	return int(n), nil
}

// TotalHeader counts every page of a list asked for with total=true.
const TotalHeader = "Sak-Total"

// GET /api/v1/tickets?queue=&status=&owner=LOGIN|me|nobody&requestor=
// &created_before=&updated_before=&waiting=true&total=true&limit=
// &sort=created|updated|priority|due|id&reverse=true&after=ID&offset=N:
// as 'ticket list'. before=ID is after=ID, as older clients page.
func (a *api) listTickets(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	q := r.URL.Query()
	f := mailstore.Filter{Queues: list(q, "queue"), Statuses: list(q, "status"), Requestor: q.Get("requestor")}
	var err error
	if f.Limit, err = pageLimit(q); err != nil {
		return nil, err
	}
	f.Sort = q.Get("sort")
	if f.Reverse, err = queryBool(q, "reverse"); err != nil {
		return nil, err
	}
	after := "after"
	if !q.Has(after) {
		after = "before"
	}
	if f.After, err = queryInt(q, after, 0); err != nil {
		return nil, err
	}
	offset, err := queryInt(q, "offset", 0)
	if err != nil {
		return nil, err
	}
	f.Offset = int(offset)
	if f.CreatedTo, err = queryTime(q, "created_before"); err != nil {
		return nil, err
	}
	if f.UpdatedTo, err = queryTime(q, "updated_before"); err != nil {
		return nil, err
	}
	switch o := q.Get("owner"); o {
	case "":
	case "nobody":
		f.NoOwner = true
	case "me":
		f.Owner = c.as
	default:
		f.Owner = o
	}
	if f.Waiting, err = queryBool(q, "waiting"); err != nil {
		return nil, err
	}
	total, err := queryBool(q, "total")
	if err != nil {
		return nil, err
	}
	if total {
		n, err := a.s.As(c.as).CountTickets(r.Context(), f)
		if err != nil {
			return nil, err
		}
		w.Header().Set(TotalHeader, strconv.Itoa(n))
	}
	ts, err := a.s.As(c.as).ListTickets(r.Context(), f)
	if ts == nil && err == nil {
		ts = []mailstore.Ticket{}
	}
	return ts, err
}

// ticketNow is the ticket id as it is now (followed through merges), as
// the acting user sees it: what a write answers, as 'ticket take -o json'
// prints.
func (a *api) ticketNow(r *http.Request, c *who, id int64) (any, error) {
	rd := a.s.As(c.as)
	now, err := rd.Resolve(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return rd.Ticket(r.Context(), now)
}

type newTicket struct {
	Queue      string   `json:"queue"`
	Requestors []string `json:"requestors"`
	Subject    string   `json:"subject"`
	Text       string   `json:"text"`
}

func (a *api) createTicket(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	var nt newTicket
	if err := a.decode(w, r, &nt); err != nil {
		return nil, err
	}
	id, err := a.s.CreateTicket(r.Context(), c.as, mailstore.NewTicket{Queue: nt.Queue, Requestors: nt.Requestors, Subject: nt.Subject, Text: nt.Text})
	if err != nil {
		return nil, err
	}
	t, err := a.s.As(c.as).Ticket(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return created(t), nil
}

func (a *api) showTicket(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	id, err := ticketID(r, "id")
	if err != nil {
		return nil, err
	}
	rd := a.s.As(c.as)
	now, err := rd.Resolve(r.Context(), id)
	if err != nil {
		return nil, err
	}
	t, err := rd.Ticket(r.Context(), now)
	if err != nil {
		return nil, err
	}
	txs, err := rd.History(r.Context(), now)
	if err != nil {
		return nil, err
	}
	if txs == nil {
		txs = []mailstore.Transaction{}
	}
	return mailstore.Detail{Ticket: t, Transactions: txs}, nil
}

// GET /api/v1/tickets/{id}/mails/{msg}: the stored mail as it came.
func (a *api) ticketMail(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	id, err := ticketID(r, "id")
	if err != nil {
		return nil, err
	}
	msg, err := ticketID(r, "msg")
	if err != nil {
		return nil, err
	}
	b, err := a.s.As(c.as).TicketMail(r.Context(), id, msg)
	if err != nil {
		return nil, err
	}
	return raw{contentType: "message/rfc822", data: b}, nil
}

func (a *api) act(verb string) handler {
	return func(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
		id, err := ticketID(r, "id")
		if err != nil {
			return nil, err
		}
		if err := a.s.Act(r.Context(), c.as, id, mailstore.Action{Name: verb}); err != nil {
			return nil, err
		}
		return a.ticketNow(r, c, id)
	}
}

func (a *api) give(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	var body struct {
		User string `json:"user"`
	}
	return a.change(w, r, c, &body, func(id int64) error { return a.s.Give(r.Context(), c.as, id, body.User) })
}

func (a *api) move(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	var body struct {
		Queue string `json:"queue"`
	}
	return a.change(w, r, c, &body, func(id int64) error { return a.s.Move(r.Context(), c.as, id, body.Queue) })
}

func (a *api) merge(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	var body struct {
		Into int64 `json:"into"`
	}
	return a.change(w, r, c, &body, func(id int64) error { return a.s.Merge(r.Context(), c.as, id, body.Into) })
}

// change decodes body, runs do on the path's ticket and answers the ticket
// as it is now.
func (a *api) change(w http.ResponseWriter, r *http.Request, c *who, body any, do func(id int64) error) (any, error) {
	id, err := ticketID(r, "id")
	if err != nil {
		return nil, err
	}
	if err := a.decode(w, r, body); err != nil {
		return nil, err
	}
	if err := do(id); err != nil {
		return nil, err
	}
	return a.ticketNow(r, c, id)
}

// File is an attachment of a comment or reply: its name and its contents
// in base64 (RFC 4648, standard alphabet, padded).
type File struct {
	Name string `json:"name"`
	Data string `json:"data"`
}

// Write is the body of a comment or reply.
type Write struct {
	Text  string `json:"text"`
	Files []File `json:"files"`
}

func (a *api) write(reply bool) handler {
	return func(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
		var body Write
		return a.change(w, r, c, &body, func(id int64) error {
			files := make([]mailstore.Attachment, 0, len(body.Files))
			for i, f := range body.Files {
				data, err := base64.StdEncoding.DecodeString(f.Data)
				if err != nil {
					return invalid("file %d (%q) is not in base64", i+1, f.Name)
				}
				att, err := mailstore.UploadAttachment(f.Name, data)
				if err != nil {
					return err
				}
				files = append(files, att)
			}
			if !reply {
				return a.s.Comment(r.Context(), c.as, id, body.Text, files...)
			}
			if err := a.s.Reply(r.Context(), c.as, id, body.Text, files...); err != nil {
				return err
			}
			if rcpts, err := a.s.LastQueued(r.Context(), id); err == nil && len(rcpts) > 0 {
				b, _ := json.Marshal(rcpts)
				w.Header().Set(QueuedForHeader, string(b))
			}
			return nil
		})
	}
}

// QueuedForHeader answers a reply with whom it was queued for, as a JSON
// array of addresses: the document is the ticket, as for every change.
const QueuedForHeader = "Sak-Queued-For"

// POST /api/v1/tickets/{id}/cc and /cc/remove {"address": ADDR}
func (a *api) cc(add bool) handler {
	return a.person(add, a.s.AddCc, a.s.RemoveCc)
}

// POST /api/v1/tickets/{id}/requestors and /requestors/remove {"address": ADDR}
func (a *api) requestor(add bool) handler {
	return a.person(add, a.s.AddRequestor, a.s.RemoveRequestor)
}

// person adds or removes the body's address with the store's operation.
func (a *api) person(add bool, addOp, removeOp func(ctx context.Context, actor string, id int64, addr string) error) handler {
	op := removeOp
	if add {
		op = addOp
	}
	return func(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
		var body struct {
			Address string `json:"address"`
		}
		return a.change(w, r, c, &body, func(id int64) error { return op(r.Context(), c.as, id, body.Address) })
	}
}

// POST /api/v1/tickets/{id}/watchers and /watchers/remove {"user": LOGIN}:
// "" or no user is the acting user.
func (a *api) watch(add bool) handler {
	op := a.s.Unwatch
	if add {
		op = a.s.Watch
	}
	return func(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
		var body struct {
			User string `json:"user"`
		}
		return a.change(w, r, c, &body, func(id int64) error { return op(r.Context(), c.as, id, body.User) })
	}
}

// NewTime is the body of POST /api/v1/tickets/{id}/time: minutes worked.
type NewTime struct {
	Minutes int    `json:"minutes"`
	Comment string `json:"comment,omitempty"`
}

func (a *api) addTime(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	var body NewTime
	return a.change(w, r, c, &body, func(id int64) error { return a.s.AddTime(r.Context(), c.as, id, body.Minutes, body.Comment) })
}

// POST /api/v1/tickets/{id}/purge {}: the tombstone is the answer.
func (a *api) purge(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	return a.change(w, r, c, &struct{}{}, func(id int64) error { return a.s.Purge(r.Context(), c.as, id) })
}

// TicketEdit is the body of PATCH /api/v1/tickets/{id}: the fields given
// change (as 'sak ticket edit'); "due": null takes the due time away.
type TicketEdit struct {
	Subject  *string         `json:"subject,omitempty"`
	Priority *int            `json:"priority,omitempty"`
	Due      json.RawMessage `json:"due,omitempty"`      // an RFC 3339 time, or null
	Estimate *int            `json:"estimate,omitempty"` // minutes
}

func (a *api) editTicket(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	var body TicketEdit
	return a.change(w, r, c, &body, func(id int64) error {
		ch := mailstore.TicketChange{Subject: body.Subject, Priority: body.Priority, Estimate: body.Estimate}
		if len(body.Due) > 0 {
			var due *time.Time
			if err := json.Unmarshal(body.Due, &due); err != nil {
				return invalid("due: give an RFC 3339 time, or null to take the due time away")
			}
			if due == nil {
				due = &time.Time{}
			}
			ch.Due = due
		}
		return a.s.EditTicket(r.Context(), c.as, id, ch)
	})
}

// NewLink is the body of POST and DELETE /api/v1/tickets/{id}/links: the
// link of the path's ticket to another.
type NewLink struct {
	Type   string `json:"type"` // DependsOn, RefersTo or MemberOf
	Ticket int64  `json:"ticket"`
}

func (a *api) link(add bool) handler {
	op := a.s.UnlinkTicket
	if add {
		op = a.s.LinkTicket
	}
	return func(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
		var body NewLink
		return a.change(w, r, c, &body, func(id int64) error { return op(r.Context(), c.as, id, body.Type, body.Ticket) })
	}
}

// POST /api/v1/tickets/{id}/promote {"transaction": N}
func (a *api) promote(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	var body struct {
		Transaction int64 `json:"transaction"`
	}
	return a.change(w, r, c, &body, func(id int64) error { return a.s.Promote(r.Context(), c.as, id, body.Transaction) })
}

// NewReminder is the body of POST /api/v1/tickets/{id}/reminders.
type NewReminder struct {
	Due  time.Time `json:"due"`
	To   string    `json:"to"` // a login; "" for the acting user
	Text string    `json:"text"`
}

func (a *api) remind(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	id, err := ticketID(r, "id")
	if err != nil {
		return nil, err
	}
	var body NewReminder
	if err := a.decode(w, r, &body); err != nil {
		return nil, err
	}
	rem, err := a.s.AddReminder(r.Context(), c.as, id, body.Due, body.To, body.Text)
	if err != nil {
		return nil, err
	}
	return created(rem), nil
}

// POST /api/v1/tickets/{id}/reminders/{n}/done answers the reminder.
func (a *api) doneReminder(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	id, err := ticketID(r, "id")
	if err != nil {
		return nil, err
	}
	n, err := ticketID(r, "n")
	if err != nil {
		return nil, err
	}
	if err := a.s.DoneReminder(r.Context(), c.as, id, n); err != nil {
		return nil, err
	}
	rs, err := a.s.As(c.as).Reminders(r.Context(), mailstore.ReminderFilter{Ticket: id})
	if err != nil {
		return nil, err
	}
	for _, rem := range rs {
		if rem.ID == n {
			return rem, nil
		}
	}
	return nil, &mailstore.Error{Kind: mailstore.ErrNotFound, Msg: sprintf("reminder %d vanished", n)}
}

// GET /api/v1/reminders?ticket=ID&user=LOGIN&all=true: open reminders
// unless all.
func (a *api) reminders(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	q := r.URL.Query()
	ticket, err := queryInt(q, "ticket", 0)
	if err != nil {
		return nil, err
	}
	all, err := queryBool(q, "all")
	if err != nil {
		return nil, err
	}
	return a.s.As(c.as).Reminders(r.Context(), mailstore.ReminderFilter{Ticket: ticket, User: q.Get("user"), Open: !all})
}

func queryBool(q url.Values, key string) (bool, error) {
	v := q.Get(key)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalid("%s=%q is not true or false", key, v)
	}
	return b, nil
}

// GET /api/v1/search?q=WORDS&queue=&status=&limit=
func (a *api) search(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	q := r.URL.Query()
	limit, err := pageLimit(q)
	if err != nil {
		return nil, err
	}
	hits, err := a.s.As(c.as).Search(r.Context(), q.Get("q"), mailstore.SearchFilter{Queues: list(q, "queue"), Statuses: list(q, "status"), Limit: limit})
	if err != nil {
		return nil, err
	}
	return mailstore.Hits(hits), nil
}

// GET /api/v1/stats?queue=&since=&until= (RFC 3339; until defaults to now)
func (a *api) stats(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	q := r.URL.Query()
	since, err := queryTime(q, "since")
	if err != nil {
		return nil, err
	}
	until, err := queryTime(q, "until")
	if err != nil {
		return nil, err
	}
	if until.IsZero() {
		until = a.cfg.Now()
	}
	rows, total, err := a.s.As(c.as).Stats(r.Context(), mailstore.StatsFilter{Queues: list(q, "queue"), Since: since, Until: until})
	if err != nil {
		return nil, err
	}
	return mailstore.NewStatsReport(rows, total, since, until), nil
}
