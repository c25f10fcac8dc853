// Package tcpproxy is a TCP proxy for tests and benchmarks that stand in
// for a database on another machine: it adds a fixed delay to each
// direction, as a network would, and counts round trips.
//
// A round trip is counted each time the client sends after the server has
// answered (or for the first time): requests the client pipelines without
// waiting count once, which is what a network delay makes them cost.
package tcpproxy

import (
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy forwards connections accepted on its listener to Target.
type Proxy struct {
	Target string        // host:port to dial for each connection
	Delay  time.Duration // added to each direction of every connection

	ln    net.Listener
	trips atomic.Int64
	wg    sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// Start listens on a free loopback port and serves in the background.
func Start(target string, delay time.Duration) (*Proxy, error) {
	return Listen("127.0.0.1:0", target, delay)
}

// StartURL starts a proxy to the host of rawURL (a database's DSN, say)
// and returns it with rawURL pointed at the proxy.
func StartURL(rawURL string, delay time.Duration) (*Proxy, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, "", err
	}
	p, err := Start(u.Host, delay)
	if err != nil {
		return nil, "", err
	}
	u.Host = p.Addr()
	return p, u.String(), nil
}

// Listen listens on addr and serves in the background.
func Listen(addr, target string, delay time.Duration) (*Proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &Proxy{Target: target, Delay: delay, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is the address clients connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// RoundTrips is the number of round trips counted so far, over all
// connections.
func (p *Proxy) RoundTrips() int64 { return p.trips.Load() }

// Close stops listening, cuts every connection and waits for them.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.handle(c)
	}
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

// handle forwards one connection both ways until either side closes.
func (p *Proxy) handle(client net.Conn) {
	defer p.wg.Done()
	if !p.track(client) {
		client.Close()
		return
	}
	defer p.untrack(client)
	server, err := net.Dial("tcp", p.Target)
	if err != nil {
		return
	}
	if !p.track(server) {
		server.Close()
		return
	}
	defer p.untrack(server)
	var turn sync.Mutex
	answered := true // the client's first send starts a round trip
	sent := func(fromClient bool) {
		turn.Lock()
		if fromClient && answered {
			p.trips.Add(1)
		}
		answered = !fromClient
		turn.Unlock()
	}
	done := make(chan struct{}, 2)
	go func() { p.pipe(server, client, func() { sent(true) }); done <- struct{}{} }()
	go func() { p.pipe(client, server, func() { sent(false) }); done <- struct{}{} }()
	<-done
	client.Close()
	server.Close()
	<-done
}

type chunk struct {
	b  []byte
	at time.Time
}

// pipe copies src to dst, each chunk written Delay after it was read;
// seen is called as each chunk is read.
func (p *Proxy) pipe(dst, src net.Conn, seen func()) {
	if p.Delay <= 0 {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				seen()
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				closeWrite(dst, err)
				return
			}
		}
	}
	q := make(chan chunk, 1024)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				seen()
				q <- chunk{buf[:n], time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		if d := time.Until(c.at.Add(p.Delay)); d > 0 {
			sleep(d)
		}
		if _, err := dst.Write(c.b); err != nil {
			src.Close() // ends the reader
			for range q {
			}
			return
		}
	}
	closeWrite(dst, io.EOF)
}

// closeWrite passes on the end of a stream that ended cleanly.
func closeWrite(c net.Conn, err error) {
	if !errors.Is(err, io.EOF) {
		return
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}
