package torture

import (
	"context"
	"math/rand"
	"testing"
	"time"
)

// TestCrash kills 'sak serve' with SIGKILL at random moments under steady
// load from several connections and restarts it; clients resend what was
// not acknowledged. Every acknowledged mail must then be stored exactly
// once, with its ticket whole and one auto-reply.
func TestCrash(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.dsn(t)
			seed(t, dsn)
			d := startDaemon(t, dsn)
			ms := mails("crash-"+b.name, 300)
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			v := &verdicts{}
			kills := make(chan int)
			go func() {
				rng := rand.New(rand.NewSource(time.Now().UnixNano()))
				n := 0
				defer func() { kills <- n }()
				for ; n < 6; n++ {
					select {
					case <-time.After(time.Duration(150+rng.Intn(500)) * time.Millisecond):
					case <-ctx.Done():
						return
					}
					d.kill()
					d.start()
				}
			}()
			acked := load(ctx, t, ms, 6, func() string { return d.addr }, v)
			n := <-kills
			d.stop()
			if n < 5 {
				t.Fatalf("the daemon was killed %d times, want at least 5 (load ended too soon?)", n)
			}
			if len(acked) != len(ms) {
				t.Fatalf("%d of %d mails acknowledged", len(acked), len(ms))
			}
			if v.fivexx() != 0 {
				t.Fatalf("clients saw %d permanent failures: %v", v.fivexx(), v.codes)
			}
			t.Logf("%d mails, %d kills, replies %v, %d broken connections", len(ms), n, v.codes, v.errors)
			checkStore(t, openStore(t, dsn), acked)
		})
	}
}
