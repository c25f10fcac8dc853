package parse

import (
	"testing"
	"time"
)

func FuzzDuration(f *testing.F) {
	for _, s := range []string{"2d", "3h", "90m", "1w", "1d12h", "0s", "", "2", "99999999999w", "1w1w1w"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Duration(s)
		if err != nil {
			return
		}
		if d < 0 || d > maxDuration {
			t.Fatalf("Duration(%q) = %v: out of range", s, d)
		}
		back, err := Duration(FormatDuration(d))
		if err != nil || back != d.Truncate(time.Second) {
			t.Fatalf("Duration(FormatDuration(%v)) = %v, %v", d, back, err)
		}
	})
}
