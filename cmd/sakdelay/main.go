// Command sakdelay is a TCP proxy for benchmarks that puts a network
// between sak and its database: it adds a delay to each direction of every
// connection and, when stopped, prints the round trips it counted.
//
//	sakdelay -listen 127.0.0.1:6432 -target 127.0.0.1:5432 -delay 250us
//
// sak serve then gets a DSN naming 127.0.0.1:6432.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"sak/internal/tcpproxy"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:6432", "address to listen on")
	target := flag.String("target", "127.0.0.1:5432", "address to forward to")
	delay := flag.Duration("delay", 0, "delay added to each direction (e.g. 250us)")
	flag.Parse()
	p, err := tcpproxy.Listen(*listen, *target, *delay)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "sakdelay: %s -> %s, %v each way\n", p.Addr(), *target, *delay)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	p.Close()
	fmt.Printf("round trips: %d\n", p.RoundTrips())
}
