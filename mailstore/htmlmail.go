package mailstore

import (
	"html"
	"strings"

	"sak/parse"
)

// htmlBody is the HTML alternative of a mail sak relays: a whole
// document, and the images it shows by cid: URLs, each with its
// ContentID, sent beside it in multipart/related (RFC 2387).
type htmlBody struct {
	doc     string
	related []Attachment
}

// textMark stands for the relayed text when the template is rendered for
// the HTML alternative: what comes before and after it is the template's
// own text. No template holds NUL.
const textMark = "\x00sak:text\x00"

// relayHTML is the HTML alternative of in as relayed under the template
// kind with the data d (whose Text is in's), and the attachments of atts
// that are not among its images: nil and atts when in has no HTML body,
// when nothing is left of it once sanitised (parse.SanitizeHTML), or when
// the template does not show the text as it is. The HTML is the one the
// parser found when the mail came (Mail.HTML: no second parse); the
// images it shows are those of atts it names by Content-ID, and the
// template's text around the relayed text is escaped into it.
func (o *op) relayHTML(kind string, in *Incoming, d TemplateData, atts []Attachment) (*htmlBody, []Attachment, error) {
	src := in.HTML
	if src == "" {
		return nil, atts, nil
	}
	images := map[string]int{} // Content-ID: index in atts
	for i, a := range atts {
		if _, dup := images[a.ContentID]; !dup && validContentID(a.ContentID) && strings.HasPrefix(a.ContentType, "image/") {
			images[a.ContentID] = i
		}
	}
	shown := map[int]bool{}
	safe := parse.SanitizeHTML(src, func(cid string) bool {
		i, ok := images[cid]
		if ok {
			shown[i] = true
		}
		return ok
	})
	if strings.TrimSpace(safe) == "" {
		return nil, atts, nil
	}
	d.Text = textMark
	r, err := o.mailText(kind, &d)
	if err != nil {
		return nil, nil, err
	}
	before, after, ok := strings.Cut(r.body, textMark)
	if !ok || strings.Contains(after, textMark) {
		return nil, atts, nil
	}
	b := &htmlBody{doc: "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n" +
		textBlock(before) + safe + textBlock(after) + "\n</body></html>\n"}
	var rest []Attachment
	for i, a := range atts {
		if shown[i] {
			b.related = append(b.related, a)
		} else {
			rest = append(rest, a)
		}
	}
	return b, rest, nil
}

// textBlock is plain text in HTML, its lines as they are; "" for blank
// text.
func textBlock(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return "<div style=\"white-space: pre-wrap\">" + html.EscapeString(strings.Trim(s, "\n")) + "</div>\n"
}

// validContentID reports whether id may go into a Content-ID field: the
// printable ASCII of a msg-id (RFC 5322 3.6.4), no angle brackets, no
// spaces.
func validContentID(id string) bool {
	if id == "" || len(id) > 250 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' {
			return false
		}
	}
	return true
}
