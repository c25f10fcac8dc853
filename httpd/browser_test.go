package httpd_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sak/httpd"
	"sak/mailstore/storetest"
)

// chromium is the headless browser of the browser tests: Debian's
// chromium package (.ci/run installs it). Without one the tests skip,
// except under CI=true.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium: .ci/run installs it")
	}
	t.Skip("no chromium to run the browser test in")
	return ""
}

// TestBrowser is a caseworker in headless Chromium: logs in with the
// code from the mail, sees the new ticket at home, takes it, replies,
// resolves it, finds it by search; a caseworker of another queue cannot
// open it. Screenshots of the pages are kept in the test's directory
// (SAK_SCREENSHOTS=DIR keeps them there instead) for a person to look at.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t, storetest.SQLite, httpd.Config{})
	shots := os.Getenv("SAK_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.WindowSize(1100, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	run := func(who string) (context.Context, context.CancelFunc) {
		ctx, cancel := chromedp.NewContext(actx)
		ctx, cancel2 := context.WithTimeout(ctx, 60*time.Second)
		return ctx, func() { cancel2(); cancel() }
	}
	shot := func(ctx context.Context, name string) {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	login := func(ctx context.Context, user, email string) {
		t.Helper()
		err := chromedp.Do(ctx,
			chromedp.Navigate(e.srv.URL+"/"),
			chromedp.WaitVisible(chromedp.ID("user")),
			chromedp.SendKeys(chromedp.ID("user"), user),
			chromedp.Submit(chromedp.ID("user")),
			chromedp.WaitVisible(chromedp.ID("code")),
		)
		if err != nil {
			t.Fatalf("%s asks for a code: %v", user, err)
		}
		code := storetest.LoginCode(t, e.s, email)
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("code"), code),
			chromedp.Submit(chromedp.ID("code")),
			chromedp.WaitVisible(chromedp.ID("owned")),
		); err != nil {
			t.Fatalf("%s logs in: %v", user, err)
		}
	}
	text := func(ctx context.Context) string {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	ctx, done := run("alice")
	defer done()
	login(ctx, "alice", "alice@example.org")
	if s := text(ctx); !strings.Contains(s, "Printer on fire") {
		t.Fatalf("home lacks the new ticket:\n%s", s)
	}
	shot(ctx, "home")
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(`a[href="/tickets/1"]`)),
		chromedp.WaitVisible(chromedp.ID("history")),
		chromedp.Click(chromedp.CSS(`form[action="/tickets/1/take"] button`)),
		chromedp.WaitNotPresent(chromedp.CSS(`form[action="/tickets/1/take"]`)),
		chromedp.SendKeys(chromedp.ID("reply-text"), "Slukk brannen først, så ser vi på skriveren."),
		chromedp.Click(chromedp.CSS(`form[action="/tickets/1/reply"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`ol.history > li:nth-child(4)`)),
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("take and reply: %v", err)
	}
	s := text(ctx)
	if !strings.Contains(s, "Slukk brannen først") || !strings.Contains(s, "took the ticket") {
		t.Errorf("the ticket page after take and reply:\n%s", s)
	}
	shot(ctx, "ticket")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/tickets/1/resolve"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.facts .status.resolved`)),
		chromedp.Navigate(e.srv.URL+"/search?q=printer"),
		chromedp.WaitVisible(chromedp.ID("q")),
	); err != nil {
		t.Fatalf("resolve and search: %v", err)
	}
	if s := text(ctx); !strings.Contains(s, "Printer on fire") || !strings.Contains(s, "resolved") {
		t.Errorf("search does not find the resolved ticket:\n%s", s)
	}
	shot(ctx, "search")
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/stats"), chromedp.WaitVisible(chromedp.CSS(`svg`))); err != nil {
		t.Fatal(err)
	}
	shot(ctx, "stats")
	// The browser asked for English; the switch gives bokmål.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/tickets/1"), chromedp.WaitVisible(chromedp.ID("history")),
		chromedp.Click(chromedp.CSS(`a[hreflang="nb"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="nb"] #history`))); err != nil {
		t.Fatal(err)
	}
	if s := text(ctx); !strings.Contains(s, "tok saken") || !strings.Contains(s, "Svar innsenderne") {
		t.Errorf("the ticket page in bokmål:\n%s", s)
	}
	shot(ctx, "ticket-nb")

	cctx, cdone := run("carol")
	defer cdone()
	login(cctx, "carol", "carol@example.org")
	if err := chromedp.Do(cctx, chromedp.Navigate(e.srv.URL+"/tickets/1"), chromedp.WaitVisible(chromedp.CSS(`.error`))); err != nil {
		t.Fatal(err)
	}
	if s := text(cctx); !strings.Contains(s, "no ticket 1") || strings.Contains(s, "Printer on fire") {
		t.Errorf("carol at ticket 1:\n%s", s)
	}
	shot(cctx, "outsider")

	// On a phone: nothing is wider than the screen.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(e.srv.URL+"/tickets/1"), chromedp.WaitVisible(chromedp.ID("history"))); err != nil {
		t.Fatal(err)
	}
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
	if err != nil {
		t.Fatal(err)
	}
	if wide > 390 {
		t.Errorf("the ticket page is %d pixels wide on a 390-pixel phone", wide)
	}
	shot(ctx, "ticket-phone")
	t.Logf("screenshots in %s", shots)
}
