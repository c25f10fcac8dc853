package archive

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"
)

// BenchmarkMbox reads a generated mbox of 2,000 messages (mboxrd, some
// quoted "From " lines): the reader's share of an import.
func BenchmarkMbox(b *testing.B) {
	var buf bytes.Buffer
	w := &MboxWriter{W: &buf}
	for i := range 2000 {
		raw := fmt.Appendf(nil, "From: s%d@example.com\nSubject: test %d\nMessage-ID: <%d@example.com>\n\n%s", i, i, i,
			bytes.Repeat([]byte("Some text of a line in the body of the mail.\nFrom the start, quoted.\n"), 15))
		if err := w.Write("s@example.com", time.Unix(int64(i), 0), raw); err != nil {
			b.Fatal(err)
		}
	}
	in := buf.Bytes()
	b.SetBytes(int64(len(in)))
	n := 0
	for b.Loop() {
		r := NewMbox(bytes.NewReader(in), MboxOptions{})
		for {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "messages/s")
}
