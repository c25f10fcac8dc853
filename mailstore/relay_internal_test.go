package mailstore

import (
	"strings"
	"testing"
)

// TestRelayAttachLimit checks that a relayed mail carries attachments in
// order while they fit attachLimit, and names those it does not
// carry (for the mail's text): the rest, and parts the parser did not take apart.
func TestRelayAttachLimit(t *testing.T) {
	o := &op{t: &ticketRow{id: 7}}
	part := func(name string, n int) Attachment {
		return Attachment{Name: name, ContentType: "application/pdf", Size: int64(n) * 3 / 4,
			Header: "Content-Type: application/pdf\r\n", Body: make([]byte, n)}
	}
	in := &Incoming{Mail: Mail{Attachments: []Attachment{
		part("a.pdf", attachLimit-100),
		part("b.pdf", 200),
		part("c.pdf", 100),
		{ContentType: "multipart/mixed", Size: 50}, // nested too deep: no part to send
	}}}
	atts, left := o.attachments(in)
	var names []string
	for _, a := range atts {
		names = append(names, a.Name)
	}
	if strings.Join(names, ",") != "a.pdf,c.pdf" {
		t.Errorf("carried %v, want a.pdf and c.pdf", names)
	}
	want := "b.pdf (150 bytes), multipart/mixed (50 bytes)"
	if got := strings.Join(left, ", "); got != want {
		t.Errorf("left = %q, want %q", got, want)
	}
	if atts, left := o.attachments(&Incoming{Mail: Mail{Attachments: []Attachment{part("a.pdf", 10)}}}); len(atts) != 1 || left != nil {
		t.Errorf("one small file: %d carried, left %q", len(atts), left)
	}
}
