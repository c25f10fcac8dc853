package mailstore

import (
	"bytes"
	"strings"
	"testing"

	"github.com/emersion/go-message/mail"

	"sak/internal/mimepart"
	"sak/parse"
)

// FuzzRelayAttachments sends the attachments of any mail on as compose
// does for a relay and parses the result: composing never fails, the text
// survives, and every attachment arrives, in order, with its name (cut as
// mimepart.FileName does), type (as mimepart.Type sends it) and whether it
// is inline.
func FuzzRelayAttachments(f *testing.F) {
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhei\r\n--b\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjcK\r\n--b--\r\n"))
	f.Add([]byte("Content-Type: image/png\nContent-Disposition: inline; filename*=utf-8''%C3%A6.png\n\niVBORw0KGgo=\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain; name=\"l\rx.txt\"\n\nline\n--x\nContent-Type: message/rfc822\n\nSubject: inner\n\nbody\n--x--\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var atts []Attachment
		for _, a := range parse.Parse(raw).Attachments {
			atts = append(atts, Attachment{Name: a.Name, ContentType: a.ContentType, Size: a.Size, Inline: a.Inline, Header: a.Header, Body: a.Body})
		}
		var h mail.Header
		h.SetSubject("relayed")
		var buf bytes.Buffer
		if err := writeMixed(&buf, &h, "the text\n", atts); err != nil {
			t.Fatalf("writeMixed: %v", err)
		}
		m := parse.Parse(buf.Bytes())
		if !strings.Contains(m.Text, "the text") {
			t.Fatalf("the text is lost: %q", m.Text)
		}
		var sent []Attachment
		for _, a := range atts {
			if a.Header != "" { // a part nested too deep is not sent on
				sent = append(sent, a)
			}
		}
		if len(m.Attachments) != len(sent) {
			t.Fatalf("%d attachments sent on, %d arrived; relayed:\n%s", len(sent), len(m.Attachments), buf.Bytes())
		}
		for i, a := range sent {
			if g := m.Attachments[i]; g.Name != mimepart.FileName(a.Name) || g.ContentType != mimepart.Type(a.ContentType) || g.Inline != a.Inline {
				t.Fatalf("attachment %d: sent %q %s inline %v, arrived %q %s inline %v; relayed:\n%s", i, a.Name, a.ContentType, a.Inline, g.Name, g.ContentType, g.Inline, buf.Bytes())
			}
		}
	})
}
