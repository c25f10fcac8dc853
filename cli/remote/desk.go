package remote

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sak/httpd"
	"sak/mailstore"
)

// File is a file attached to a comment or reply: its name (no directory)
// and contents.
type File struct {
	Name string
	Data []byte
}

// Desk is the CLI's operations (cmdutil.Desk) over a sak server's API, as
// the token's user. A sysadmin acting as another user (--as) sends
// X-Sak-As; the server refuses it to anyone else.
//
// A ticket's detail is asked for once per command: the answer of a
// change (the ticket as it is now) and of GET /tickets/{id} (ticket and
// history) are kept until the next change, so that a change and its
// confirmation take one round trip.
type Desk struct {
	c    *Client
	user string // the token's user

	resolved map[int64]int64 // a number asked for -> the ticket it is now
	tickets  map[int64]*mailstore.Ticket
	history  map[int64][]mailstore.Transaction
}

// NewDesk is the Desk of the server at base with token, whose user is
// user.
func NewDesk(base, token, user string) *Desk {
	d := &Desk{c: NewClient(base, token), user: user}
	d.forget()
	return d
}

func (d *Desk) forget() {
	d.resolved = map[int64]int64{}
	d.tickets = map[int64]*mailstore.Ticket{}
	d.history = map[int64][]mailstore.Transaction{}
}

// client is the client acting as as.
func (d *Desk) client(as string) *Client {
	c := *d.c
	c.as = ""
	if as != "" && !strings.EqualFold(as, d.user) {
		c.as = as
	}
	return &c
}

func (d *Desk) get(ctx context.Context, as, path string, q url.Values, out any) error {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return d.client(as).Do(ctx, "GET", path, nil, out)
}

// change posts body to path and keeps the ticket the server answers.
func (d *Desk) change(ctx context.Context, as string, id int64, path string, body any) error {
	_, err := d.changeHeader(ctx, as, id, "POST", path, body)
	return err
}

// changeHeader sends body to path with method, keeps the ticket the
// server answers and returns the answer's header.
func (d *Desk) changeHeader(ctx context.Context, as string, id int64, method, path string, body any) (map[string][]string, error) {
	d.forget()
	if body == nil {
		body = struct{}{}
	}
	var t mailstore.Ticket
	h, err := d.client(as).do(ctx, method, path, body, &t)
	if err != nil {
		return nil, err
	}
	if t.ID > 0 {
		d.resolved[id] = t.ID
		d.tickets[t.ID] = &t
	}
	return h, nil
}

func ticketPath(id int64, rest string) string {
	return "/api/v1/tickets/" + strconv.FormatInt(id, 10) + rest
}

// ListTickets pages through the API (at most httpd.MaxLimit a page) until
// f.Limit tickets, or all for 0: the first page skips f.Offset, each next
// one starts after the last ticket of the one before.
func (d *Desk) ListTickets(ctx context.Context, as string, f mailstore.Filter) ([]mailstore.Ticket, error) {
	q := filterQuery(f)
	after := f.After
	if f.Offset > 0 {
		q.Set("offset", strconv.Itoa(f.Offset))
	}
	out := []mailstore.Ticket{}
	for {
		page := httpd.MaxLimit
		if f.Limit > 0 {
			page = min(f.Limit-len(out), httpd.MaxLimit)
		}
		q.Set("limit", strconv.Itoa(page))
		if after > 0 {
			q.Set("after", strconv.FormatInt(after, 10))
		}
		var ts []mailstore.Ticket
		if err := d.get(ctx, as, "/api/v1/tickets", q, &ts); err != nil {
			return nil, err
		}
		out = append(out, ts...)
		if len(ts) < page || (f.Limit > 0 && len(out) >= f.Limit) {
			return out, nil
		}
		after = ts[len(ts)-1].ID
		q.Del("offset")
	}
}

// CountTickets asks for one ticket of the list and its Sak-Total.
func (d *Desk) CountTickets(ctx context.Context, as string, f mailstore.Filter) (int, error) {
	q := filterQuery(f)
	q.Set("limit", "1")
	q.Set("total", "true")
	var ts []mailstore.Ticket
	h, err := d.client(as).do(ctx, "GET", "/api/v1/tickets?"+q.Encode(), nil, &ts)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(h.Get(httpd.TotalHeader))
	if err != nil {
		return 0, fmt.Errorf("%s answered no count of tickets", d.c.base)
	}
	return n, nil
}

// filterQuery is a list's filter as the API's query parameters.
func filterQuery(f mailstore.Filter) url.Values {
	q := url.Values{}
	for _, v := range f.Queues {
		q.Add("queue", v)
	}
	for _, v := range f.Statuses {
		q.Add("status", v)
	}
	switch {
	case f.NoOwner:
		q.Set("owner", "nobody")
	case f.Owner != "":
		q.Set("owner", f.Owner)
	}
	if f.Requestor != "" {
		q.Set("requestor", f.Requestor)
	}
	if !f.CreatedTo.IsZero() {
		q.Set("created_before", f.CreatedTo.UTC().Format(time.RFC3339Nano))
	}
	if !f.UpdatedTo.IsZero() {
		q.Set("updated_before", f.UpdatedTo.UTC().Format(time.RFC3339Nano))
	}
	if f.Waiting {
		q.Set("waiting", "true")
	}
	if f.Sort != "" {
		q.Set("sort", f.Sort)
	}
	if f.Reverse {
		q.Set("reverse", "true")
	}
	return q
}

// detail is GET /tickets/{id}: the ticket it is now, and its history.
func (d *Desk) detail(ctx context.Context, as string, id int64) (int64, error) {
	if now, ok := d.resolved[id]; ok {
		if _, ok := d.history[now]; ok {
			return now, nil
		}
	}
	var dt mailstore.Detail
	if err := d.get(ctx, as, ticketPath(id, ""), nil, &dt); err != nil {
		return 0, err
	}
	if dt.Ticket == nil {
		return 0, fmt.Errorf("%s answered no ticket %d", d.c.base, id)
	}
	d.resolved[id] = dt.ID
	d.tickets[dt.ID] = dt.Ticket
	d.history[dt.ID] = dt.Transactions
	return dt.ID, nil
}

func (d *Desk) Resolve(ctx context.Context, as string, id int64) (int64, error) {
	if now, ok := d.resolved[id]; ok {
		return now, nil
	}
	return d.detail(ctx, as, id)
}

func (d *Desk) Ticket(ctx context.Context, as string, id int64) (*mailstore.Ticket, error) {
	if t, ok := d.tickets[id]; ok {
		return t, nil
	}
	now, err := d.detail(ctx, as, id)
	if err != nil {
		return nil, err
	}
	return d.tickets[now], nil
}

func (d *Desk) History(ctx context.Context, as string, id int64) ([]mailstore.Transaction, error) {
	now, err := d.detail(ctx, as, id)
	if err != nil {
		return nil, err
	}
	return d.history[now], nil
}

func (d *Desk) TicketMail(ctx context.Context, as string, id, msg int64) ([]byte, error) {
	b, _, err := d.client(as).send(ctx, "GET", ticketPath(id, "/mails/"+strconv.FormatInt(msg, 10)), nil, "")
	return b, err
}

func (d *Desk) Search(ctx context.Context, as, query string, f mailstore.SearchFilter) ([]mailstore.Hit, error) {
	q := url.Values{"q": {query}, "limit": {strconv.Itoa(f.Limit)}}
	for _, v := range f.Queues {
		q.Add("queue", v)
	}
	for _, v := range f.Statuses {
		q.Add("status", v)
	}
	var hits []mailstore.Hit
	err := d.get(ctx, as, "/api/v1/search", q, &hits)
	return hits, err
}

func (d *Desk) Stats(ctx context.Context, as string, f mailstore.StatsFilter) (mailstore.StatsReport, error) {
	q := url.Values{}
	for _, v := range f.Queues {
		q.Add("queue", v)
	}
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	q.Set("until", f.Until.UTC().Format(time.RFC3339Nano))
	var rep mailstore.StatsReport
	err := d.get(ctx, as, "/api/v1/stats", q, &rep)
	return rep, err
}

func (d *Desk) Reminders(ctx context.Context, as string, f mailstore.ReminderFilter) ([]mailstore.Reminder, error) {
	q := url.Values{}
	if f.Ticket > 0 {
		q.Set("ticket", strconv.FormatInt(f.Ticket, 10))
	}
	if f.User != "" {
		q.Set("user", f.User)
	}
	if !f.Open {
		q.Set("all", "true")
	}
	var rs []mailstore.Reminder
	err := d.get(ctx, as, "/api/v1/reminders", q, &rs)
	return rs, err
}

func (d *Desk) QueueDetail(ctx context.Context, as, name string) (*mailstore.QueueDetail, error) {
	var qd mailstore.QueueDetail
	if err := d.get(ctx, as, "/api/v1/queues/"+url.PathEscape(name), nil, &qd); err != nil {
		return nil, err
	}
	return &qd, nil
}

func (d *Desk) Queues(ctx context.Context) ([]mailstore.Queue, error) {
	var qs []mailstore.Queue
	err := d.get(ctx, "", "/api/v1/queues", nil, &qs)
	return qs, err
}

func (d *Desk) Users(ctx context.Context) ([]mailstore.User, error) {
	var us []mailstore.User
	err := d.get(ctx, "", "/api/v1/users", nil, &us)
	return us, err
}

func (d *Desk) User(ctx context.Context, login string) (*mailstore.User, error) {
	var u mailstore.User
	if err := d.get(ctx, "", "/api/v1/users/"+url.PathEscape(login), nil, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

func (d *Desk) CreateTicket(ctx context.Context, as string, nt mailstore.NewTicket) (int64, error) {
	d.forget()
	var t mailstore.Ticket
	body := map[string]any{"queue": nt.Queue, "requestors": nt.Requestors, "subject": nt.Subject, "text": nt.Text}
	if err := d.client(as).Do(ctx, "POST", "/api/v1/tickets", body, &t); err != nil {
		return 0, err
	}
	d.resolved[t.ID] = t.ID
	d.tickets[t.ID] = &t
	return t.ID, nil
}

func (d *Desk) Act(ctx context.Context, as string, id int64, verb string) error {
	return d.change(ctx, as, id, ticketPath(id, "/"+url.PathEscape(verb)), nil)
}

func (d *Desk) Give(ctx context.Context, as string, id int64, login string) error {
	return d.change(ctx, as, id, ticketPath(id, "/give"), map[string]string{"user": login})
}

func (d *Desk) Move(ctx context.Context, as string, id int64, queue string) error {
	return d.change(ctx, as, id, ticketPath(id, "/move"), map[string]string{"queue": queue})
}

func (d *Desk) Merge(ctx context.Context, as string, id, into int64) error {
	return d.change(ctx, as, id, ticketPath(id, "/merge"), map[string]int64{"into": into})
}

func writeBody(text string, files []File) httpd.Write {
	w := httpd.Write{Text: text, Files: make([]httpd.File, len(files))}
	for i, f := range files {
		w.Files[i] = httpd.File{Name: f.Name, Data: base64.StdEncoding.EncodeToString(f.Data)}
	}
	return w
}

func (d *Desk) Comment(ctx context.Context, as string, id int64, text string, files []File) error {
	return d.change(ctx, as, id, ticketPath(id, "/comment"), writeBody(text, files))
}

func (d *Desk) Reply(ctx context.Context, as string, id int64, text string, files []File) ([]string, error) {
	h, err := d.changeHeader(ctx, as, id, "POST", ticketPath(id, "/reply"), writeBody(text, files))
	if err != nil {
		return nil, err
	}
	var rcpts []string
	if v := h[httpd.QueuedForHeader]; len(v) > 0 {
		_ = json.Unmarshal([]byte(v[0]), &rcpts) // only for the confirmation
	}
	return rcpts, nil
}

func (d *Desk) AddCc(ctx context.Context, as string, id int64, addr string) error {
	return d.change(ctx, as, id, ticketPath(id, "/cc"), map[string]string{"address": addr})
}

func (d *Desk) RemoveCc(ctx context.Context, as string, id int64, addr string) error {
	return d.change(ctx, as, id, ticketPath(id, "/cc/remove"), map[string]string{"address": addr})
}

func (d *Desk) AddRequestor(ctx context.Context, as string, id int64, addr string) error {
	return d.change(ctx, as, id, ticketPath(id, "/requestors"), map[string]string{"address": addr})
}

func (d *Desk) RemoveRequestor(ctx context.Context, as string, id int64, addr string) error {
	return d.change(ctx, as, id, ticketPath(id, "/requestors/remove"), map[string]string{"address": addr})
}

func (d *Desk) EditTicket(ctx context.Context, as string, id int64, c mailstore.TicketChange) error {
	body := httpd.TicketEdit{Subject: c.Subject, Priority: c.Priority, Estimate: c.Estimate}
	if c.Due != nil {
		body.Due = json.RawMessage("null")
		if !c.Due.IsZero() {
			b, err := json.Marshal(c.Due)
			if err != nil {
				return err
			}
			body.Due = b
		}
	}
	_, err := d.changeHeader(ctx, as, id, "PATCH", ticketPath(id, ""), body)
	return err
}

func (d *Desk) Watch(ctx context.Context, as string, id int64, login string) error {
	return d.change(ctx, as, id, ticketPath(id, "/watchers"), map[string]string{"user": login})
}

func (d *Desk) Unwatch(ctx context.Context, as string, id int64, login string) error {
	return d.change(ctx, as, id, ticketPath(id, "/watchers/remove"), map[string]string{"user": login})
}

func (d *Desk) AddTime(ctx context.Context, as string, id int64, minutes int, comment string) error {
	return d.change(ctx, as, id, ticketPath(id, "/time"), httpd.NewTime{Minutes: minutes, Comment: comment})
}

func (d *Desk) Purge(ctx context.Context, as string, id int64) error {
	return d.change(ctx, as, id, ticketPath(id, "/purge"), struct{}{})
}

func (d *Desk) LinkTicket(ctx context.Context, as string, id int64, typ string, other int64) error {
	return d.change(ctx, as, id, ticketPath(id, "/links"), httpd.NewLink{Type: typ, Ticket: other})
}

func (d *Desk) UnlinkTicket(ctx context.Context, as string, id int64, typ string, other int64) error {
	_, err := d.changeHeader(ctx, as, id, "DELETE", ticketPath(id, "/links"), httpd.NewLink{Type: typ, Ticket: other})
	return err
}

func (d *Desk) Promote(ctx context.Context, as string, id, txn int64) error {
	return d.change(ctx, as, id, ticketPath(id, "/promote"), map[string]int64{"transaction": txn})
}

func (d *Desk) AddReminder(ctx context.Context, as string, id int64, due time.Time, to, text string) (*mailstore.Reminder, error) {
	d.forget()
	var r mailstore.Reminder
	if err := d.client(as).Do(ctx, "POST", ticketPath(id, "/reminders"), httpd.NewReminder{Due: due, To: to, Text: text}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (d *Desk) DoneReminder(ctx context.Context, as string, id, reminder int64) error {
	d.forget()
	return d.client(as).Do(ctx, "POST", ticketPath(id, "/reminders/"+strconv.FormatInt(reminder, 10)+"/done"), struct{}{}, nil)
}

func (d *Desk) CreateQueue(ctx context.Context, as string, nq mailstore.NewQueue) (*mailstore.Queue, error) {
	var q mailstore.Queue
	body := map[string]string{"name": nq.Name, "address": nq.Address, "comment_address": nq.CommentAddress, "tag": nq.Tag, "description": nq.Description, "lang": nq.Lang}
	if err := d.client(as).Do(ctx, "POST", "/api/v1/queues", body, &q); err != nil {
		return nil, err
	}
	return &q, nil
}

func (d *Desk) GrantRole(ctx context.Context, as, queue string, g mailstore.RoleGrant) error {
	return d.client(as).Do(ctx, "POST", queuePath(queue, "/grant"), g, nil)
}

func (d *Desk) RevokeRole(ctx context.Context, as, queue string, g mailstore.RoleGrant) error {
	return d.client(as).Do(ctx, "POST", queuePath(queue, "/revoke"), g, nil)
}

func groupPath(name, rest string) string { return "/api/v1/groups/" + url.PathEscape(name) + rest }

func (d *Desk) Groups(ctx context.Context) ([]mailstore.Group, error) {
	var gs []mailstore.Group
	err := d.get(ctx, "", "/api/v1/groups", nil, &gs)
	return gs, err
}

func (d *Desk) Group(ctx context.Context, name string) (*mailstore.Group, error) {
	var g mailstore.Group
	if err := d.get(ctx, "", groupPath(name, ""), nil, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

func (d *Desk) CreateGroup(ctx context.Context, as, name, description string) (*mailstore.Group, error) {
	var g mailstore.Group
	if err := d.client(as).Do(ctx, "POST", "/api/v1/groups", httpd.NewGroup{Name: name, Description: description}, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

func (d *Desk) AddGroupMembers(ctx context.Context, as, group string, logins []string) (*mailstore.Group, error) {
	return d.members(ctx, as, group, "/add", logins)
}

func (d *Desk) RemoveGroupMembers(ctx context.Context, as, group string, logins []string) (*mailstore.Group, error) {
	return d.members(ctx, as, group, "/remove", logins)
}

func (d *Desk) members(ctx context.Context, as, group, verb string, logins []string) (*mailstore.Group, error) {
	var g mailstore.Group
	if err := d.client(as).Do(ctx, "POST", groupPath(group, verb), httpd.GroupMembers{Users: logins}, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

func (d *Desk) AddUser(ctx context.Context, as string, nu mailstore.NewUser) (*mailstore.User, error) {
	var u mailstore.User
	body := map[string]any{"login": nu.Login, "email": nu.Email, "name": nu.Name, "sysadmin": nu.Sysadmin}
	if err := d.client(as).Do(ctx, "POST", "/api/v1/users", body, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

func (d *Desk) DisableUser(ctx context.Context, as, login string) error {
	return d.client(as).Do(ctx, "POST", "/api/v1/users/"+url.PathEscape(login)+"/disable", struct{}{}, nil)
}

func (d *Desk) CreateToken(ctx context.Context, as, login, name string, expires time.Time) (*mailstore.Token, string, error) {
	body := map[string]any{"user": login, "name": name}
	if !expires.IsZero() {
		body["expires"] = expires
	}
	var it mailstore.IssuedToken
	if err := d.client(as).Do(ctx, "POST", "/api/v1/tokens", body, &it); err != nil {
		return nil, "", err
	}
	if it.Token == nil || it.Secret == "" {
		return nil, "", fmt.Errorf("%s answered no token", d.c.base)
	}
	return it.Token, it.Secret, nil
}

func (d *Desk) ListTokens(ctx context.Context, as, login string) ([]mailstore.Token, error) {
	q := url.Values{}
	if login != "" {
		q.Set("user", login)
	}
	var ts []mailstore.Token
	err := d.get(ctx, as, "/api/v1/tokens", q, &ts)
	return ts, err
}

func (d *Desk) RevokeToken(ctx context.Context, as string, id int64) error {
	return d.client(as).Do(ctx, "DELETE", "/api/v1/tokens/"+strconv.FormatInt(id, 10), nil, nil)
}

func queuePath(queue, rest string) string { return "/api/v1/queues/" + url.PathEscape(queue) + rest }

func (d *Desk) SetQueue(ctx context.Context, as, queue string, c mailstore.QueueChange) (*mailstore.Queue, error) {
	var q mailstore.Queue
	body := httpd.QueueSettings(c)
	if err := d.client(as).Do(ctx, "PATCH", queuePath(queue, ""), body, &q); err != nil {
		return nil, err
	}
	return &q, nil
}

func (d *Desk) SwitchQueue(ctx context.Context, as, queue string, enable bool) error {
	verb := "/disable"
	if enable {
		verb = "/enable"
	}
	return d.client(as).Do(ctx, "POST", queuePath(queue, verb), struct{}{}, nil)
}

func (d *Desk) QueueTemplate(ctx context.Context, queue, kind string) (*mailstore.Template, error) {
	var t mailstore.Template
	if err := d.get(ctx, "", queuePath(queue, "/templates/"+url.PathEscape(kind)), nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

func (d *Desk) SetTemplate(ctx context.Context, as, queue, kind, text string) error {
	return d.client(as).Do(ctx, "PUT", queuePath(queue, "/templates/"+url.PathEscape(kind)), map[string]string{"text": text}, nil)
}

func (d *Desk) ResetTemplate(ctx context.Context, as, queue, kind string) error {
	return d.client(as).Do(ctx, "DELETE", queuePath(queue, "/templates/"+url.PathEscape(kind)), nil, nil)
}

func (d *Desk) PreviewTemplate(ctx context.Context, as, queue, kind string, ticket int64) (*mailstore.Preview, error) {
	q := url.Values{}
	if ticket != 0 {
		q.Set("ticket", strconv.FormatInt(ticket, 10))
	}
	var p mailstore.Preview
	if err := d.get(ctx, as, queuePath(queue, "/templates/"+url.PathEscape(kind)+"/preview"), q, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func (d *Desk) SetUserDigest(ctx context.Context, as, login, when string) (*mailstore.User, error) {
	var u mailstore.User
	if err := d.client(as).Do(ctx, "PATCH", "/api/v1/users/"+url.PathEscape(login), httpd.UserSettings{Digest: &when}, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

func (d *Desk) EnableUser(ctx context.Context, as, login string) error {
	return d.client(as).Do(ctx, "POST", "/api/v1/users/"+url.PathEscape(login)+"/enable", struct{}{}, nil)
}

func (d *Desk) EditUser(ctx context.Context, as, login string, c mailstore.UserChange) (*mailstore.User, error) {
	var u mailstore.User
	body := httpd.UserSettings{Email: c.Email, Name: c.Name, Sysadmin: c.Sysadmin}
	if err := d.client(as).Do(ctx, "PATCH", "/api/v1/users/"+url.PathEscape(login), body, &u); err != nil {
		return nil, err
	}
	return &u, nil
}
