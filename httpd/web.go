package httpd

// The web view: plain server-rendered pages for caseworkers at /, beside
// the API. Pages are html/template (escaping every value) embedded in the
// binary; there is no script at all, and the Content-Security-Policy
// says so. A session is an API token (mailstore.Authenticate, checked at
// every request) kept in an HttpOnly cookie, got by the same mailed code
// as 'sak login' and revoked at /logout. Every change is a POST carrying
// a CSRF token derived from the session's secret (a login form's from a
// cookie of its own); reads go through the user's mailstore.Reader,
// changes through the Store's operations, as for the API.

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"sak/mailstore"
)

//go:embed web
var webFS embed.FS

// pageTime is a time as the web view shows it (in UTC, as the store
// keeps times).
func pageTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"time": pageTime,
	"date": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return pageTime(*t)
	},
	"owner": func(t mailstore.Ticket) string { return t.OwnerLogin() },
	"first": func(ss []string) string {
		if len(ss) == 0 {
			return ""
		}
		return ss[0]
	},
	"join":   strings.Join,
	"blocks": textBlocks,
	// people are addresses as "Name <addr>" where the ticket knows names.
	"people": func(t *mailstore.Ticket, addrs []string) string {
		out := make([]string, len(addrs))
		for i, a := range addrs {
			out[i] = t.Person(a)
		}
		return strings.Join(out, ", ")
	},
	"pct": func(f float64) string { return fmt.Sprintf("%.0f %%", 100*f) },
	"add": func(a, b int) int { return a + b },
	"sub": func(a, b int) int { return a - b },
	// dict is the data of the tickets table: the words and the tickets.
	"dict": func(L map[string]string, ts []mailstore.Ticket) map[string]any {
		return map[string]any{"L": L, "Tickets": ts}
	},
}).ParseFS(webFS, "web/*.html"))

// Cookies of the web view.
const (
	sessionCookie = "sak_session"
	csrfCookie    = "sak_csrf" // the login form's, before there is a session
	langCookie    = "sak_lang"
)

// view is what every page gets.
type view struct {
	L     map[string]string // the words of the page's language
	Lang  string
	User  string
	CSRF  string
	Title string
	Path  string // of the page, for the language switch
	Error string
	Data  any
}

// webUser is a request's session.
type webUser struct {
	token  *mailstore.Token
	login  string
	csrf   string
	secure bool
}

// csrfOf is the CSRF token of a session: a MAC of its secret, which a
// page of another site can neither read nor make.
func csrfOf(secret string) string {
	m := hmac.New(sha256.New, []byte("sak web csrf"))
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

func (a *api) webRoutes(mux *http.ServeMux) {
	static, _ := fs.Sub(webFS, "web")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /login", a.loginPage)
	mux.HandleFunc("POST /login", a.loginPost)
	mux.HandleFunc("POST /logout", a.webAuthed(a.logoutPost))
	mux.HandleFunc("GET /lang/{lang}", a.setLang)
	mux.HandleFunc("GET /{$}", a.webAuthed(a.homePage))
	mux.HandleFunc("GET /queues/{name}", a.webAuthed(a.queuePage))
	mux.HandleFunc("GET /tickets/{id}", a.webAuthed(a.ticketPage))
	mux.HandleFunc("GET /tickets/{id}/mails/{msg}/attachments/{n}", a.webAuthed(a.attachmentGet))
	mux.HandleFunc("POST /tickets/{id}/{verb}", a.webAuthed(a.ticketPost))
	mux.HandleFunc("GET /search", a.webAuthed(a.searchPage))
	mux.HandleFunc("GET /stats", a.webAuthed(a.statsPage))
}

// secureHeaders are the headers of every page: no script, no framing,
// no sniffing, no referrer leaking ticket numbers.
func secureHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
}

// secure says whether the request came over TLS (itself, or to the
// reverse proxy that says so).
func (a *api) secure(r *http.Request) bool {
	return r.TLS != nil || (a.cfg.ForwardedFor && r.Header.Get("X-Forwarded-Proto") == "https")
}

// webAuthed wraps a page with its session: none, or a dead one, goes to
// the login page; a POST without the session's CSRF token is refused.
func (a *api) webAuthed(h func(w http.ResponseWriter, r *http.Request, u *webUser) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w)
		c, err := r.Cookie(sessionCookie)
		var tok *mailstore.Token
		if err == nil {
			tok, err = a.s.Authenticate(r.Context(), c.Value)
		}
		if err != nil {
			if err != http.ErrNoCookie && !errors.Is(err, mailstore.ErrUnauthenticated) {
				a.webError(w, r, nil, err)
				return
			}
			if r.Method != http.MethodGet {
				a.webError(w, r, nil, &mailstore.Error{Kind: mailstore.ErrUnauthenticated, Msg: "not logged in"})
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if st, ok := r.Context().Value(stateKey{}).(*state); ok {
			st.user = tok.User
		}
		if !a.limit.allow(fmt.Sprintf("token:%d", tok.ID)) {
			a.webError(w, r, nil, &mailstore.Error{Kind: mailstore.ErrLimited, Msg: "too many requests: slow down"})
			return
		}
		u := &webUser{token: tok, login: tok.User, csrf: csrfOf(c.Value), secure: a.secure(r)}
		if r.Method == http.MethodPost {
			if err := r.ParseMultipartForm(a.cfg.MaxBody); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				a.webError(w, r, u, &mailstore.Error{Kind: mailstore.ErrInvalid, Msg: "the form could not be read"})
				return
			}
			if !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(u.csrf)) {
				a.webError(w, r, u, &mailstore.Error{Kind: mailstore.ErrPermission, Msg: "the form is stale or came from elsewhere: reload the page and try again"})
				return
			}
		}
		ctx := mailstore.WithVia(r.Context(), mailstore.ViaAPI)
		if err := h(w, r.WithContext(ctx), u); err != nil {
			a.webError(w, r, u, err)
		}
	}
}

// lang is the request's language: the cookie the switch sets, else the
// first of Accept-Language that sak speaks, else Norwegian.
func lang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && words[c.Value] != nil {
		return c.Value
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		switch base {
		case "nb", "no", "nn":
			return "nb"
		case "en":
			return "en"
		}
	}
	return "nb"
}

// render writes a page.
func (a *api) render(w http.ResponseWriter, r *http.Request, u *webUser, status int, name, title string, data any) {
	lg := lang(r)
	v := view{L: words[lg], Lang: lg, Title: title, Path: r.URL.RequestURI(), Data: data}
	if u != nil {
		v.User, v.CSRF = u.login, u.csrf
	}
	if v.Title == "" {
		v.Title = v.L[name]
	}
	var b strings.Builder
	if err := pages.ExecuteTemplate(&b, name+".html", v); err != nil {
		a.log.Error("page failed", "page", name, "err", err)
		http.Error(w, "the page could not be made", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}

// webError answers a failure as a page: the same statuses as the API,
// and a sentence that says what to do next.
func (a *api) webError(w http.ResponseWriter, r *http.Request, u *webUser, err error) {
	secureHeaders(w)
	status, doc := errorFor(err)
	if status == http.StatusServiceUnavailable {
		a.log.Error("page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	title := words[lang(r)][fmt.Sprintf("err_%d", status)]
	if title == "" {
		title = fmt.Sprint(status)
	}
	a.render(w, r, u, status, "error", title, doc.Error)
}

// back sends the browser to a page of the view after a change.
func back(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// localPath is p when it is a path of this site, else "/".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}

func (a *api) setLang(w http.ResponseWriter, r *http.Request) {
	lg := r.PathValue("lang")
	if words[lg] == nil {
		lg = "nb"
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lg, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.secure(r)})
	back(w, r, localPath(r.URL.Query().Get("back")))
}

// loginForm is the login page's state.
type loginForm struct {
	User  string
	Next  string
	Sent  bool // the code was asked for: ask for it
	CSRF  string
	Error string
}

// loginCSRF is the login form's CSRF token, from its cookie (set here
// when missing).
func (a *api) loginCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 32 {
		return c.Value
	}
	var b [16]byte
	rand.Read(b[:])
	v := hex.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/login", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: a.secure(r)})
	return v
}

func (a *api) loginPage(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w)
	f := loginForm{Next: localPath(r.URL.Query().Get("next")), CSRF: a.loginCSRF(w, r)}
	a.render(w, r, nil, http.StatusOK, "login", "", f)
}

// loginPost asks for a code (a user name alone) or trades one for a
// session (user name and code), with the API's rate limit per client.
func (a *api) loginPost(w http.ResponseWriter, r *http.Request) {
	secureHeaders(w)
	f := loginForm{User: strings.ToLower(strings.TrimSpace(r.PostFormValue("user"))), Next: localPath(r.PostFormValue("next"))}
	c, err := r.Cookie(csrfCookie)
	if err != nil || !hmac.Equal([]byte(c.Value), []byte(r.PostFormValue("csrf"))) {
		a.webError(w, r, nil, &mailstore.Error{Kind: mailstore.ErrPermission, Msg: "the form is stale or came from elsewhere: reload the page and try again"})
		return
	}
	f.CSRF = c.Value
	if !a.limit.allow("client:" + a.client(r)) {
		a.webError(w, r, nil, &mailstore.Error{Kind: mailstore.ErrLimited, Msg: "too many requests: slow down"})
		return
	}
	L := words[lang(r)]
	code := strings.TrimSpace(r.PostFormValue("code"))
	switch {
	case f.User == "":
		f.Error = L["login_user_missing"]
	case code == "":
		if err := a.s.RequestLoginCode(r.Context(), f.User, a.client(r)); err != nil {
			if !mailstore.IsRefusal(err) {
				a.webError(w, r, nil, err)
				return
			}
			f.Error = err.Error()
		} else {
			f.Sent = true
		}
	default:
		f.Sent = true
		tok, secret, err := a.s.RedeemLoginCode(r.Context(), f.User, code, "web")
		if err != nil {
			if !mailstore.IsRefusal(err) {
				a.webError(w, r, nil, err)
				return
			}
			f.Error = L["login_code_wrong"]
			break
		}
		ck := &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.secure(r)}
		if tok.Expires != nil {
			ck.Expires = *tok.Expires
		}
		http.SetCookie(w, ck)
		back(w, r, f.Next)
		return
	}
	a.render(w, r, nil, http.StatusOK, "login", "", f)
}

func (a *api) logoutPost(w http.ResponseWriter, r *http.Request, u *webUser) error {
	if err := a.s.RevokeToken(r.Context(), u.login, u.token.ID); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: u.secure})
	back(w, r, "/login")
	return nil
}
