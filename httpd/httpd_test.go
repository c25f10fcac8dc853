package httpd_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"sak/httpd"
	"sak/mailstore"
	"sak/mailstore/storetest"
)

// syncBuffer is a log sink for concurrent requests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a store with the service desk of storetest.Desk, a ticket in
// support (1), the API over it, and a token for each user.
type env struct {
	t      *testing.T
	s      *mailstore.Store
	srv    *httptest.Server
	log    *syncBuffer
	tokens map[string]string
	ticket int64
	clock  *clock
}

// clock is the store's clock, which a test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newEnv(t *testing.T, open storetest.Opener, cfg httpd.Config) *env {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Now().UTC()}
	s := open(t, mailstore.WithClock(clk.now))
	storetest.Desk(t, s)
	e := &env{t: t, s: s, log: &syncBuffer{}, tokens: map[string]string{}, clock: clk}
	for _, u := range []string{"root", "alice", "bob", "carol"} {
		_, secret, err := s.CreateToken(ctx, "root", u, "test", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[u] = secret
	}
	id, err := s.CreateTicket(ctx, "alice", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com"}, Subject: "Printer on fire", Text: "It burns."})
	if err != nil {
		t.Fatal(err)
	}
	e.ticket = id
	cfg.Logger = slog.New(slog.NewTextHandler(e.log, nil))
	e.srv = httptest.NewServer(httpd.New(s, cfg))
	t.Cleanup(e.srv.Close)
	return e
}

// do makes a request with token (none when ""), a JSON body (none when
// nil; a string or []byte as it is) and headers as name, value pairs.
func (e *env) do(method, path, token string, body any, headers ...string) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// state is what a request could change: the ticket's history and the
// outbox, as counts.
func (e *env) state() string {
	e.t.Helper()
	ctx := context.Background()
	txs, err := e.s.History(ctx, e.ticket)
	if err != nil {
		e.t.Fatal(err)
	}
	rows, err := e.s.Outbox(ctx, mailstore.OutboxFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	tk, err := e.s.Ticket(ctx, e.ticket)
	if err != nil {
		e.t.Fatal(err)
	}
	return fmt.Sprintf("%d transactions, %d outbox rows, owner %q, status %s", len(txs), len(rows), tk.OwnerLogin(), tk.Status)
}

func wantError(t *testing.T, what string, status int, body []byte, wantStatus int, wantCode string) {
	t.Helper()
	var doc struct{ Error, Code string }
	if status != wantStatus || json.Unmarshal(body, &doc) != nil || doc.Code != wantCode || doc.Error == "" {
		t.Errorf("%s: %d %s, want %d with code %q", what, status, body, wantStatus, wantCode)
	}
}

func TestUnauthenticated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		e := newEnv(t, open, httpd.Config{})
		ctx := context.Background()
		take := fmt.Sprintf("/api/v1/tickets/%d/take", e.ticket)
		before := e.state()

		_, expiring, err := e.s.CreateToken(ctx, "root", "alice", "", e.clock.now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if status, _ := e.do("GET", "/api/v1/whoami", expiring, nil); status != http.StatusOK {
			t.Errorf("a token before its expiry: %d", status)
		}
		e.clock.add(time.Hour)
		_, revoked, err := e.s.CreateToken(ctx, "alice", "", "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		ts, _ := e.s.ListTokens(ctx, "alice", "")
		if err := e.s.RevokeToken(ctx, "alice", ts[len(ts)-1].ID); err != nil {
			t.Fatal(err)
		}
		if err := e.s.DisableUser(ctx, "root", "bob"); err != nil {
			t.Fatal(err)
		}
		other := mailstore.TokenPrefix + strings.Repeat("A", len(revoked)-len(mailstore.TokenPrefix))
		for _, c := range []struct{ name, header string }{
			{"no token", ""},
			{"basic auth", "Basic YWxpY2U6eA=="},
			{"malformed", "Bearer sak_xyz"},
			{"another server's", "Bearer " + other},
			{"revoked", "Bearer " + revoked},
			{"disabled user", "Bearer " + e.tokens["bob"]},
			{"expired", "Bearer " + expiring},
		} {
			status, body := e.do("POST", take, "", nil, "Authorization", c.header)
			wantError(t, c.name, status, body, http.StatusUnauthorized, "unauthenticated")
		}
		if after := e.state(); after != before {
			t.Errorf("after refused requests: %s, want %s", after, before)
		}
		if status, _ := e.do("GET", "/api/v1/whoami", e.tokens["alice"], nil); status != http.StatusOK {
			t.Errorf("a valid token: %d", status)
		}
		for _, secret := range []string{revoked, e.tokens["bob"], expiring} {
			if strings.Contains(e.log.String(), secret) || strings.Contains(e.log.String(), secret[len(mailstore.TokenPrefix):]) {
				t.Errorf("the log holds a token:\n%s", e.log.String())
			}
		}
	})
}

func TestRights(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		e := newEnv(t, open, httpd.Config{})
		path := fmt.Sprintf("/api/v1/tickets/%d", e.ticket)
		before := e.state()
		status, body := e.do("GET", path, e.tokens["carol"], nil)
		wantError(t, "carol reads a support ticket", status, body, http.StatusNotFound, "not_found")
		status, body = e.do("POST", path+"/take", e.tokens["carol"], nil)
		wantError(t, "carol takes a support ticket", status, body, http.StatusNotFound, "not_found")
		status, body = e.do("POST", path+"/take", e.tokens["alice"], nil, "X-Sak-As", "bob")
		wantError(t, "alice acts as bob", status, body, http.StatusForbidden, "forbidden")
		if after := e.state(); after != before {
			t.Errorf("after refused requests: %s, want %s", after, before)
		}
		// A sysadmin acts for alice: the history names both.
		status, body = e.do("POST", path+"/take", e.tokens["root"], nil, "X-Sak-As", "alice")
		if status != http.StatusOK {
			t.Fatalf("root takes as alice: %d %s", status, body)
		}
		var d mailstore.Detail
		status, body = e.do("GET", path, e.tokens["alice"], nil)
		if status != http.StatusOK || json.Unmarshal(body, &d) != nil {
			t.Fatalf("show: %d %s", status, body)
		}
		last := d.Transactions[len(d.Transactions)-1]
		if d.OwnerLogin() != "alice" || last.Actor != "alice" || last.Agent != "root" || last.Via != mailstore.ViaAPI {
			t.Errorf("after root took it as alice: owner %q, last %+v", d.OwnerLogin(), last)
		}
		// Already owned: 409, with the CLI's sentence.
		status, body = e.do("POST", path+"/take", e.tokens["bob"], nil)
		wantError(t, "bob takes alice's ticket", status, body, http.StatusConflict, "conflict")
		if !strings.Contains(string(body), "steal it instead") {
			t.Errorf("take of an owned ticket: %s, want the CLI's sentence", body)
		}
		// Sysadmin operations.
		status, body = e.do("POST", "/api/v1/queues", e.tokens["alice"], map[string]string{"name": "x", "address": "x@example.org"})
		wantError(t, "alice creates a queue", status, body, http.StatusForbidden, "forbidden")
		status, body = e.do("POST", "/api/v1/queues", e.tokens["root"], map[string]string{"name": "x", "address": "x@example.org"})
		if status != http.StatusCreated {
			t.Errorf("root creates a queue: %d %s", status, body)
		}
	})
}

func TestBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		e := newEnv(t, open, httpd.Config{MaxBody: 4096})
		reply := fmt.Sprintf("/api/v1/tickets/%d/reply", e.ticket)
		before := e.state()
		file := func(name string) map[string]any {
			return map[string]any{"text": "See attached.", "files": []map[string]string{{"name": name, "data": base64.StdEncoding.EncodeToString([]byte("x"))}}}
		}
		for _, c := range []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"oversized", map[string]string{"text": strings.Repeat("x", 5000)}, http.StatusRequestEntityTooLarge, "too_large"},
			{"invalid JSON", `{"text": "hi"`, http.StatusBadRequest, "invalid"},
			{"not an object", `[1]`, http.StatusBadRequest, "invalid"},
			{"two values", `{"text": "a"} {"text": "b"}`, http.StatusBadRequest, "invalid"},
			{"unknown field", `{"text": "hi", "bcc": "eve@example.com"}`, http.StatusBadRequest, "invalid"},
			{"empty", ``, http.StatusBadRequest, "invalid"},
			{"path traversal", file("../../etc/passwd"), http.StatusBadRequest, "invalid"},
			{"backslash path", file(`..\boot.ini`), http.StatusBadRequest, "invalid"},
			{"dot dot", file(".."), http.StatusBadRequest, "invalid"},
			{"control character", file("a\nb.txt"), http.StatusBadRequest, "invalid"},
			{"not base64", map[string]any{"text": "x", "files": []map[string]string{{"name": "a.txt", "data": "!!"}}}, http.StatusBadRequest, "invalid"},
		} {
			status, body := e.do("POST", reply, e.tokens["alice"], c.body)
			wantError(t, c.name, status, body, c.status, c.code)
		}
		status, body := e.do("GET", "/api/v1/tickets/x1", e.tokens["alice"], nil)
		wantError(t, "bad id", status, body, http.StatusBadRequest, "invalid")
		status, body = e.do("GET", "/api/v1/nothing", e.tokens["alice"], nil)
		wantError(t, "unknown path", status, body, http.StatusNotFound, "not_found")
		if after := e.state(); after != before {
			t.Errorf("after bad requests: %s, want %s", after, before)
		}
		// A plain name goes through.
		if status, body := e.do("POST", reply, e.tokens["alice"], file("report.txt")); status != http.StatusOK {
			t.Errorf("reply with report.txt: %d %s", status, body)
		}
	})
}

func TestConcurrentTake(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		e := newEnv(t, open, httpd.Config{})
		take := fmt.Sprintf("/api/v1/tickets/%d/take", e.ticket)
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, u := range []string{"alice", "bob"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i], _ = e.do("POST", take, e.tokens[u], nil)
			}()
		}
		wg.Wait()
		ok, conflict := 0, 0
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				ok++
			case http.StatusConflict:
				conflict++
			}
		}
		if ok != 1 || conflict != 1 {
			t.Errorf("two takes: %v, want one 200 and one 409", statuses)
		}
	})
}

func TestLoginByMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		e := newEnv(t, open, httpd.Config{})
		// An unknown user gets the same answer as a known one.
		s1, b1 := e.do("POST", "/api/v1/login/code", "", map[string]string{"user": "alice"})
		s2, b2 := e.do("POST", "/api/v1/login/code", "", map[string]string{"user": "mallory"})
		if s1 != http.StatusAccepted || s2 != s1 || len(b1) != len(b2)+len("alice")-len("mallory") {
			t.Errorf("code for alice: %d %s; for mallory: %d %s", s1, b1, s2, b2)
		}
		code := storetest.LoginCode(t, e.s, "alice@example.org")
		wrong := "00000000"
		if code == wrong {
			wrong = "00000001"
		}
		for i := 0; i < mailstore.LoginCodeTries; i++ {
			status, body := e.do("POST", "/api/v1/login/token", "", map[string]string{"user": "alice", "code": wrong})
			wantError(t, "wrong code", status, body, http.StatusUnauthorized, "unauthenticated")
		}
		status, body := e.do("POST", "/api/v1/login/token", "", map[string]string{"user": "alice", "code": code})
		wantError(t, "right code after 5 wrong", status, body, http.StatusUnauthorized, "unauthenticated")

		// A new code: the end-to-end story.
		if status, body := e.do("POST", "/api/v1/login/code", "", map[string]string{"user": "alice"}); status != http.StatusAccepted {
			t.Fatalf("code: %d %s", status, body)
		}
		code = storetest.LoginCode(t, e.s, "alice@example.org")
		status, body = e.do("POST", "/api/v1/login/token", "", map[string]string{"user": "alice", "code": code, "name": "laptop"})
		var nt mailstore.IssuedToken
		if status != http.StatusCreated || json.Unmarshal(body, &nt) != nil || !strings.HasPrefix(nt.Secret, mailstore.TokenPrefix) {
			t.Fatalf("token: %d %s", status, body)
		}
		status, body = e.do("POST", "/api/v1/login/token", "", map[string]string{"user": "alice", "code": code})
		wantError(t, "code used twice", status, body, http.StatusUnauthorized, "unauthenticated")

		path := fmt.Sprintf("/api/v1/tickets/%d", e.ticket)
		for _, step := range []struct {
			verb string
			body any
		}{{"take", nil}, {"reply", map[string]string{"text": "Unplug it."}}, {"resolve", nil}} {
			if status, body := e.do("POST", path+"/"+step.verb, nt.Secret, step.body); status != http.StatusOK {
				t.Fatalf("%s: %d %s", step.verb, status, body)
			}
		}
		tk, err := e.s.Ticket(context.Background(), e.ticket)
		if err != nil || tk.Status != mailstore.StatusResolved || tk.OwnerLogin() != "alice" {
			t.Errorf("after take, reply, resolve: %+v, %v", tk, err)
		}
		rows, _ := e.s.Outbox(context.Background(), mailstore.OutboxFilter{Ticket: e.ticket})
		replied := false
		for _, r := range rows {
			replied = replied || r.Kind == mailstore.KindCorrespond && r.Rcpt == "pat@example.com"
		}
		if !replied {
			t.Errorf("no reply queued for pat: %+v", rows)
		}
		// Logout revokes the token.
		if status, body := e.do("DELETE", "/api/v1/tokens/current", nt.Secret, nil); status != http.StatusNoContent {
			t.Errorf("logout: %d %s", status, body)
		}
		status, body = e.do("GET", "/api/v1/whoami", nt.Secret, nil)
		wantError(t, "after logout", status, body, http.StatusUnauthorized, "unauthenticated")
		if strings.Contains(e.log.String(), nt.Secret) || strings.Contains(e.log.String(), code) {
			t.Errorf("the log holds the token or the code:\n%s", e.log.String())
		}
	})
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, storetest.SQLite, httpd.Config{Rate: 0.001, Burst: 3})
	var last int
	var body []byte
	for i := 0; i < 4; i++ {
		last, body = e.do("GET", "/api/v1/whoami", e.tokens["alice"], nil)
	}
	wantError(t, "fourth request", last, body, http.StatusTooManyRequests, "rate_limited")
	if status, _ := e.do("GET", "/api/v1/whoami", e.tokens["bob"], nil); status != http.StatusOK {
		t.Errorf("bob, after alice's bucket ran dry: %d", status)
	}
}

func TestList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		e := newEnv(t, open, httpd.Config{})
		ctx := context.Background()
		for i := 0; i < 3; i++ {
			if _, err := e.s.CreateTicket(ctx, "alice", mailstore.NewTicket{Queue: "support", Requestors: []string{"kim@example.com"}, Subject: fmt.Sprint("More ", i)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.s.CreateTicket(ctx, "carol", mailstore.NewTicket{Queue: "it-help", Requestors: []string{"kim@example.com"}, Subject: "VPN"}); err != nil {
			t.Fatal(err)
		}
		if err := e.s.Take(ctx, "alice", e.ticket); err != nil {
			t.Fatal(err)
		}
		ids := func(q string) string {
			t.Helper()
			status, body := e.do("GET", "/api/v1/tickets"+q, e.tokens["alice"], nil)
			var ts []mailstore.Ticket
			if status != http.StatusOK || json.Unmarshal(body, &ts) != nil {
				t.Fatalf("list %s: %d %s", q, status, body)
			}
			var out []string
			for _, tk := range ts {
				out = append(out, fmt.Sprint(tk.ID))
			}
			return strings.Join(out, ",")
		}
		for q, want := range map[string]string{
			"":                                     "4,3,2,1",
			"?limit=2":                             "4,3",
			"?limit=2&before=3":                    "2,1",
			"?limit=2&after=3":                     "2,1",
			"?limit=2&offset=1":                    "3,2",
			"?sort=id&reverse=true&limit=2":        "1,2",
			"?sort=created&reverse=true&after=2":   "3,4",
			"?owner=me":                            "1",
			"?owner=nobody&status=new":             "4,3,2",
			"?requestor=pat@example.com":           "1",
			"?queue=it-help":                       "",
			"?created_before=2000-01-01T00:00:00Z": "",
		} {
			if got := ids(q); got != want {
				t.Errorf("list%s = %s, want %s", q, got, want)
			}
		}
		for _, q := range []string{"?sort=size", "?reverse=maybe", "?offset=-1", "?after=99"} {
			if status, body := e.do("GET", "/api/v1/tickets"+q, e.tokens["alice"], nil); status/100 != 4 {
				t.Errorf("list%s: %d %s, want a refusal", q, status, body)
			}
		}
		status, body := e.do("GET", "/api/v1/search?q=VPN", e.tokens["carol"], nil)
		if status != http.StatusOK || !strings.Contains(string(body), `"subject": "VPN"`) {
			t.Errorf("carol searches VPN: %d %s", status, body)
		}
		status, body = e.do("GET", "/api/v1/stats", e.tokens["alice"], nil)
		if status != http.StatusOK || !strings.Contains(string(body), `"received"`) {
			t.Errorf("stats: %d %s", status, body)
		}
		status, body = e.do("GET", "/api/v1/queues/support", e.tokens["carol"], nil)
		if status != http.StatusOK || !strings.Contains(string(body), `"members": null`) {
			t.Errorf("carol shows support: %d %s", status, body)
		}
	})
}
