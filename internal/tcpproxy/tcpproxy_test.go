package tcpproxy

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"
)

// serve accepts connections on a loopback port, each handled by handle
// in a goroutine of its own, and returns the port's address.
func serve(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
	return ln.Addr().String()
}

// echo serves lines back to their sender until it closes.
func echo(t *testing.T) string {
	t.Helper()
	return serve(t, func(c net.Conn) { io.Copy(c, c); c.Close() })
}

// batches answers "ok" to each line "." it reads, and nothing to the
// lines before it: a server that answers a pipelined request only once
// it has all of it, so that no answer comes between its parts.
func batches(t *testing.T) string {
	t.Helper()
	return serve(t, func(c net.Conn) {
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if l == ".\n" {
				c.Write([]byte("ok\n"))
			}
		}
	})
}

func TestRoundTrips(t *testing.T) {
	p, err := Start(batches(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	ask := func(lines ...string) {
		t.Helper()
		// Each line its own send, apart in time so that the proxy reads
		// each alone: sends with no answer between are one round trip.
		for _, l := range append(lines, ".") {
			if _, err := c.Write([]byte(l + "\n")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if l, err := r.ReadString('\n'); err != nil || l != "ok\n" {
			t.Fatalf("read %q, %v", l, err)
		}
	}
	ask("one")
	ask("two", "three", "four") // pipelined: one round trip
	ask("five")
	if got := p.RoundTrips(); got != 3 {
		t.Errorf("RoundTrips = %d, want 3", got)
	}
}

func TestDelay(t *testing.T) {
	const delay = 20 * time.Millisecond
	p, err := Start(echo(t), delay)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if _, err := c.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "ping\n" {
		t.Fatalf("read %q, %v", line, err)
	}
	// The delay is a lower bound: once each way.
	if took := time.Since(start); took < 2*delay {
		t.Errorf("a round trip took %v, want at least %v", took, 2*delay)
	}
	// A closed client closes the server side too.
	c.Close()
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
