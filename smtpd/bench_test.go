package smtpd

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

var benchText = strings.Repeat("The printer on the third floor shows an error and prints nothing.\r\n", 30)

func benchMail(i int64) []byte {
	return []byte(fmt.Sprintf("From: user%d@bench.example\r\nTo: support@example.org\r\nSubject: Printer problem %d\r\nMessage-ID: <bench%d@bench.example>\r\n\r\n%s", i, i, i, benchText))
}

// BenchmarkDeliver is one delivery: parse, thread, and its SQL
// transaction (durable commit), new tickets from distinct senders.
func BenchmarkDeliver(b *testing.B) {
	for _, open := range []struct {
		name string
		open storetest.Opener
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(open.name, func(b *testing.B) {
			s := open.open(b)
			storetest.Desk(b, s)
			d := &Deliverer{Store: s}
			ctx := context.Background()
			route := mustRouteB(b, d)
			var n atomic.Int64
			b.ReportAllocs()
			b.SetBytes(int64(len(benchMail(0))))
			b.SetParallelism(8) // 8 x GOMAXPROCS sessions at once, as under SMTP load
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := d.Deliver(ctx, &Envelope{MailFrom: "x@bench.example", Routes: []mailstore.Route{route}}, benchMail(n.Add(1))); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkThread is the threading look-up of a reply by subject tag and
// In-Reply-To in a store with tickets.
func BenchmarkThread(b *testing.B) {
	s := storetest.SQLite(b)
	storetest.Desk(b, s)
	d := &Deliverer{Store: s}
	ctx := context.Background()
	route := mustRouteB(b, d)
	for i := int64(0); i < 200; i++ {
		if _, err := d.Deliver(ctx, &Envelope{MailFrom: "x@bench.example", Routes: []mailstore.Route{route}}, benchMail(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		reply := fmt.Sprintf("From: user7@bench.example\r\nSubject: Re: [support #7] Printer problem\r\nMessage-ID: <reply%d@bench.example>\r\nIn-Reply-To: <bench7@bench.example>\r\n\r\nStill.\r\n", i)
		if _, err := d.Deliver(ctx, &Envelope{MailFrom: "user7@bench.example", Routes: []mailstore.Route{route}}, []byte(reply)); err != nil {
			b.Fatal(err)
		}
	}
}

func mustRouteB(b *testing.B, d *Deliverer) mailstore.Route {
	r, err := d.Route(context.Background(), "support@example.org")
	if err != nil {
		b.Fatal(err)
	}
	return r
}
