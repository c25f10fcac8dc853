package torture

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sak/mailstore/storetest"
	"sak/parse"
)

// relaySink counts what the daemons' outbound workers deliver.
type relaySink struct {
	mu  sync.Mutex
	got map[string]int // Message-ID + recipient -> deliveries
}

func (k *relaySink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{k: k}, nil }

type sinkSession struct {
	k     *relaySink
	rcpts []string
}

func (s *sinkSession) Reset()                               { s.rcpts = nil }
func (s *sinkSession) Logout() error                        { return nil }
func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	id := parse.Parse(b).MessageID
	s.k.mu.Lock()
	defer s.k.mu.Unlock()
	for _, rc := range s.rcpts {
		s.k.got[id+" "+rc]++
	}
	return nil
}

// TestTwoDaemons runs two 'sak serve' on one PostgreSQL database, as two
// front machines do, with CLI commands racing beside them: ticket ids stay
// unique, each mail is stored once, every take race has one winner, and
// the shared outbox sends each row once.
func TestTwoDaemons(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	seed(t, dsn)
	sink := &relaySink{got: map[string]int{}}
	srv := smtp.NewServer(sink)
	srv.Domain = "relay.test"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	relay := []string{"--relay", l.Addr().String()}
	a, b := startDaemon(t, dsn, relay...), startDaemon(t, dsn, relay...)
	var turn atomic.Int64
	addr := func() string {
		if turn.Add(1)%2 == 0 {
			return a.addr
		}
		return b.addr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	v := &verdicts{}
	ms := mails("twin", 200)
	// Every mail twice, through both daemons: the second is a duplicate.
	acked := load(ctx, t, append(ms, ms...), 8, addr, v)
	if len(acked) != 2*len(ms) || v.fivexx() != 0 {
		t.Fatalf("%d acknowledged, replies %v", len(acked), v.codes)
	}
	s := openStore(t, dsn)
	checkStore(t, s, ms)

	// Take races from separate processes.
	for id := 1; id <= 10; id++ {
		var wins atomic.Int64
		var wg sync.WaitGroup
		for _, who := range []string{"alice", "bob", "carol", "root"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(sakBin, "ticket", "take", strconv.Itoa(id), "--as", who)
				cmd.Env = append(os.Environ(), "SAK_DB="+dsn)
				if cmd.Run() == nil {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("ticket %d: %d takes won, want 1", id, wins.Load())
		}
	}

	// The outbox drains through both workers, each row once.
	rows := count(t, s, `SELECT COUNT(*) FROM outbox`)
	deadline := time.Now().Add(60 * time.Second)
	for count(t, s, `SELECT COUNT(*) FROM outbox WHERE status <> 'sent'`) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("outbox did not drain: %d of %d unsent", count(t, s, `SELECT COUNT(*) FROM outbox WHERE status <> 'sent'`), rows)
		}
		time.Sleep(200 * time.Millisecond)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.got) != rows {
		t.Fatalf("relay got %d distinct mails for %d outbox rows", len(sink.got), rows)
	}
	for k, n := range sink.got {
		if n != 1 {
			t.Fatalf("%s sent %d times", k, n)
		}
	}
	t.Logf("%d mails stored, %d outbox rows sent once each, replies %v", len(ms), rows, v.codes)
}
