package smtpd

import (
	"bufio"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"sak/mailstore/storetest"
)

// conversation is a raw SMTP client: it writes lines as they are and reads
// replies, so a test can send what no well-behaved client would.
type conversation struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *conversation {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cv := &conversation{t: t, conn: c, r: bufio.NewReaderSize(c, 64<<10)}
	cv.expect("220")
	return cv
}

// reply reads one (possibly multi-line) reply and returns its last line.
func (c *conversation) reply() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return "ERR " + err.Error()
		}
		if len(line) < 4 || line[3] != '-' {
			return strings.TrimRight(line, "\r\n")
		}
	}
}

func (c *conversation) send(s string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.conn.Write([]byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *conversation) expect(prefix string) string {
	c.t.Helper()
	got := c.reply()
	if !strings.HasPrefix(got, prefix) {
		c.t.Fatalf("reply %q, want %s", got, prefix)
	}
	return got
}

func (c *conversation) cmd(line, prefix string) string {
	c.t.Helper()
	c.send(line + "\r\n")
	return c.expect(prefix)
}

// envelope starts a transaction to support@.
func (c *conversation) envelope() {
	c.t.Helper()
	c.cmd("EHLO hostile.example", "250")
	c.cmd("MAIL FROM:<h@example.net>", "250")
	c.cmd("RCPT TO:<support@example.org>", "250")
}

func TestHostileInput(t *testing.T) {
	s := storetest.SQLite(t)
	storetest.Desk(t, s)
	r := serve(t, s, Config{MaxMessageBytes: 1 << 20, ReadTimeout: 2 * time.Second, MaxRecipients: 100})
	r.d.Log = nil
	normal := func(t *testing.T, id string) {
		t.Helper()
		r.mustSend("pat@example.com", []string{"support@example.org"}, mailText("pat@example.com", "support@example.org", "after "+id, id+"@example.com", "", "fine"))
	}
	data := func(c *conversation, msg string, want string) string {
		c.t.Helper()
		c.cmd("DATA", "354")
		c.send(msg + "\r\n.\r\n")
		return c.expect(want)
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	t.Run("command line over the limit", func(t *testing.T) {
		c := dialRaw(t, r.smtp)
		c.send("EHLO " + strings.Repeat("x", 200<<10) + "\r\n")
		c.expect("500")
		normal(t, "h1")
	})
	t.Run("10,000 recipients", func(t *testing.T) {
		c := dialRaw(t, r.smtp)
		c.envelope()
		var w strings.Builder
		for i := 0; i < 10000; i++ {
			w.WriteString("RCPT TO:<support@example.org>\r\n")
		}
		go c.send(w.String())
		ok, full := 0, 0
		for i := 0; i < 10000; i++ {
			switch rep := c.reply(); {
			case strings.HasPrefix(rep, "250"):
				ok++
			case strings.HasPrefix(rep, "452"):
				full++
			default:
				t.Fatalf("RCPT %d: %q", i, rep)
			}
		}
		if ok != 99 || full != 9901 { // one accepted by envelope()
			t.Fatalf("%d accepted, %d refused with 452", ok, full)
		}
		normal(t, "h2")
	})
	t.Run("header block of 10 MiB is over SIZE", func(t *testing.T) {
		c := dialRaw(t, r.smtp)
		c.envelope()
		c.cmd("DATA", "354")
		line := "X-Junk: " + strings.Repeat("a", 990) + "\r\n"
		for n := 0; n < 10<<20; n += len(line) {
			c.send(line)
		}
		c.send("\r\nbody\r\n.\r\n")
		c.expect("552")
		normal(t, "h3")
	})
	t.Run("1,000-deep nested multipart", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("From: deep@example.net\r\nSubject: deep\r\nMessage-ID: <deep@example.net>\r\n")
		for i := 0; i < 1000; i++ {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
		}
		b.WriteString("Content-Type: text/plain\r\n\r\nbottom\r\n")
		c := dialRaw(t, r.smtp)
		c.envelope()
		data(c, b.String(), "250")
		normal(t, "h4")
	})
	t.Run("NUL and 8-bit bytes in headers, bad charsets and encoded words", func(t *testing.T) {
		c := dialRaw(t, r.smtp)
		c.envelope()
		data(c, "From: n\x00ul\xff@example.net\r\nSubject: =?x-unknown?q?=FF=FE?= =?utf-8?b?////?= \xe6\xf8\xe5\r\n"+
			"Content-Type: text/plain; charset=x-nonsense\r\nMessage-ID: <nul@example.net>\r\n\r\nbody \x00 \xff\r\n", "250")
		normal(t, "h5")
	})
	t.Run("exactly at and one byte over SIZE", func(t *testing.T) {
		head := "From: size@example.net\r\nSubject: size\r\nMessage-ID: <size%d@example.net>\r\n\r\n"
		for _, over := range []int{0, 1} {
			h := fmt.Sprintf(head, over)
			// The server counts the bytes of the message as sent, with
			// the final CRLF before the dot.
			body := lines((1 << 20) - len(h) - 2 + over)
			c := dialRaw(t, r.smtp)
			c.envelope()
			want := map[int]string{0: "250", 1: "552"}[over]
			data(c, h+body, want)
		}
		normal(t, "h6")
	})
	t.Run("a client that stalls mid-DATA is timed out", func(t *testing.T) {
		c := dialRaw(t, r.smtp)
		c.envelope()
		c.cmd("DATA", "354")
		c.send("From: slow@example.net\r\nSubject: slow\r\n\r\nhalf")
		start := time.Now()
		rep := c.reply() // the server gives up on us
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the stalled session lasted %s", time.Since(start))
		}
		if strings.HasPrefix(rep, "250") {
			t.Fatalf("a stalled, unfinished message was acknowledged: %q", rep)
		}
		normal(t, "h7")
	})
	t.Run("200 idle connections", func(t *testing.T) {
		var wg sync.WaitGroup
		conns := make([]net.Conn, 200)
		for i := range conns {
			c, err := net.Dial("tcp", r.smtp)
			if err != nil {
				t.Fatal(err)
			}
			conns[i] = c
		}
		normal(t, "h8") // served while 200 sit idle
		for _, c := range conns {
			wg.Add(1)
			go func() { defer wg.Done(); c.Close() }()
		}
		wg.Wait()
	})

	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > 64<<20 {
		t.Fatalf("heap grew by %d MiB over the hostile session", grown>>20)
	}
	if n := len(r.tickets()); n < 8 {
		t.Fatalf("%d tickets; every normal mail after hostile input must be delivered", n)
	}
}

// lines makes n bytes of text in lines of at most 80 bytes.
func lines(n int) string {
	var b strings.Builder
	for b.Len() < n {
		if n-b.Len() >= 80 {
			b.WriteString(strings.Repeat("b", 78) + "\r\n")
		} else {
			b.WriteString(strings.Repeat("b", n-b.Len()))
		}
	}
	return b.String()
}
