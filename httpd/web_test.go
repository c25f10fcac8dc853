package httpd_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"sak/httpd"
	"sak/mailstore"
	"sak/mailstore/storetest"
)

// browser is a person at the web view: a cookie jar and the last page.
type browser struct {
	t    *testing.T
	e    *env
	c    *http.Client
	page string
	csrf string
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := *e.srv.Client()
	c.Jar = jar
	return &browser{t: e.t, e: e, c: &c}
}

// read keeps the page and its CSRF token.
func (b *browser) read(resp *http.Response, err error) *http.Response {
	b.t.Helper()
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.page = string(body)
	if m := csrfRE.FindStringSubmatch(b.page); m != nil {
		b.csrf = m[1]
	}
	return resp
}

func (b *browser) get(path string) *http.Response {
	b.t.Helper()
	return b.read(b.c.Get(b.e.srv.URL + path))
}

// post sends a form with the page's CSRF token (unless fields set one).
func (b *browser) post(path string, fields ...string) *http.Response {
	b.t.Helper()
	v := url.Values{"csrf": {b.csrf}}
	for i := 0; i+1 < len(fields); i += 2 {
		v.Set(fields[i], fields[i+1])
	}
	return b.read(b.c.PostForm(b.e.srv.URL+path, v))
}

// login logs in by the mailed code.
func (b *browser) login(user, email string) {
	b.t.Helper()
	b.get("/login")
	b.post("/login", "user", user)
	if !strings.Contains(b.page, `name="code"`) {
		b.t.Fatalf("the login page does not ask for the code:\n%s", b.page)
	}
	code := storetest.LoginCode(b.t, b.e.s, email)
	resp := b.post("/login", "user", user, "code", code, "next", "/")
	if resp.Request.URL.Path != "/" {
		b.t.Fatalf("login ended at %s:\n%s", resp.Request.URL, b.page)
	}
}

// TestWebView is a caseworker's story in the web view, with the rules
// every page keeps: sessions by mailed code, CSRF on every change, read
// rights, escaping, attachments as downloads only.
func TestWebView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		e := newEnv(t, open, httpd.Config{})
		ctx := context.Background()
		hostile, err := e.s.CreateTicket(ctx, "alice", mailstore.NewTicket{Queue: "support", Requestors: []string{"kim@example.com"},
			Subject: `<script>alert("x")</script>`, Text: "<img src=x onerror=alert(1)>"})
		if err != nil {
			t.Fatal(err)
		}
		alice := e.browser()
		resp := alice.get("/")
		if resp.Request.URL.Path != "/login" || !strings.Contains(alice.page, `name="user"`) {
			t.Fatalf("/ without a session: at %s", resp.Request.URL)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("Content-Security-Policy %q", csp)
		}
		alice.login("alice", "alice@example.org")
		var session *http.Cookie
		u, _ := url.Parse(e.srv.URL)
		for _, c := range alice.c.Jar.Cookies(u) {
			if c.Name == "sak_session" {
				session = c
			}
		}
		if session == nil || !strings.HasPrefix(session.Value, mailstore.TokenPrefix) {
			t.Fatalf("no session cookie after login")
		}
		if !strings.Contains(alice.page, "Printer on fire") || !strings.Contains(alice.page, `href="/tickets/1"`) {
			t.Errorf("home lacks the new ticket:\n%s", alice.page)
		}
		if !strings.Contains(alice.page, `<a href="/queues/support?status=new">2</a>`) {
			t.Errorf("home does not count support's 2 new tickets:\n%s", alice.page)
		}
		if strings.Contains(alice.page, "<script>alert") || !strings.Contains(alice.page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("home does not escape the hostile subject")
		}

		// A change without the CSRF token changes nothing.
		before := e.state()
		r := alice.read(alice.c.PostForm(e.srv.URL+"/tickets/1/take", url.Values{"csrf": {"0123"}}))
		if r.StatusCode != http.StatusForbidden || e.state() != before {
			t.Errorf("take with a wrong CSRF token: %d, %s (was %s)", r.StatusCode, e.state(), before)
		}
		alice.get("/tickets/1")
		alice.post("/tickets/1/take")
		if tk, _ := e.s.Ticket(ctx, 1); tk.OwnerLogin() != "alice" {
			t.Errorf("take: owner %q", tk.OwnerLogin())
		}
		alice.post("/tickets/1/reply", "text", "Slukk brannen først.")
		if !strings.Contains(alice.page, "Slukk brannen først.") {
			t.Errorf("the reply is not on the ticket's page")
		}
		// A comment with a file that would be a page if shown.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("csrf", alice.csrf)
		mw.WriteField("text", "See the file.")
		fw, _ := mw.CreateFormFile("files", "evil.html")
		fw.Write([]byte("<html><script>alert(1)</script></html>"))
		mw.Close()
		alice.read(alice.c.Post(e.srv.URL+"/tickets/1/comment", mw.FormDataContentType(), &body))
		if !strings.Contains(alice.page, "evil.html") || !strings.Contains(alice.page, `class="badge"`) {
			t.Fatalf("the comment with its file is not on the page, marked internal")
		}
		link := regexp.MustCompile(`href="(/tickets/1/mails/\d+/attachments/0)"`).FindStringSubmatch(alice.page)
		if link == nil {
			t.Fatal("no attachment link")
		}
		resp, err = alice.c.Get(e.srv.URL + link[1])
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
			string(got) != "<html><script>alert(1)</script></html>" {
			t.Errorf("attachment: %q, %q, %q", resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), got)
		}
		alice.post("/tickets/1/resolve")
		if tk, _ := e.s.Ticket(ctx, 1); tk.Status != mailstore.StatusResolved {
			t.Errorf("resolve: status %s", tk.Status)
		}
		alice.get("/search?q=Printer")
		if !strings.Contains(alice.page, `href="/tickets/1"`) {
			t.Errorf("search does not find ticket 1:\n%s", alice.page)
		}
		alice.get("/tickets/" + itoa(hostile))
		if strings.Contains(alice.page, "<img src=x") || strings.Contains(alice.page, "<script>alert") {
			t.Errorf("the ticket page does not escape the hostile ticket")
		}
		alice.get("/stats")
		if !strings.Contains(alice.page, "<svg") {
			t.Errorf("stats has no chart")
		}
		alice.get("/queues/support?status=resolved")
		if !strings.Contains(alice.page, `href="/tickets/1"`) || strings.Contains(alice.page, `href="/tickets/`+itoa(hostile)+`"`) {
			t.Errorf("the queue's resolved tickets:\n%s", alice.page)
		}

		// Carol works it-help: support's ticket does not exist for her.
		carol := e.browser()
		carol.login("carol", "carol@example.org")
		if strings.Contains(carol.page, `href="/queues/support`) || !strings.Contains(carol.page, `href="/queues/it-help?status=new"`) {
			t.Errorf("carol's home counts the queues of others, or not her own:\n%s", carol.page)
		}
		if r := carol.get("/tickets/1"); r.StatusCode != http.StatusNotFound || !strings.Contains(carol.page, "no ticket 1") {
			t.Errorf("carol opens ticket 1: %d", r.StatusCode)
		}
		if strings.Contains(carol.page, "Printer on fire") {
			t.Errorf("carol's page shows ticket 1")
		}
		before = e.state()
		if r := carol.post("/tickets/1/take"); r.StatusCode < 400 || e.state() != before {
			t.Errorf("carol takes ticket 1: %d", r.StatusCode)
		}

		// English by Accept-Language, and by the switch.
		req, _ := http.NewRequest("GET", e.srv.URL+"/login", nil)
		req.Header.Set("Accept-Language", "en-GB,en;q=0.8")
		if r := e.browser().read(e.srv.Client().Do(req)); r.StatusCode != 200 {
			t.Errorf("login in English: %d", r.StatusCode)
		}
		alice.get("/lang/en?back=/")
		if !strings.Contains(alice.page, "My tickets") {
			t.Errorf("the switch to English did not take")
		}
		alice.get("/lang/nb?back=//evil.example")
		if !strings.Contains(alice.page, "Mine saker") {
			t.Errorf("the switch back to Norwegian, or its guard against other sites, failed")
		}

		// Logging out ends the session at once.
		alice.post("/logout")
		if _, err := e.s.Authenticate(ctx, session.Value); err == nil {
			t.Errorf("the session's token works after logout")
		}
		if r := alice.get("/"); r.Request.URL.Path != "/login" {
			t.Errorf("after logout / is at %s", r.Request.URL.Path)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
