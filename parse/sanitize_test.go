package parse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"sak/internal/testcorpus"
)

// logoOnly accepts the image cid:logo@example.org alone.
func logoOnly(cid string) bool { return cid == "logo@example.org" }

// checkSafe fails t unless out, read as a browser reads it, holds nothing
// that runs, fetches or submits: no element of the kinds SanitizeHTML
// drops, no event handler, no URL but an http, https or mailto link and
// an image by a Content-ID that image accepts, no style that could load
// or run anything. It is written apart from the sanitiser's tables.
func checkSafe(t *testing.T, in, out string, image func(string) bool) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("SanitizeHTML(%q) = %q: "+format, append([]any{in, out}, args...)...)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Namespace != "" {
				fail("foreign element %s:%s", n.Namespace, n.Data)
			}
			switch n.Data {
			case "script", "style", "iframe", "frame", "object", "embed", "applet", "form", "input", "button", "textarea",
				"select", "svg", "math", "link", "meta", "base", "audio", "video", "source", "template", "noscript":
				fail("element %s kept", n.Data)
			}
			for _, a := range n.Attr {
				key, val := strings.ToLower(a.Key), strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case a.Namespace != "":
					fail("attribute %s:%s kept", a.Namespace, a.Key)
				case strings.HasPrefix(key, "on"):
					fail("handler %s kept", a.Key)
				case key == "href":
					if n.Data != "a" || !(strings.HasPrefix(val, "http://") || strings.HasPrefix(val, "https://") || strings.HasPrefix(val, "mailto:")) {
						fail("href %q on %s", a.Val, n.Data)
					}
				case key == "src":
					if n.Data != "img" || !strings.HasPrefix(val, "cid:") || image == nil || !image(strings.TrimSpace(a.Val)[4:]) {
						fail("src %q on %s", a.Val, n.Data)
					}
				case key == "style":
					for _, bad := range []string{"url", "expression", "\\", "@", "/*", "behavio", "binding", "image", "import"} {
						if strings.Contains(val, bad) {
							fail("style %q", a.Val)
						}
					}
				case key == "srcset" || key == "background" || key == "action" || key == "formaction" || key == "data" ||
					key == "poster" || key == "lowsrc" || key == "dynsrc" || key == "class" || key == "id" || key == "target":
					fail("attribute %s kept", a.Key)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

// TestSanitizeHTMLHostile reads a page of the usual ways to run script,
// fetch remote content and submit forms, and checks that none is left and
// that the formatting is.
func TestSanitizeHTMLHostile(t *testing.T) {
	in, err := os.ReadFile("testdata/html/hostile.html")
	if err != nil {
		t.Fatal(err)
	}
	out := SanitizeHTML(string(in), logoOnly)
	checkSafe(t, string(in), out, logoOnly)
	for _, want := range []string{
		"<p>Hello <b>bold</b> <i>it</i> <u>under</u></p>",
		`<a href="https://ok.example.org/?q=1&amp;r=2">good</a>`,
		`<a href="mailto:pat@example.com">mail</a>`,
		`<img src="cid:logo@example.org" alt="logo" width="10">`,
		`<div style="color: red">styled</div>`,
		`<span style="color: #00f; font-weight: bold">span</span>`,
		`<table border="1"><tbody><tr><td colspan="2">cell</td></tr></tbody></table>`,
		"<ul><li>one</li><li>two</li></ul>", `<ol start="3"><li>three</li></ol>`,
		"<blockquote>quoted</blockquote>", "<pre>  pre text</pre>", "<code>code</code>", "<h1>head</h1>",
		"js js2 js3",                                                                       // links that go nowhere safe stay as their text
		"&lt;script&gt;alert(19)&lt;/script&gt;", "&lt;script&gt;alert(20)&lt;/script&gt;", // raw text, escaped
	} {
		if !strings.Contains(out, want) {
			t.Errorf("SanitizeHTML(hostile.html) lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"evil.example.net", "secret", "alert(1)", "alert(2)", "alert(4)", "alert(11)", "alert(12)", "alert(16)", "alert(18)", "unknown@example.org", "PHNjcmlwdD5"} {
		if strings.Contains(out, bad) {
			t.Errorf("SanitizeHTML(hostile.html) keeps %q:\n%s", bad, out)
		}
	}
}

func TestSanitizeHTML(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"text escaped", `a &lt; b &amp; "c"`, "a &lt; b &amp; &#34;c&#34;"},
		{"unknown element unwrapped", `<font face="Arial" color="red">hi</font><o:p>x</o:p>`, "hix"},
		{"script dropped whole", `a<script>alert(1)</script>b`, "ab"},
		{"handler dropped", `<p onclick="x()" ONMOUSEOVER="y()">p</p>`, "<p>p</p>"},
		{"entity-hidden javascript", `<a href="&#106;avascript:alert(1)">x</a>`, "x"},
		{"tab-split javascript", "<a href=\"java\tscript:alert(1)\">x</a>", "x"},
		{"relative link", `<a href="/local">x</a>`, "x"},
		{"protocol-relative link", `<a href="//evil.example.net/">x</a>`, "x"},
		{"https link", `<a href="HTTPS://example.org/a?b=1&c=2">x</a>`, `<a href="HTTPS://example.org/a?b=1&amp;c=2">x</a>`},
		{"remote image", `<img src="http://example.net/a.png" alt="a">`, ""},
		{"data image", `<img src="data:image/png;base64,AAAA">`, ""},
		{"cid image", `<img src="CID:logo@example.org" width="5" height="x">`, `<img src="cid:logo@example.org" width="5">`},
		{"escaped cid", `<img src="cid:logo%40example.org">`, `<img src="cid:logo@example.org">`},
		{"unknown cid", `<img src="cid:other@example.org">`, ""},
		{"style with url", `<span style="color: blue; background: url(http://x/y)">s</span>`, `<span style="color: blue">s</span>`},
		{"style escape", `<span style="color: \72 ed">s</span>`, `<span>s</span>`},
		{"style rgb", `<span style="color: RGB(1, 2, 3) !important">s</span>`, `<span style="color: rgb(1, 2, 3)">s</span>`},
		{"pre keeps its first newline", "<pre>\n\nx</pre>", "<pre>\n\nx</pre>"},
		{"unclosed tags closed", `<b><i>x`, "<b><i>x</i></b>"},
		{"comment dropped", `a<!-- <img src=x onerror=alert(1)> -->b`, "ab"},
		{"svg dropped", `<svg><a href="https://example.org/">x</a></svg>y`, "y"},
		{"head dropped", `<html><head><title>t</title></head><body>b</body></html>`, "b"},
		{"textarea dropped", `<textarea>x</textarea>y`, "y"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := SanitizeHTML(tc.in, logoOnly)
			if got != tc.want {
				t.Errorf("SanitizeHTML(%q) = %q, want %q", tc.in, got, tc.want)
			}
			checkSafe(t, tc.in, got, logoOnly)
		})
	}
	nested := func(n int) string { return strings.Repeat("<div>", n) + "deep" + strings.Repeat("</div>", n) }
	if got := SanitizeHTML(nested(400), nil); strings.Count(got, "<div>") != 400 || !strings.Contains(got, "deep") {
		t.Errorf("400 nested divs: %d kept, text kept %v", strings.Count(got, "<div>"), strings.Contains(got, "deep"))
	}
	if got := SanitizeHTML(nested(5000), nil); got != "" {
		t.Errorf("5000 nested divs gave %d bytes", len(got))
	}
	if got := SanitizeHTML(`<img src="cid:logo@example.org">`, nil); got != "" {
		t.Errorf("no image func: %q, want no image", got)
	}
	if got := SanitizeHTML(strings.Repeat("x", MaxHTML+1), nil); got != "" {
		t.Errorf("HTML over MaxHTML gave %d bytes", len(got))
	}
}

// TestSanitizeHTMLCorpus sanitises the HTML of every mail of the corpus
// that has one: the result is safe, and keeps every image the mail
// carries and names by cid:.
func TestSanitizeHTMLCorpus(t *testing.T) {
	n := 0
	for _, path := range testcorpus.CorpusFiles(t) {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := Parse(raw)
		if m.HTML == "" {
			continue
		}
		n++
		cids := map[string]bool{}
		for _, a := range m.Attachments {
			cids[a.ContentID] = a.ContentID != ""
		}
		image := func(cid string) bool { return cids[cid] }
		out := SanitizeHTML(m.HTML, image)
		checkSafe(t, filepath.Base(path), out, image)
		for cid := range cids {
			if cids[cid] && strings.Contains(m.HTML, `src="cid:`+cid+`"`) && !strings.Contains(out, `src="cid:`+cid+`"`) {
				t.Errorf("%s: the image %s is lost", path, cid)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d mails of the corpus have HTML", n)
	}
}

func FuzzSanitizeHTML(f *testing.F) {
	for _, name := range []string{"testdata/html/hostile.html", "testdata/html-only.eml", "testdata/alternative.eml"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(`<p>a<b>b<i>c</b>d</i></p><table><tr><td>x<table><tr><td>y</table></table>`)
	f.Add(`<a href="https://example.org/"><div><a href="mailto:x@example.org">n</a></div></a>`)
	f.Add(`<img src="cid:logo@example.org"><img src="cid:%zz">`)
	f.Fuzz(func(t *testing.T, in string) {
		out := SanitizeHTML(in, logoOnly)
		checkSafe(t, in, out, logoOnly)
		again := SanitizeHTML(out, logoOnly)
		checkSafe(t, out, again, logoOnly)
		if htmlToText(again) != htmlToText(out) {
			t.Fatalf("sanitising %q again changes its text: %q, then %q", in, out, again)
		}
	})
}

// TestMessageHTML checks which mails have an HTML form of their text
// (Message.HTML) and that inline parts keep their Content-ID.
func TestMessageHTML(t *testing.T) {
	const page = "<p>Hei <b>du</b></p>"
	mail := func(ct, body string) string {
		return "From: a@example.org\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: " + ct + "\r\n\r\n" + body
	}
	part := func(ct, body string) string { return "Content-Type: " + ct + "\r\n\r\n" + body + "\r\n" }
	multi := func(b string, parts ...string) string {
		s := ""
		for _, p := range parts {
			s += "--" + b + "\r\n" + p
		}
		return s + "--" + b + "--\r\n"
	}
	img := "Content-Type: image/png\r\nContent-ID: <logo.1@example.org>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
	tests := []struct {
		name, raw, html string
	}{
		{"plain", mail("text/plain", "Hei du"), ""},
		{"html only", mail("text/html; charset=utf-8", page), page},
		{"alternative", mail(`multipart/alternative; boundary="a"`, multi("a", part("text/plain", "Hei *du*"), part("text/html", page))), page},
		{"alternative, html first", mail(`multipart/alternative; boundary="a"`, multi("a", part("text/html", page), part("text/plain", "Hei *du*"))), page},
		{"thunderbird", mail(`multipart/alternative; boundary="a"`, multi("a", part("text/plain", "Hei *du*"),
			part(`multipart/related; boundary="r"`, multi("r", part("text/html", page), img)))), page},
		{"outlook with a file", mail(`multipart/mixed; boundary="m"`, multi("m",
			part(`multipart/related; boundary="r"`, multi("r", part(`multipart/alternative; boundary="a"`,
				multi("a", part("text/plain", "Hei *du*"), part("text/html", page))), img)),
			"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n%PDF\r\n")), page},
		{"text and html apart", mail(`multipart/mixed; boundary="m"`, multi("m", part("text/plain", "Hei"), part("text/html", page))), ""},
		{"plain alternatives only", mail(`multipart/alternative; boundary="a"`, multi("a", part("text/plain", "Hei"), part("text/plain", "Hei igjen"))), ""},
		{"html alternative and a plain footer", mail(`multipart/mixed; boundary="m"`, multi("m",
			part(`multipart/alternative; boundary="a"`, multi("a", part("text/plain", "Hei"), part("text/html", page))),
			part("text/plain", "-- \r\nliste@example.org"))), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Parse([]byte(tc.raw))
			if m.HTML != tc.html {
				t.Errorf("Parse(%q).HTML = %q, want %q", tc.raw, m.HTML, tc.html)
			}
			for _, a := range m.Attachments {
				if a.ContentType == "image/png" && a.ContentID != "logo.1@example.org" {
					t.Errorf("the image's ContentID is %q, want logo.1@example.org", a.ContentID)
				}
			}
		})
	}
}
