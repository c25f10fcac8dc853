// Package httpd is everything of sak that speaks HTTP: the JSON API under
// /api/v1/ that the sak CLI on a caseworker's machine uses (cli/remote),
// and the caseworkers' web view at / (web.go). It authenticates, decodes,
// calls the same mailstore operations as the CLI, and encodes: no rule
// lives here. Reads go through mailstore's Reader for the acting user,
// writes through the Store's operations, which check rights; errors are
// mapped to statuses once, in errorFor. 'sak serve --http' serves both in
// the mail daemon's process; several front ends on one PostgreSQL need
// nothing between them (tokens, sessions and login codes are rows).
//
// Authentication (RFC 6750): "Authorization: Bearer sak_…", a personal
// token (mailstore.Authenticate), checked at every request, so that a
// revoked token or a disabled user stops at once. The login endpoints are
// the only ones without one: POST /api/v1/login/code mails a one-time code
// to the user's address, POST /api/v1/login/token trades it for a token.
// A sysadmin may act as another user with the header X-Sak-As (the CLI's
// --as); the history then records both (mailstore.WithAgent). Anyone else
// using it gets 403.
//
// Requests and answers are JSON (RFC 8259), the same documents as the
// CLI's -o json; request bodies are decoded strictly (unknown fields are
// refused) and limited in size. Attachments come base64-encoded in the
// JSON body rather than as multipart/form-data: one decoder, one size
// limit and one shape for every request, and no second parser of
// untrusted input, for a third more bytes. Errors are
// {"error": "sentence", "code": "word"} with 400, 401, 403, 404, 409, 413,
// 429 or 503. Every request is logged (user, method, path, status,
// duration); the token never is.
package httpd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"sak/mailstore"
)

// Config are the API's settings. Zero values take the defaults.
type Config struct {
	// Logger gets one line per request; the default discards.
	Logger *slog.Logger
	// Now is the clock of the rate limiter.
	Now func() time.Time
	// MaxBody is the largest request body in bytes (default 16 MiB: a
	// mail of 10 MiB of attachments in base64, with room).
	MaxBody int64
	// RequestTimeout bounds each request's work in the store (default 1
	// minute).
	RequestTimeout time.Duration
	// Rate and Burst make each token's bucket: Rate requests a second on
	// average, Burst at once (defaults 10 and 50). Requests without a
	// token (the login endpoints) are limited per client address alike.
	Rate  float64
	Burst int
	// ForwardedFor takes the client's address from the last entry of
	// X-Forwarded-For, for a server behind a reverse proxy on loopback
	// that sets it; otherwise it is the connection's peer.
	ForwardedFor bool
	// ReadHeaderTimeout and IdleTimeout are for the http.Server (see
	// Server): defaults 10 s and 2 minutes.
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration
}

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 16 << 20
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = time.Minute
	}
	if c.Rate <= 0 {
		c.Rate = 10
	}
	if c.Burst <= 0 {
		c.Burst = 50
	}
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = 10 * time.Second
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 2 * time.Minute
	}
}

// Server is an http.Server for h at addr with the timeouts of cfg and its
// logger as ErrorLog. The write timeout stays unset: a raw mail of many
// megabytes to a slow client may take long; RequestTimeout bounds the
// work.
func Server(addr string, h http.Handler, cfg Config) *http.Server {
	cfg.defaults()
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       5 * time.Minute,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelError),
	}
}

// api serves the API of one store.
type api struct {
	s     *mailstore.Store
	cfg   Config
	log   *slog.Logger
	limit *limiter
}

// New is the API's handler.
func New(s *mailstore.Store, cfg Config) http.Handler {
	cfg.defaults()
	a := &api{s: s, cfg: cfg, log: cfg.Logger, limit: newLimiter(cfg.Rate, cfg.Burst, cfg.Now)}
	mux := http.NewServeMux()
	a.routes(mux)
	a.webRoutes(mux)
	return a.logged(mux)
}

// who is the authenticated caller: the token's user, and the user they act
// as (the same, or another for a sysadmin with X-Sak-As).
type who struct {
	token *mailstore.Token
	user  string
	as    string
}

type whoKey struct{}

// state is what the request's middleware learns, for the log line.
type state struct {
	user   string
	status int
}

type stateKey struct{}

// handler is an API handler: it answers with a document (status 200 unless
// set) or an error.
type handler func(w http.ResponseWriter, r *http.Request, c *who) (any, error)

// authed wraps h with authentication, the rate limit and the acting user.
func (a *api) authed(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a.answer(w, r, func(r *http.Request) (any, error) {
			secret, ok := bearer(r)
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="sak"`)
				return nil, &mailstore.Error{Kind: mailstore.ErrUnauthenticated, Msg: "no token: log in with 'sak login URL --user LOGIN'"}
			}
			tok, err := a.s.Authenticate(r.Context(), secret)
			if err != nil {
				if errors.Is(err, mailstore.ErrUnauthenticated) {
					w.Header().Set("WWW-Authenticate", `Bearer realm="sak", error="invalid_token"`)
				}
				return nil, err
			}
			if st, ok := r.Context().Value(stateKey{}).(*state); ok {
				st.user = tok.User
			}
			if !a.limit.allow(fmt.Sprintf("token:%d", tok.ID)) {
				return nil, &mailstore.Error{Kind: mailstore.ErrLimited, Msg: "too many requests: slow down"}
			}
			c := &who{token: tok, user: tok.User, as: tok.User}
			ctx := mailstore.WithVia(r.Context(), mailstore.ViaAPI)
			if as := strings.TrimSpace(r.Header.Get("X-Sak-As")); as != "" && !strings.EqualFold(as, tok.User) {
				if err := a.s.RequireSysadmin(ctx, tok.User, "act as another user"); err != nil {
					return nil, err
				}
				c.as = strings.ToLower(as)
				ctx = mailstore.WithAgent(ctx, tok.User)
				if st, ok := r.Context().Value(stateKey{}).(*state); ok {
					st.user = tok.User + " as " + c.as
				}
			}
			return h(w, r.WithContext(ctx), c)
		})
	}
}

// open wraps h, which needs no token, with the rate limit per client.
func (a *api) open(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a.answer(w, r, func(r *http.Request) (any, error) {
			if !a.limit.allow("client:" + a.client(r)) {
				return nil, &mailstore.Error{Kind: mailstore.ErrLimited, Msg: "too many requests: slow down"}
			}
			return h(w, r, nil)
		})
	}
}

// answer runs fn under the request timeout and writes its document or
// error.
func (a *api) answer(w http.ResponseWriter, r *http.Request, fn func(r *http.Request) (any, error)) {
	ctx, cancel := context.WithTimeout(r.Context(), a.cfg.RequestTimeout)
	defer cancel()
	r = r.WithContext(ctx)
	doc, err := fn(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	switch d := doc.(type) {
	case nil:
		w.WriteHeader(http.StatusNoContent)
	case raw:
		w.Header().Set("Content-Type", d.contentType)
		w.Write(d.data)
	case withStatus:
		writeJSON(w, d.code, d.doc)
	default:
		writeJSON(w, http.StatusOK, doc)
	}
}

// raw is an answer that is not JSON.
type raw struct {
	contentType string
	data        []byte
}

// withStatus is a document answered with another status than 200.
type withStatus struct {
	code int
	doc  any
}

// created is a document answered with 201.
func created(doc any) withStatus { return withStatus{http.StatusCreated, doc} }

func writeJSON(w http.ResponseWriter, status int, doc any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(doc)
}

// bearer is the token of the Authorization header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// client is the client's address.
func (a *api) client(r *http.Request) string {
	if a.cfg.ForwardedFor {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if ip := net.ParseIP(strings.TrimSpace(last)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// decode reads the JSON body into v: at most MaxBody bytes, no unknown
// fields, one value.
func (a *api) decode(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, a.cfg.MaxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge{mbe.Limit}
		}
		return &mailstore.Error{Kind: mailstore.ErrInvalid, Msg: "the request body is not the JSON asked for: " + jsonProblem(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge{mbe.Limit}
		}
		return &mailstore.Error{Kind: mailstore.ErrInvalid, Msg: "the request body holds more than one JSON value"}
	}
	return nil
}

// jsonProblem says what is wrong with a body, without quoting it.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q must be a %s", te.Field, te.Type)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "it is empty or cut short"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "invalid JSON"
}

type errTooLarge struct{ limit int64 }

func (e errTooLarge) Error() string {
	return fmt.Sprintf("the request body is larger than %d bytes", e.limit)
}

// apiError is the error document.
type apiError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// errorFor maps an error to its status and document, once for the API:
// a refusal says its sentence; anything else is logged and answered with
// a sentence that reveals nothing of the setup.
func errorFor(err error) (int, apiError) {
	var tl errTooLarge
	var re *mailstore.Error
	if errors.As(err, &tl) {
		return http.StatusRequestEntityTooLarge, apiError{tl.Error(), "too_large"}
	}
	if errors.As(err, &re) {
		switch {
		case errors.Is(err, mailstore.ErrUnauthenticated):
			return http.StatusUnauthorized, apiError{re.Msg, "unauthenticated"}
		case errors.Is(err, mailstore.ErrPermission):
			return http.StatusForbidden, apiError{re.Msg, "forbidden"}
		case errors.Is(err, mailstore.ErrNotFound), errors.Is(err, mailstore.ErrUnknownQueue), errors.Is(err, mailstore.ErrUnknownUser):
			return http.StatusNotFound, apiError{re.Msg, "not_found"}
		case errors.Is(err, mailstore.ErrConflict), errors.Is(err, mailstore.ErrDisabled):
			return http.StatusConflict, apiError{re.Msg, "conflict"}
		case errors.Is(err, mailstore.ErrInvalid):
			return http.StatusBadRequest, apiError{re.Msg, "invalid"}
		case errors.Is(err, mailstore.ErrLimited):
			return http.StatusTooManyRequests, apiError{re.Msg, "rate_limited"}
		case errors.Is(err, mailstore.ErrSchema):
			return http.StatusServiceUnavailable, apiError{"the server's database is being upgraded: try again later", "unavailable"}
		}
	}
	return http.StatusServiceUnavailable, apiError{"the server could not do it now: try again later", "unavailable"}
}

func (a *api) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, doc := errorFor(err)
	if status == http.StatusServiceUnavailable {
		a.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, status, doc)
}

// logged logs every request: user, method, path (never the query or a
// header, so never a token), status and duration.
func (a *api) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := a.cfg.Now()
		st := &state{status: http.StatusOK}
		sw := &statusWriter{ResponseWriter: w, st: st}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
		a.log.Info("request", "user", st.user, "method", r.Method, "path", r.URL.Path, "status", st.status,
			"duration", a.cfg.Now().Sub(start), "client", a.client(r))
	})
}

type statusWriter struct {
	http.ResponseWriter
	st    *state
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.st.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}
