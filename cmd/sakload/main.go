// Command sakload drives a running 'sak serve' over SMTP with a realistic
// mix of mail and measures it against a null sink (a go-smtp server that
// accepts and discards) driven by the same process just before, so the
// result is a ratio to the protocol ceiling on this machine.
//
// The mix: 80% new 2 KiB plain mails, 15% replies to acknowledged ones
// (In-Reply-To, and with --db the ticket's subject tag), 5% mails with a
// 200 KiB attachment; every mail from a distinct sender. With --db it
// checks afterwards that every acknowledged mail is stored.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"sak/mailstore"
)

type config struct {
	target   string
	rcpt     string
	tag      string
	conns    int
	n        int
	db       string
	null     bool
	jsonOut  bool
	label    string
	warmup   int
	seed     int64
	attachKB int
}

func main() {
	var c config
	flag.StringVar(&c.target, "target", "127.0.0.1:2525", "SMTP address of the sak serve under test")
	flag.StringVar(&c.rcpt, "rcpt", "support@example.org", "queue address to send to")
	flag.StringVar(&c.tag, "tag", "support", "the queue's subject tag, for threaded replies")
	flag.IntVar(&c.conns, "c", 16, "concurrent connections")
	flag.IntVar(&c.n, "n", 2000, "messages to send")
	flag.StringVar(&c.db, "db", "", "the store's DSN: look up ticket numbers for replies and verify every acknowledged mail afterwards")
	flag.BoolVar(&c.null, "null", true, "also run the same load against an in-process null sink and report the ratio")
	flag.BoolVar(&c.jsonOut, "json", false, "print the result as JSON")
	flag.StringVar(&c.label, "label", "", "a label for the result (e.g. sqlite)")
	flag.Int64Var(&c.seed, "seed", 1, "random seed")
	flag.IntVar(&c.attachKB, "attach-kb", 200, "size of the attachment of 5% of the mails, KiB")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "sakload:", err)
		os.Exit(1)
	}
}

// Result is one load run.
type Result struct {
	Label     string  `json:"label"`
	Messages  int     `json:"messages"`
	Conns     int     `json:"conns"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"msgs_per_sec"`
	P50ms     float64 `json:"p50_ms"`
	P99ms     float64 `json:"p99_ms"`
	Failures  int     `json:"failures"`
}

// Report is what sakload prints.
type Report struct {
	Sak      Result  `json:"sak"`
	Null     *Result `json:"null,omitempty"`
	Ratio    float64 `json:"ratio,omitempty"`
	Verified int     `json:"verified,omitempty"`
	Missing  int     `json:"missing,omitempty"`
}

func run(c config) error {
	var store *mailstore.Store
	if c.db != "" {
		var err error
		if store, err = mailstore.Open(context.Background(), c.db); err != nil {
			return err
		}
		defer store.Close()
	}
	mails := makeMix(c)
	rep := Report{}
	if c.null {
		addr, stop, err := nullSink()
		if err != nil {
			return err
		}
		r, _ := drive(c, addr, mails, nil)
		stop()
		r.Label = "null sink"
		rep.Null = &r
	}
	r, acked := drive(c, c.target, mails, store)
	r.Label = "sak"
	if c.label != "" {
		r.Label = "sak " + c.label
	}
	rep.Sak = r
	if rep.Null != nil && rep.Null.PerSecond > 0 {
		rep.Ratio = r.PerSecond / rep.Null.PerSecond
	}
	if store != nil {
		for _, id := range acked {
			var n int
			if err := store.DB().QueryRow(`SELECT COUNT(*) FROM messages WHERE msgid = $1`, id).Scan(&n); err != nil {
				return err
			}
			if n == 1 {
				rep.Verified++
			} else {
				rep.Missing++
			}
		}
	}
	if c.jsonOut {
		return json.NewEncoder(os.Stdout).Encode(rep)
	}
	for _, r := range []*Result{rep.Null, &rep.Sak} {
		if r != nil {
			fmt.Printf("%-14s %6d msgs  %2d conns  %7.1f msg/s  p50 %6.1f ms  p99 %7.1f ms  failures %d\n",
				r.Label, r.Messages, r.Conns, r.PerSecond, r.P50ms, r.P99ms, r.Failures)
		}
	}
	if rep.Null != nil {
		fmt.Printf("ratio sak/null: %.1f%%\n", 100*rep.Ratio)
	}
	if store != nil {
		fmt.Printf("verified in the store: %d acknowledged, %d missing\n", rep.Verified, rep.Missing)
	}
	if rep.Missing > 0 {
		return fmt.Errorf("%d acknowledged mails are not in the store", rep.Missing)
	}
	return nil
}

// kind of a mail in the mix.
type kind int

const (
	kindNew kind = iota
	kindReply
	kindAttach
)

type mail struct {
	kind kind
	from string
	id   string
	body []byte // for kindNew/kindAttach; replies are made when sent
}

func makeMix(c config) []mail {
	rng := rand.New(rand.NewSource(c.seed))
	run := fmt.Sprintf("%d.%d", time.Now().UnixNano(), os.Getpid())
	attach := make([]byte, c.attachKB<<10)
	rng.Read(attach)
	enc := base64.StdEncoding.EncodeToString(attach)
	var wrapped strings.Builder
	for i := 0; i < len(enc); i += 76 {
		wrapped.WriteString(enc[i:min(i+76, len(enc))] + "\r\n")
	}
	// About 2 KiB of text in lines of 67 bytes, as mail clients wrap it.
	text := strings.Repeat("The printer on the third floor shows an error and prints nothing.\r\n", 30)
	ms := make([]mail, c.n)
	for i := range ms {
		m := mail{from: fmt.Sprintf("user%d.%s@load.example", i, run), id: fmt.Sprintf("load.%d.%s@load.example", i, run)}
		switch p := rng.Intn(100); {
		case p < 80 || i < c.conns:
			m.kind = kindNew
		case p < 95:
			m.kind = kindReply
		default:
			m.kind = kindAttach
		}
		switch m.kind {
		case kindNew:
			m.body = []byte(fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Printer problem %d\r\nMessage-ID: <%s>\r\nDate: %s\r\n\r\n%s\r\n",
				m.from, c.rcpt, i, m.id, time.Now().Format(time.RFC1123Z), text))
		case kindAttach:
			m.body = []byte(fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Scan %d\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"+
				"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the scan.\r\n"+
				"--b\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s--b--\r\n",
				m.from, c.rcpt, i, m.id, wrapped.String()))
		}
		ms[i] = m
	}
	return ms
}

// drive sends every mail with c.conns connections and measures.
func drive(c config, addr string, mails []mail, store *mailstore.Store) (Result, []string) {
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var acked []string
	var newIDs []string // acknowledged new mails: parents for replies
	var failures atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < c.conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(c.seed + int64(w)))
			var cl *smtp.Client
			defer func() {
				if cl != nil {
					cl.Quit()
				}
			}()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(mails) {
					return
				}
				m := mails[i]
				body := m.body
				if m.kind == kindReply {
					mu.Lock()
					parent := ""
					if len(newIDs) > 0 {
						parent = newIDs[rng.Intn(len(newIDs))]
					}
					mu.Unlock()
					body = reply(c, store, m, parent)
				}
				if cl == nil {
					var err error
					if cl, err = dial(addr); err != nil {
						failures.Add(1)
						continue
					}
				}
				t0 := time.Now()
				err := send(cl, m.from, c.rcpt, body)
				d := time.Since(t0)
				if err != nil {
					if failures.Add(1) <= 3 {
						fmt.Fprintf(os.Stderr, "sakload: %s: %v\n", addr, err)
					}
					cl.Close()
					cl = nil
					continue
				}
				mu.Lock()
				lat = append(lat, d)
				acked = append(acked, m.id)
				if m.kind == kindNew {
					newIDs = append(newIDs, m.id)
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	el := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	return Result{Messages: len(lat), Conns: c.conns, Seconds: el.Seconds(), PerSecond: float64(len(lat)) / el.Seconds(),
		P50ms: pct(0.50), P99ms: pct(0.99), Failures: int(failures.Load())}, acked
}

// reply makes a reply to parent with the ticket's subject tag (looked up in
// the store when there is one; the null sink does not care).
func reply(c config, store *mailstore.Store, m mail, parent string) []byte {
	// The subject tag when the store tells the parent's ticket; without
	// it the reply threads by In-Reply-To alone (a made-up tag would
	// send every reply to one ticket, and their deliveries would wait on
	// its lock).
	subject := "Re: Printer problem"
	var ticket int64
	if store != nil && parent != "" {
		if store.DB().QueryRow(`SELECT ticket_id FROM message_ids WHERE msgid = $1`, parent).Scan(&ticket) == nil {
			subject = fmt.Sprintf("Re: [%s #%d] Printer problem", c.tag, ticket)
		}
	}
	return []byte(fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\nIn-Reply-To: <%s>\r\n\r\nStill broken, see above.\r\n",
		m.from, c.rcpt, subject, m.id, parent))
}

func dial(addr string) (*smtp.Client, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	cl := smtp.NewClient(conn)
	if err := cl.Hello("load.example"); err != nil {
		cl.Close()
		return nil, err
	}
	return cl, nil
}

func send(cl *smtp.Client, from, rcpt string, body []byte) error {
	if err := cl.Mail(from, nil); err != nil {
		return err
	}
	if err := cl.Rcpt(rcpt, nil); err != nil {
		return err
	}
	w, err := cl.Data()
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, bytes.NewReader(body)); err != nil {
		return err
	}
	return w.Close()
}

// nullSink is a go-smtp server that accepts and discards, on loopback.
func nullSink() (string, func(), error) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return discard{}, nil }))
	srv.Domain = "null.sink"
	srv.MaxMessageBytes = 64 << 20
	srv.MaxLineLength = 128 << 10 // as sak's
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go srv.Serve(l)
	return l.Addr().String(), func() { srv.Close() }, nil
}

type discard struct{}

func (discard) Reset()                               {}
func (discard) Logout() error                        { return nil }
func (discard) Mail(string, *smtp.MailOptions) error { return nil }
func (discard) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (discard) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
