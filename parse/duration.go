package parse

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Units of Duration. A year is 365 days (for spans like "stats
// --since 3y"); a month has no fixed length: give weeks or days.
var units = []struct {
	name string
	d    time.Duration
}{
	{"y", 365 * 24 * time.Hour},
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
}

// maxDuration bounds durations to about 100 years, far from overflow.
const maxDuration = 100 * 365 * 24 * time.Hour

// Duration reads a span of time as people type it: a number and a
// unit, y (365 days), w (weeks), d (days), h, m (minutes) or s, or several
// of them, as in "2d", "3h", "90m", "1w", "1d12h", "3y". Days and weeks are
// 24 and 168 hours.
func Duration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("empty duration: give it as 2d, 3h, 90m or 1w")
	}
	rest := strings.ToLower(in)
	var total time.Duration
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i > 9 {
			return 0, fmt.Errorf("invalid duration %q: give it as 2d, 3h, 90m or 1w", s)
		}
		n, _ := strconv.ParseInt(rest[:i], 10, 64)
		rest = rest[i:]
		var unit time.Duration
		for _, u := range units {
			if strings.HasPrefix(rest, u.name) {
				unit, rest = u.d, rest[len(u.name):]
				break
			}
		}
		if unit == 0 {
			return 0, fmt.Errorf("invalid duration %q: a number needs a unit, y, w, d, h, m or s (as in 2d, 3h, 90m, 1w, 3y)", s)
		}
		if time.Duration(n) > maxDuration/unit || total+time.Duration(n)*unit > maxDuration {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		total += time.Duration(n) * unit
	}
	return total, nil
}

// FormatDuration writes d in Duration's syntax, largest units first
// ("1w2d", "90m" is "1h30m"; "0s" for zero). Parts below a second are
// dropped.
func FormatDuration(d time.Duration) string {
	if d < time.Second {
		return "0s"
	}
	var b strings.Builder
	for _, u := range units {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.name)
			d -= n * u.d
		}
	}
	return b.String()
}

// Layouts ParseTime accepts for an absolute time; the ones without a zone
// are in the local time zone given.
