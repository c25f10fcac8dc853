package cmdutil

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"2d", 48 * time.Hour, true},
		{"3h", 3 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"1w", 7 * 24 * time.Hour, true},
		{"3y", 3 * 365 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{" 2D ", 48 * time.Hour, true},
		{"45s", 45 * time.Second, true},
		{"0m", 0, true},
		{"", 0, false},
		{"2", 0, false},
		{"d", 0, false},
		{"2x", 0, false},
		{"-2d", 0, false},
		{"2d-", 0, false},
		{"1.5h", 0, false},
		{"99999999999w", 0, false},
		{"6000w", 0, false},
	} {
		got, err := ParseDuration(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseTime(t *testing.T) {
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		oslo = time.FixedZone("CET", 3600)
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2d", now.Add(48 * time.Hour), true},
		{"+3h", now.Add(3 * time.Hour), true},
		{"90m", now.Add(90 * time.Minute), true},
		{"1w", now.Add(7 * 24 * time.Hour), true},
		{"2025-03-10", time.Date(2025, 3, 10, 0, 0, 0, 0, oslo), true},
		{"2025-03-10 09:30", time.Date(2025, 3, 10, 9, 30, 0, 0, oslo), true},
		{"2025-03-10T09:30", time.Date(2025, 3, 10, 9, 30, 0, 0, oslo), true},
		{"2025-03-10T09:30:00Z", time.Date(2025, 3, 10, 9, 30, 0, 0, time.UTC), true},
		{"2025-03-10T09:30:00+05:00", time.Date(2025, 3, 10, 4, 30, 0, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"tomorrow", time.Time{}, false},
		{"2025-13-01", time.Time{}, false},
		{"+2025-03-10", time.Time{}, false},
		{"2x", time.Time{}, false},
	} {
		got, err := ParseTime(tc.in, now, oslo)
		if (err == nil) != tc.ok || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	if got, err := ParsePast("30d", now, oslo); err != nil || !got.Equal(now.Add(-30*24*time.Hour)) {
		t.Errorf("ParsePast(30d) = %v, %v; want 30 days ago", got, err)
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2d", "+3h", "2025-03-10", "2025-03-10 09:30", "2025-03-10T09:30:00Z", "2025-03-10T09:30:00+05:00", "tomorrow", "+", "-1d"} {
		f.Add(s)
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s, now, time.UTC)
		if err != nil {
			return
		}
		// Parse, format, parse: the same instant.
		again, err := ParseTime(got.Format(time.RFC3339Nano), now, time.UTC)
		if err != nil {
			// RFC 3339 with fractions is not accepted as input; whole
			// seconds must round-trip.
			again, err = ParseTime(got.Truncate(time.Second).Format(time.RFC3339), now, time.UTC)
			if err != nil || !again.Equal(got.Truncate(time.Second)) {
				t.Fatalf("ParseTime(%q) = %v, which does not parse back: %v", s, got, err)
			}
			return
		}
		if !again.Equal(got) {
			t.Fatalf("ParseTime(%q) = %v, parsed back as %v", s, got, again)
		}
	})
}
