package tcpproxy

import (
	"syscall"
	"time"
)

// sleep waits d. The Go runtime's timers wake sleepers of less than a
// millisecond about a millisecond late (its poller waits in whole
// milliseconds), which made a delay of 250µs each way a round trip of
// 2.5 ms; nanosleep on the goroutine's own thread keeps to d within the
// kernel's timer slack (about 50µs).
func sleep(d time.Duration) {
	ts := syscall.NsecToTimespec(d.Nanoseconds())
	for {
		var left syscall.Timespec
		err := syscall.Nanosleep(&ts, &left)
		if err != syscall.EINTR {
			return
		}
		ts = left
	}
}
