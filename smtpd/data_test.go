package smtpd

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"sak/mailstore/storetest"
)

// TestDataTransparency sends DATA as an MTA does, dot-stuffed (RFC 5321
// 4.5.2), over a raw connection in pieces that split lines, and checks
// that the stored mail is byte for byte what was meant: leading dots
// taken off once, a lone "." inside a line or after a bare CR kept, bare
// CR and LF kept, lines longer than the server's read buffer, and a large
// base64 part.
func TestDataTransparency(t *testing.T) {
	s := storetest.SQLite(t)
	storetest.Desk(t, s)
	r := serve(t, s, Config{})
	rng := rand.New(rand.NewSource(1))
	blob := make([]byte, 300<<10)
	rng.Read(blob)
	enc := base64.StdEncoding.EncodeToString(blob)
	var b64 strings.Builder
	for i := 0; i < len(enc); i += 76 {
		b64.WriteString(enc[i:min(i+76, len(enc))] + "\r\n")
	}
	body := strings.Join([]string{
		".starts with a dot",
		"..starts with two",
		".",
		"..",
		"a dot . in a line and a bare CR\r. after it",
		"a bare LF\n.after it",
		strings.Repeat("long line ", 1000),
		"",
		b64.String() + "after the blob.",
	}, "\r\n")
	for i, chunk := range []int{1 << 20, 4093, 7, 1} {
		t.Run(fmt.Sprintf("pieces of %d", chunk), func(t *testing.T) {
			msgid := fmt.Sprintf("dots%d@example.com", i)
			want := mailText("pat@example.com", "support@example.org", "Dots", msgid, "", body)
			if chunk < 100 {
				// Byte by byte, the start: past the long line, into the blob.
				want = want[:20<<10] + "\r\n"
			}
			var stuffed strings.Builder
			for _, line := range strings.SplitAfter(want, "\r\n") {
				if strings.HasPrefix(line, ".") {
					stuffed.WriteString(".")
				}
				stuffed.WriteString(line)
			}
			stuffed.WriteString(".\r\n")
			c := dialRaw(t, r.smtp)
			c.envelope()
			c.cmd("DATA", "354")
			wire := stuffed.String()
			for len(wire) > 0 {
				n := min(chunk, len(wire))
				c.send(wire[:n])
				wire = wire[n:]
			}
			c.expect("250")
			c.cmd("QUIT", "221")
			var id int64
			if err := s.DB().QueryRow(`SELECT id FROM messages WHERE msgid = $1`, msgid).Scan(&id); err != nil {
				t.Fatal(err)
			}
			got, err := s.RawMessage(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, []byte(want)) {
				at := 0
				for at < min(len(got), len(want)) && got[at] == want[at] {
					at++
				}
				t.Fatalf("stored %d bytes, sent %d; first difference at %d: %q, want %q",
					len(got), len(want), at, got[at:min(at+40, len(got))], want[at:min(at+40, len(want))])
			}
		})
	}
}
