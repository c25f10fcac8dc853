package parse

import (
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// MaxHTML is the longest HTML, in bytes, that SanitizeHTML takes: a
// mail's HTML body is seldom a tenth of it.
const MaxHTML = 2 << 20

// SanitizeHTML reduces src, untrusted HTML (a whole document or a
// fragment), to a fragment that is safe to send or show: what an
// allow-list keeps of its elements and attributes, well-formed, every
// text and attribute value escaped. It keeps basic formatting: p, br, b,
// strong, i, em, u, s, sub, sup, lists, a (with an http, https or mailto
// href), blockquote, pre, code, hr, tables, h1 to h6, span, div and
// img, an image only by a cid: URL (RFC 2392) whose Content-ID image
// accepts. It drops script, style, iframe, object, embed, form controls,
// SVG, MathML and the head with their content, unwraps every other
// element (its content stays), and drops every other attribute: on*
// handlers, URLs in any other scheme (javascript:, data:, remote
// images), class and id. A style attribute keeps only colours, font
// weight, style and size, text decoration and alignment, with plain
// values (no url(), no expression(), no escapes). It gives "" for src
// longer than MaxHTML or nested deeper than the HTML parser takes (512
// open elements); image may be nil to drop every image.
func SanitizeHTML(src string, image func(cid string) bool) string {
	if len(src) > MaxHTML {
		return ""
	}
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil { // nested too deep
		return ""
	}
	s := &sanitizer{image: image}
	s.children(doc)
	return s.b.String()
}

type sanitizer struct {
	b     strings.Builder
	image func(cid string) bool
}

func (s *sanitizer) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		s.node(c)
	}
}

func (s *sanitizer) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		s.b.WriteString(html.EscapeString(n.Data))
		return
	case html.DocumentNode:
		s.children(n)
		return
	case html.ElementNode:
	default: // comments (Outlook's conditional ones too), doctypes
		return
	}
	if n.Namespace != "" || dropped[n.Data] {
		return // SVG, MathML; script and the like with their content
	}
	attrs, ok := s.attrs(n)
	if !ok {
		s.children(n)
		return
	}
	s.b.WriteString("<" + n.Data)
	for _, a := range attrs {
		s.b.WriteString(" " + a.Key + `="` + html.EscapeString(a.Val) + `"`)
	}
	s.b.WriteString(">")
	if void[n.Data] {
		return
	}
	if c := n.FirstChild; n.Data == "pre" && c != nil && c.Type == html.TextNode && strings.HasPrefix(c.Data, "\n") {
		s.b.WriteString("\n") // a newline right after <pre> is not content
	}
	s.children(n)
	s.b.WriteString("</" + n.Data + ">")
}

// attrs is what n keeps of its attributes, and whether n itself is kept.
func (s *sanitizer) attrs(n *html.Node) ([]html.Attribute, bool) {
	allowed, ok := elements[n.Data]
	if !ok {
		return nil, false
	}
	var out []html.Attribute
	for _, a := range n.Attr {
		if a.Namespace != "" {
			continue
		}
		key, val := a.Key, a.Val
		switch {
		case key == "style":
			val = safeStyle(val)
		case key == "href" && n.Data == "a":
			val = safeLink(val)
		case key == "src" && n.Data == "img":
			val = s.safeImage(val)
		case allowed[key] == number:
			if !isNumber(val) {
				val = ""
			}
		case allowed[key] == word:
			if !isWord(val) {
				val = ""
			}
		case allowed[key] == text:
		default:
			val = ""
		}
		if val != "" {
			out = append(out, html.Attribute{Key: key, Val: val})
		}
	}
	switch {
	case n.Data == "img" && !hasAttr(out, "src"):
		return nil, false // a remote image, or none: nothing to show
	case n.Data == "a" && !hasAttr(out, "href"):
		return nil, false // its text stays, as text
	}
	return out, true
}

func hasAttr(attrs []html.Attribute, key string) bool {
	for _, a := range attrs {
		if a.Key == key {
			return true
		}
	}
	return false
}

// Kinds of attribute value.
const (
	_      = iota
	text   // any text: title, alt
	number // digits, maybe a percent sign: width, colspan
	word   // letters only: align, dir
)

// elements lists the elements kept and the attributes each keeps
// besides style (every element) and a's href and img's src (checked on
// their own).
var elements = func() map[string]map[string]int {
	cell := map[string]int{"colspan": number, "rowspan": number, "align": word, "valign": word, "width": number}
	plain := map[string]int{"dir": word, "align": word, "title": text}
	m := map[string]map[string]int{
		"a":        {"title": text},
		"img":      {"alt": text, "title": text, "width": number, "height": number},
		"table":    {"border": number, "cellpadding": number, "cellspacing": number, "width": number, "align": word},
		"td":       cell,
		"th":       cell,
		"ol":       {"start": number},
		"col":      {"span": number, "width": number},
		"colgroup": {"span": number, "width": number},
	}
	for _, e := range strings.Fields(`p br b strong i em u s sub sup ul li blockquote pre code hr
		h1 h2 h3 h4 h5 h6 span div caption thead tbody tfoot tr dl dt dd`) {
		m[e] = plain
	}
	return m
}()

// dropped elements go with their content.
var dropped = wordSet(`head title meta link base style script noscript template iframe frame frameset
	object embed applet param audio video source track canvas map area form input button select option
	optgroup textarea datalist output svg math`)

// void elements have no content and no end tag.
var void = wordSet("br hr img col")

func wordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

func isNumber(v string) bool {
	v = strings.TrimSuffix(v, "%")
	if v == "" || len(v) > 6 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

func isWord(v string) bool {
	if v == "" || len(v) > 10 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// safeLink is href when it is an absolute http, https or mailto URL,
// else "".
func safeLink(href string) string {
	href = strings.TrimSpace(href)
	u, err := url.Parse(href)
	if err != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return ""
		}
	case "mailto":
	default:
		return ""
	}
	return href
}

// safeImage is src when it is a cid: URL of an image s.image accepts,
// else "".
func (s *sanitizer) safeImage(src string) string {
	src = strings.TrimSpace(src)
	if len(src) < 4 || !strings.EqualFold(src[:4], "cid:") || s.image == nil {
		return ""
	}
	cid, err := url.PathUnescape(src[4:])
	if err != nil || cid == "" || !s.image(cid) {
		return ""
	}
	return "cid:" + url.PathEscape(cid)
}

// styleProps are the CSS properties a style attribute keeps.
var styleProps = map[string]bool{
	"color": true, "background-color": true, "font-weight": true, "font-style": true, "font-size": true,
	"text-decoration": true, "text-align": true,
}

// styleValue is a plain CSS value: words, numbers with units, #rgb
// colours and rgb()/rgba() colours, nothing that fetches or runs.
var styleValue = regexp.MustCompile(`^(?:[a-z0-9.%#-]+|rgba?\([0-9., %]*\))(?: +(?:[a-z0-9.%#-]+|rgba?\([0-9., %]*\)))*$`)

// safeStyle keeps the declarations of a style attribute whose property
// styleProps lists and whose value is plain, in a form rebuilt from
// those alone.
func safeStyle(style string) string {
	var out []string
	for _, decl := range strings.Split(style, ";") {
		prop, val, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		prop = strings.ToLower(strings.TrimSpace(prop))
		val = strings.Join(strings.Fields(strings.ToLower(val)), " ")
		val = strings.TrimSpace(strings.TrimSuffix(val, "!important"))
		if styleProps[prop] && len(val) <= 40 && styleValue.MatchString(val) {
			out = append(out, prop+": "+val)
		}
	}
	return strings.Join(out, "; ")
}
