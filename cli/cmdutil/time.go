package cmdutil

import (
	"fmt"
	"sak/parse"
	"strings"
	"time"
)

// ParseDuration reads a span of time as people type it: parse.Duration
// ("2d", "3h", "90m", "1w", "1d12h", "3y"), the syntax of the CLI's flags
// and of a caseworker's [remind 2d] by mail alike.
func ParseDuration(s string) (time.Duration, error) { return parse.Duration(s) }

// FormatDuration writes d in ParseDuration's syntax (parse.FormatDuration).
func FormatDuration(d time.Duration) string { return parse.FormatDuration(d) }

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
