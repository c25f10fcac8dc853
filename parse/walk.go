package parse

import (
	"strings"

	"sak/internal/mimepart"
)

// walk handles one MIME entity whose header has been read.
func (p *parser) walk(h header, body []byte, depth int, e env) {
	if p.parts++; p.parts > maxParts {
		p.defectf("more than %d mime parts; the rest is ignored", maxParts)
		return
	}
	ct := p.contentType(h, e.defaultType)
	switch {
	case strings.HasPrefix(ct.typ, "multipart/"):
		p.multipart(h, body, ct, depth, e)
	case ct.typ == "message/delivery-status" || ct.typ == "message/global-delivery-status":
		p.deliveryStatus(p.decodeBody(h.get("Content-Transfer-Encoding"), body))
	default:
		p.leaf(h, body, ct, e)
	}
}

// contentType reads Content-Type, defaulting per RFC 2045 5.2 and RFC 2046
// 5.1.5 (digest).
func (p *parser) contentType(h header, def string) mediaType {
	raw := h.get("Content-Type")
	if strings.TrimSpace(raw) == "" {
		return mediaType{typ: def, params: map[string]string{}}
	}
	ct := p.parseMediaType("Content-Type", raw)
	if !validMediaType(ct.typ) {
		p.defectf("bad content-type %q; read as %s", ct.typ, def)
		ct.typ = def
	}
	return ct
}

func validMediaType(t string) bool {
	typ, sub, ok := strings.Cut(t, "/")
	return ok && isToken(typ) && isToken(sub)
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return s != ""
}

// multipart walks the parts of a multipart entity.
func (p *parser) multipart(h header, body []byte, ct mediaType, depth int, e env) {
	if depth >= maxDepth {
		p.defectf("multipart nested deeper than %d levels; kept as an attachment", maxDepth)
		p.attach(Attachment{ContentType: ct.typ, Size: int64(len(body))})
		return
	}
	raw, ok := p.splitMultipart(body, ct.params["boundary"])
	if !ok {
		ct.typ = "text/plain"
		p.leaf(h, body, ct, e)
		return
	}
	sub := env{defaultType: "text/plain"}
	switch ct.typ {
	case "multipart/alternative":
		p.alternative(raw, depth+1)
		return
	case "multipart/digest":
		sub.defaultType = "message/rfc822"
	case "multipart/report":
		if isDeliveryReport(ct.params["report-type"]) {
			p.report()
		}
	}
	for i, r := range raw {
		sub.related = ct.typ == "multipart/related" && i > 0
		p.walkPart(r, depth+1, sub)
	}
}

// walkPart reads the header of a body part and walks it.
func (p *parser) walkPart(r part, depth int, e env) {
	h, body := p.readHeader(r, "mime part")
	p.walk(h, body, depth, e)
}

// alternative keeps the text of the best alternative: plain text over a mix
// over HTML, the first of equals, with the first HTML alternative as its
// HTML form. Attachments of all alternatives are kept.
func (p *parser) alternative(raw []part, depth int) {
	saved := p.segs
	var best, html []segment
	bestScore := -1
	for _, r := range raw {
		p.segs = nil
		p.walkPart(r, depth, env{defaultType: "text/plain"})
		s := score(p.segs)
		if s > bestScore {
			best, bestScore = p.segs, s
		}
		if s == 1 && html == nil {
			html = p.segs
		}
	}
	if bestScore > 1 && html != nil {
		var markup []string
		for _, s := range html {
			markup = append(markup, s.markup)
		}
		best[0].markup = strings.Join(markup, "\n")
		for i := range best[1:] {
			best[i+1].markup, best[i+1].covered = "", true
		}
	}
	p.segs = append(saved, best...)
}

// score ranks body text: 3 all plain, 2 mixed, 1 all HTML, 0 none.
func score(segs []segment) int {
	if len(segs) == 0 {
		return 0
	}
	html := 0
	for _, s := range segs {
		if s.html {
			html++
		}
	}
	switch html {
	case 0:
		return 3
	case len(segs):
		return 1
	}
	return 2
}

// leaf handles a part that is not multipart: body text or an attachment.
func (p *parser) leaf(h header, body []byte, ct mediaType, e env) {
	disp := p.parseMediaType("Content-Disposition", h.get("Content-Disposition"))
	name := disp.params["filename"]
	if name == "" {
		name = ct.params["name"]
	}
	name = foldSpace(name)
	cte := h.get("Content-Transfer-Encoding")
	if isBodyText(ct.typ) && name == "" && (disp.typ == "" || disp.typ == "inline") {
		text := p.decodeText(p.decodeBody(cte, body), ct.params["charset"])
		if ct.typ == "text/html" {
			p.addHTML(text)
		} else {
			p.addText(text, false)
		}
		return
	}
	if isEmbeddedHeader(ct.typ) && p.msg.Report != nil {
		p.returnedMessage(p.decodeBody(cte, body))
	}
	inline := disp.typ == "inline" || disp.typ == "" && e.related
	p.attach(Attachment{
		Name:        name,
		ContentType: ct.typ,
		Size:        p.decodedSize(cte, body),
		Inline:      inline,
		ContentID:   contentID(h.get("Content-Id")),
		// The header is made from what was read, not copied, so that a
		// malformed original still gives well-formed fields, and a type
		// the multipart implied is named.
		Header: mimepart.Header(ct.typ, ct.params, name, inline, cte),
		Body:   body,
	})
}

// contentID is a Content-ID field's msg-id without its angle brackets.
func contentID(v string) string {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "<") {
		if end := strings.IndexByte(v, '>'); end > 0 {
			return strings.TrimSpace(v[1:end])
		}
	}
	return v
}

func isBodyText(t string) bool { return t == "text/plain" || t == "text/html" }

// isEmbeddedHeader reports whether a part holds a returned message or its
// header (RFC 3462, RFC 6533).
func isEmbeddedHeader(t string) bool {
	switch t {
	case "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers":
		return true
	}
	return false
}

func (p *parser) attach(a Attachment) {
	p.msg.Attachments = append(p.msg.Attachments, a)
}
