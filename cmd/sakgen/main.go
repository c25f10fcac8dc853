// Command sakgen fills a sak store with a service desk's worth of tickets
// through the store's own write path (mailstore.Deliver, as mail arrives),
// for benchmarks: queues by a Zipf distribution, 1 to 50 mails a ticket
// (7 on average), 90% resolved, and the new and open shares of a large
// university's desk (2,000 new and 2,500 open of 700,000).
//
//	sakgen --db sak.db --tickets 700000     # the seed scale: ~5,000,000 mails
//	sakgen --db sak.db --tickets 50000      # make bench
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"sak/mailstore"
)

type config struct {
	db      string
	tickets int
	queues  int
	workers int
	seed    int64
	span    time.Duration
	sync    bool
}

func main() {
	var c config
	flag.StringVar(&c.db, "db", "sak.db", "the store to fill (a new or migrated database)")
	flag.IntVar(&c.tickets, "tickets", 50000, "tickets to make")
	flag.IntVar(&c.queues, "queues", 250, "queues to spread them over")
	flag.IntVar(&c.workers, "workers", 8, "concurrent writers (deliveries share commits)")
	flag.Int64Var(&c.seed, "seed", 1, "random seed")
	flag.DurationVar(&c.span, "span", 3*365*24*time.Hour, "the tickets' mail dates spread over this time before now")
	flag.BoolVar(&c.sync, "sync", false, "commit durably (fsync) as sak serve does; off by default: a data set can be made again")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "sakgen:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	ctx := context.Background()
	var opts []mailstore.Option
	if !c.sync {
		opts = append(opts, mailstore.WithoutSync())
	}
	s, err := mailstore.Open(ctx, c.db, opts...)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	queues, err := setup(ctx, s, c)
	if err != nil {
		return err
	}
	start := time.Now()
	var mails atomic.Int64
	bar := progress(c.tickets)
	jobs := make(chan int)
	errc := make(chan error, c.workers)
	var wg sync.WaitGroup
	for w := 0; w < c.workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(c.seed + int64(w)))
			zipf := rand.NewZipf(rng, 1.1, 1, uint64(len(queues)-1))
			for i := range jobs {
				n, err := ticket(ctx, s, c, rng, queues[zipf.Uint64()], i)
				if err != nil {
					errc <- err
					return
				}
				mails.Add(int64(n))
				bar.Add(1)
			}
		}(w)
	}
	go func() {
		defer close(jobs)
		for i := 0; i < c.tickets; i++ {
			select {
			case jobs <- i:
			case err := <-errc:
				errc <- err
				return
			}
		}
	}()
	wg.Wait()
	select {
	case err := <-errc:
		bar.Exit() // as far as it got, not full
		fmt.Fprintln(os.Stderr)
		return err
	default:
	}
	bar.Finish()
	el := time.Since(start)
	fmt.Fprintf(os.Stderr, "\n%d tickets, %d mails in %s: %.0f mails/s\n", c.tickets, mails.Load(), el.Round(time.Second), float64(mails.Load())/el.Seconds())
	return nil
}

// progress is a bar on a terminal, periodic lines otherwise.
func progress(n int) *progressbar.ProgressBar {
	if isatty.IsTerminal(os.Stderr.Fd()) {
		return progressbar.NewOptions(n, progressbar.OptionSetDescription("tickets"), progressbar.OptionShowCount(),
			progressbar.OptionShowIts(), progressbar.OptionSetItsString("tickets"), progressbar.OptionSetWriter(os.Stderr))
	}
	return progressbar.NewOptions(n, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionThrottle(10*time.Second),
		progressbar.OptionShowCount(), progressbar.OptionSetRenderBlankState(false), progressbar.OptionShowIts())
}

// setup makes root, the queues q000…, and caseworkers (one per 500
// tickets, at most 1,400), unless the store has them.
func setup(ctx context.Context, s *mailstore.Store, c config) ([]*mailstore.Queue, error) {
	if _, err := s.User(ctx, "root"); err != nil {
		if _, err := s.AddUser(ctx, "", mailstore.NewUser{Login: "root", Email: "root@example.org", Sysadmin: true}); err != nil {
			return nil, err
		}
	}
	workers := min(1400, max(10, c.tickets/500))
	for i := 0; i < workers; i++ {
		login := fmt.Sprintf("cw%04d", i)
		if _, err := s.User(ctx, login); err == nil {
			continue
		}
		if _, err := s.AddUser(ctx, "root", mailstore.NewUser{Login: login, Email: login + "@example.org"}); err != nil {
			return nil, err
		}
	}
	var qs []*mailstore.Queue
	for i := 0; i < c.queues; i++ {
		name := fmt.Sprintf("q%03d", i)
		q, err := s.Queue(ctx, name)
		if err != nil {
			if q, err = s.CreateQueue(ctx, "root", mailstore.NewQueue{Name: name, Address: name + "@example.org"}); err != nil {
				return nil, err
			}
			for j := 0; j < 6; j++ {
				if err := s.Grant(ctx, "root", name, fmt.Sprintf("cw%04d", (i*6+j)%workers), mailstore.RoleCaseworker); err != nil {
					return nil, err
				}
			}
		}
		qs = append(qs, q)
	}
	return qs, nil
}

var words = strings.Fields(`printer password eduroam exam admission søknad opptak vitnemål studieplass
karakter stipend laptop canvas email account wifi vpn library room booking invoice refund deadline
timeplan semester thesis supervisor transcript diploma`)

// ticket makes one ticket with its mails and its final status, and
// returns how many mails it stored.
func ticket(ctx context.Context, s *mailstore.Store, c config, rng *rand.Rand, q *mailstore.Queue, i int) (int, error) {
	n := 1 + min(49, int(rng.ExpFloat64()*6.1))
	at := time.Now().Add(-time.Duration(rng.Int63n(int64(c.span))))
	from := fmt.Sprintf("student%d@uni.example", rng.Intn(max(1, c.tickets/3)))
	subject := fmt.Sprintf("%s %s %d", words[rng.Intn(len(words))], words[rng.Intn(len(words))], i)
	var id int64
	for k := 0; k < n; k++ {
		msgid := fmt.Sprintf("gen.%d.%d.%d@uni.example", c.seed, i, k)
		subj := subject
		var tags []mailstore.Tag
		if k > 0 {
			subj = fmt.Sprintf("Re: [%s #%d] %s", q.Tag, id, subject)
			tags = []mailstore.Tag{{Tag: q.Tag, ID: id}}
		}
		body := body(rng, k)
		raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\n\r\n%s", from, q.Address, subj, msgid, at.Format(time.RFC1123Z), body)
		d, err := s.Deliver(ctx, &mailstore.Incoming{
			Mail:   mailstore.Mail{Raw: []byte(raw), MessageID: msgid, From: from, Subject: subj, Date: at, Text: body},
			Routes: []mailstore.Route{{Queue: q}}, Tags: tags, At: at, Quiet: true, MailFrom: from,
		})
		if err != nil {
			return k, fmt.Errorf("ticket %d mail %d: %w", i, k, err)
		}
		id = d.Ticket
		at = at.Add(time.Duration(rng.Int63n(int64(48 * time.Hour))))
	}
	// 90% resolved; of the rest, the desk's new and open shares, then
	// stalled and rejected.
	verb := ""
	switch p := rng.Float64(); {
	case p < 0.90:
		verb = "resolve"
	case p < 0.90+0.0029:
		// stays new
	case p < 0.90+0.0029+0.0036:
		verb = "open"
	case p < 0.98:
		verb = "stall"
	default:
		verb = "reject"
	}
	if verb != "" {
		if err := s.SetStatus(mailstore.WithVia(ctx, mailstore.ViaImport), "root", id, verb); err != nil {
			return n, fmt.Errorf("ticket %d: %s: %w", id, verb, err)
		}
	}
	return n, nil
}

// body is about 1 KiB of text: words of a 5,000-word vocabulary by a
// Zipf distribution, as in prose, and now and then one of the desk's
// topic words, so that a search for one finds a realistic share of mail
// (about 2%), not all of it.
func body(rng *rand.Rand, k int) string {
	zipf := rand.NewZipf(rng, 1.07, 2, uint64(len(vocabulary)-1))
	var b strings.Builder
	lines := 8 + int(math.Abs(rng.NormFloat64()*4))
	topic := -1
	if rng.Intn(2) == 0 {
		topic = rng.Intn(lines)
	}
	for l := 0; l < lines; l++ {
		for w := 0; w < 10; w++ {
			b.WriteString(vocabulary[zipf.Uint64()])
			b.WriteByte(' ')
		}
		if l == topic {
			b.WriteString(words[rng.Intn(len(words))])
		}
		b.WriteString("\r\n")
	}
	if k > 0 {
		b.WriteString("\r\n> previous mail quoted here\r\n")
	}
	return b.String()
}

// vocabulary is 5,000 made-up words of 2 to 9 letters.
var vocabulary = func() []string {
	rng := rand.New(rand.NewSource(42))
	const letters = "abcdefghijklmnoprstuvyæøå"
	v := make([]string, 5000)
	for i := range v {
		n := 2 + rng.Intn(8)
		r := make([]rune, n)
		for j := range r {
			r[j] = []rune(letters)[rng.Intn(len([]rune(letters)))]
		}
		v[i] = string(r)
	}
	return v
}()
