package cmdutil

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Units of ParseDuration. A year is 365 days (for spans like "stats
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

// ParseDuration reads a span of time as people type it: a number and a
// unit, y (365 days), w (weeks), d (days), h, m (minutes) or s, or several
// of them, as in "2d", "3h", "90m", "1w", "1d12h", "3y". Days and weeks are
// 24 and 168 hours.
func ParseDuration(s string) (time.Duration, error) {
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

// FormatDuration writes d in ParseDuration's syntax, largest units first
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
var layouts = []string{
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
}

// ParseTime reads a point in time: RFC 3339 ("2025-03-01T09:00:00+01:00"),
// a local date and time ("2025-03-01 09:00" or "2025-03-01T09:00"), a date
// ("2025-03-01", which is midnight at the start of that day in loc), or a
// duration from now as for ParseDuration ("2d", "3h", "90m", "1w";
// "+2d" too).
func ParseTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	return parseTime(s, now, loc, 1)
}

// ParsePast is ParseTime for the past: a duration is taken back from now,
// so "30d" is thirty days ago.
func ParsePast(s string, now time.Time, loc *time.Location) (time.Time, error) {
	return parseTime(s, now, loc, -1)
}

func parseTime(s string, now time.Time, loc *time.Location, sign time.Duration) (time.Time, error) {
	in := strings.TrimSpace(s)
	if loc == nil {
		loc = time.Local
	}
	if in == "" {
		return time.Time{}, fmt.Errorf("empty time: give a date (2025-03-01), a date and time (2025-03-01 09:00), RFC 3339, or a duration (2d, 3h)")
	}
	if c := in[0]; c >= '0' && c <= '9' || c == '+' {
		rel := strings.TrimPrefix(in, "+")
		if d, err := ParseDuration(rel); err == nil {
			return now.Add(sign * d), nil
		} else if in[0] == '+' || !strings.Contains(in, "-") {
			return time.Time{}, err
		}
	}
	if t, err := time.Parse(time.RFC3339, in); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, in, loc); err == nil {
		return t, nil
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, in, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid time %q: give a date (2025-03-01), a date and time (2025-03-01 09:00), RFC 3339, or a duration (2d, 3h, 90m, 1w)", s)
}
