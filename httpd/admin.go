package httpd

import (
	"fmt"
	"net/http"
	"time"

	"sak/mailstore"
)

var sprintf = fmt.Sprintf

func (a *api) listQueues(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	qs, err := a.s.Queues(r.Context())
	if qs == nil && err == nil {
		qs = []mailstore.Queue{}
	}
	return qs, err
}

func (a *api) showQueue(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	return a.s.As(c.as).QueueDetail(r.Context(), r.PathValue("name"))
}

type newQueue struct {
	Name           string `json:"name"`
	Address        string `json:"address"`
	CommentAddress string `json:"comment_address"`
	Tag            string `json:"tag"`
	Description    string `json:"description"`
	Lang           string `json:"lang"` // nb, en or nb+en; default nb+en
}

func (a *api) createQueue(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	var nq newQueue
	if err := a.decode(w, r, &nq); err != nil {
		return nil, err
	}
	q, err := a.s.CreateQueue(r.Context(), c.as, mailstore.NewQueue(nq))
	if err != nil {
		return nil, err
	}
	return created(q), nil
}

// role grants or revokes a role on a queue, to or from a user or a group
// (a mailstore.RoleGrant), and answers the queue.
func (a *api) role(grant bool) handler {
	return func(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
		var body mailstore.RoleGrant
		if err := a.decode(w, r, &body); err != nil {
			return nil, err
		}
		name := r.PathValue("name")
		var err error
		if grant {
			err = a.s.GrantRole(r.Context(), c.as, name, body)
		} else {
			err = a.s.RevokeRole(r.Context(), c.as, name, body)
		}
		if err != nil {
			return nil, err
		}
		return a.s.As(c.as).QueueDetail(r.Context(), name)
	}
}

// NewGroup is the body of POST /api/v1/groups.
type NewGroup struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// GroupMembers is the body of POST /api/v1/groups/{name}/add and
// /remove: the logins to add or remove.
type GroupMembers struct {
	Users []string `json:"users"`
}

func (a *api) listGroups(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	gs, err := a.s.Groups(r.Context())
	if gs == nil && err == nil {
		gs = []mailstore.Group{}
	}
	return gs, err
}

func (a *api) showGroup(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	return a.s.Group(r.Context(), r.PathValue("name"))
}

func (a *api) createGroup(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	var ng NewGroup
	if err := a.decode(w, r, &ng); err != nil {
		return nil, err
	}
	g, err := a.s.CreateGroup(r.Context(), c.as, ng.Name, ng.Description)
	if err != nil {
		return nil, err
	}
	return created(g), nil
}

// groupMembers adds users to a group or removes them, and answers the
// group.
func (a *api) groupMembers(add bool) handler {
	return func(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
		var body GroupMembers
		if err := a.decode(w, r, &body); err != nil {
			return nil, err
		}
		change := a.s.RemoveGroupMembers
		if add {
			change = a.s.AddGroupMembers
		}
		return change(r.Context(), c.as, r.PathValue("name"), body.Users)
	}
}

func (a *api) listUsers(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	us, err := a.s.Users(r.Context())
	if us == nil && err == nil {
		us = []mailstore.User{}
	}
	return us, err
}

func (a *api) showUser(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	return a.s.User(r.Context(), r.PathValue("login"))
}

type newUser struct {
	Login    string `json:"login"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Sysadmin bool   `json:"sysadmin"`
}

func (a *api) addUser(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	var nu newUser
	if err := a.decode(w, r, &nu); err != nil {
		return nil, err
	}
	u, err := a.s.AddUser(r.Context(), c.as, mailstore.NewUser(nu))
	if err != nil {
		return nil, err
	}
	return created(u), nil
}

// POST /api/v1/users/{login}/disable and /enable answer the user.
func (a *api) switchUser(enable bool) handler {
	return func(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
		login := r.PathValue("login")
		change := a.s.DisableUser
		if enable {
			change = a.s.EnableUser
		}
		if err := change(r.Context(), c.as, login); err != nil {
			return nil, err
		}
		return a.s.User(r.Context(), login)
	}
}

// Whoami is what GET /api/v1/whoami answers: who the token is, and whom
// the request acts as.
type Whoami struct {
	User  string           `json:"user"`
	As    string           `json:"as"`
	Token *mailstore.Token `json:"token"`
}

func (a *api) whoami(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	return Whoami{User: c.user, As: c.as, Token: c.token}, nil
}

// GET /api/v1/tokens?user=LOGIN: the acting user's tokens (a sysadmin's:
// anyone's).
func (a *api) listTokens(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	return a.s.ListTokens(r.Context(), c.as, r.URL.Query().Get("user"))
}

func (a *api) createToken(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	var body struct {
		User    string     `json:"user"`
		Name    string     `json:"name"`
		Expires *time.Time `json:"expires"`
	}
	if err := a.decode(w, r, &body); err != nil {
		return nil, err
	}
	var exp time.Time
	if body.Expires != nil {
		exp = *body.Expires
	}
	tok, secret, err := a.s.CreateToken(r.Context(), c.as, body.User, body.Name, exp)
	if err != nil {
		return nil, err
	}
	return created(mailstore.IssuedToken{Token: tok, Secret: secret}), nil
}

// DELETE /api/v1/tokens/{id}; "current" is the token of the request
// ('sak logout').
func (a *api) revokeToken(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	id := c.token.ID
	if r.PathValue("id") != "current" {
		var err error
		if id, err = ticketID(r, "id"); err != nil {
			return nil, err
		}
	}
	return nil, a.s.RevokeToken(r.Context(), c.as, id)
}

// LoginCode is the body of POST /api/v1/login/code.
type LoginCode struct {
	User string `json:"user"`
}

// loginCode mails a code. The answer is the same whether the user exists
// or not.
func (a *api) loginCode(w http.ResponseWriter, r *http.Request, _ *who) (any, error) {
	var body LoginCode
	if err := a.decode(w, r, &body); err != nil {
		return nil, err
	}
	if err := a.s.RequestLoginCode(r.Context(), body.User, a.client(r)); err != nil {
		return nil, err
	}
	return withStatus{http.StatusAccepted, map[string]string{"status": "a code was mailed to the address sak has for " + body.User + ", if sak knows that user"}}, nil
}

// LoginToken is the body of POST /api/v1/login/token.
type LoginToken struct {
	User string `json:"user"`
	Code string `json:"code"`
	Name string `json:"name"` // of the token, e.g. the machine's
}

func (a *api) loginToken(w http.ResponseWriter, r *http.Request, _ *who) (any, error) {
	var body LoginToken
	if err := a.decode(w, r, &body); err != nil {
		return nil, err
	}
	tok, secret, err := a.s.RedeemLoginCode(r.Context(), body.User, body.Code, body.Name)
	if err != nil {
		return nil, err
	}
	return created(mailstore.IssuedToken{Token: tok, Secret: secret}), nil
}

// QueueSettings is the body of PATCH /api/v1/queues/{name}: the fields
// given change ('sak queue set').
type QueueSettings struct {
	Lang           *string `json:"lang"`
	Signature      *string `json:"signature"`
	NotifyResolved *bool   `json:"notify_resolved"`
	DigestDefault  *string `json:"digest_default"`
	Address        *string `json:"address"`
	CommentAddress *string `json:"comment_address"`
	Name           *string `json:"name"`
	Tag            *string `json:"tag"`
}

func (a *api) setQueue(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	var body QueueSettings
	if err := a.decode(w, r, &body); err != nil {
		return nil, err
	}
	return a.s.SetQueue(r.Context(), c.as, r.PathValue("name"), mailstore.QueueChange(body))
}

// POST /api/v1/queues/{name}/disable and /enable: the queue as it is now.
func (a *api) switchQueue(enable bool) handler {
	return func(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
		if err := a.decode(w, r, &struct{}{}); err != nil {
			return nil, err
		}
		name := r.PathValue("name")
		if err := a.s.SwitchQueue(r.Context(), c.as, name, enable); err != nil {
			return nil, err
		}
		return map[string]any{"queue": name, "disabled": !enable}, nil
	}
}

// GET, PUT and DELETE /api/v1/queues/{name}/templates/{kind}: the
// template in effect, the queue's own set ({"text": …}), reset to the
// built-in.
func (a *api) queueTemplate(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	return a.s.QueueTemplate(r.Context(), r.PathValue("name"), r.PathValue("kind"))
}

func (a *api) setTemplate(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	var body struct {
		Text string `json:"text"`
	}
	if err := a.decode(w, r, &body); err != nil {
		return nil, err
	}
	if err := a.s.SetTemplate(r.Context(), c.as, r.PathValue("name"), r.PathValue("kind"), body.Text); err != nil {
		return nil, err
	}
	return a.s.QueueTemplate(r.Context(), r.PathValue("name"), r.PathValue("kind"))
}

func (a *api) resetTemplate(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	if err := a.s.ResetTemplate(r.Context(), c.as, r.PathValue("name"), r.PathValue("kind")); err != nil {
		return nil, err
	}
	return a.s.QueueTemplate(r.Context(), r.PathValue("name"), r.PathValue("kind"))
}

// GET /api/v1/queues/{name}/templates/{kind}/preview?ticket=ID
func (a *api) previewTemplate(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	ticket, err := queryInt(r.URL.Query(), "ticket", 0)
	if err != nil {
		return nil, err
	}
	return a.s.As(c.as).PreviewTemplate(r.Context(), r.PathValue("name"), r.PathValue("kind"), ticket)
}

// UserSettings is the body of PATCH /api/v1/users/{login}: the fields
// given change. digest ("HH:MM", "off", "default") is the user's own or a
// sysadmin's ('sak user set'); email, name and sysadmin are a sysadmin's
// ('sak user edit').
type UserSettings struct {
	Digest   *string `json:"digest"`
	Email    *string `json:"email"`
	Name     *string `json:"name"`
	Sysadmin *bool   `json:"sysadmin"`
}

func (a *api) setUser(w http.ResponseWriter, r *http.Request, c *who) (any, error) {
	var body UserSettings
	if err := a.decode(w, r, &body); err != nil {
		return nil, err
	}
	login := r.PathValue("login")
	if body.Email != nil || body.Name != nil || body.Sysadmin != nil {
		if _, err := a.s.EditUser(r.Context(), c.as, login, mailstore.UserChange{Email: body.Email, Name: body.Name, Sysadmin: body.Sysadmin}); err != nil {
			return nil, err
		}
	}
	if body.Digest != nil {
		return a.s.SetUserDigest(r.Context(), c.as, login, *body.Digest)
	}
	return a.s.User(r.Context(), login)
}
