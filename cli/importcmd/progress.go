package importcmd

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"sak/cli/cmdutil"
)

// progress shows how an import goes: on a terminal a bar sized by the
// archives' bytes, with the byte rate, the message rate and the time
// left; otherwise a log line every interval.
type progress struct {
	w        io.Writer
	bar      *progressbar.ProgressBar
	interval time.Duration
	clock    func() time.Time
	start    time.Time
	last     time.Time // of the last log line or description change
	total    int64
	done     int64 // bytes read, of total
	skipped  int64 // bytes skipped at the start (resumed)
}

func newProgress(w io.Writer, force *bool, total int64, interval time.Duration, clock func() time.Time) *progress {
	p := &progress{w: w, interval: interval, clock: clock, start: clock(), total: total}
	p.last = p.start
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
	}
	if force != nil {
		tty = *force
	}
	if tty {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowTotalBytes(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetWidth(24),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetRenderBlankState(true),
		)
	}
	return p
}

// skip counts bytes imported by an earlier run.
func (p *progress) skip(n int64) {
	p.skipped += n
	p.done += n
	if p.bar != nil {
		p.bar.Add64(n)
	}
}

// update counts n more bytes read; s is the summary so far.
func (p *progress) update(n int64, s *Summary) {
	p.done += n
	now := p.clock()
	if p.bar != nil {
		if now.Sub(p.last) >= time.Second {
			p.last = now
			p.bar.Describe(fmt.Sprintf("%d messages, %.0f/s", s.Read, rate(s.Read, now.Sub(p.start))))
		}
		p.bar.Add64(n)
		return
	}
	if p.interval <= 0 || now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	elapsed := now.Sub(p.start)
	line := fmt.Sprintf("sak: import: %d messages, %s of %s", s.Read, cmdutil.HumanSize(p.done), cmdutil.HumanSize(p.total))
	if p.total > 0 {
		line += fmt.Sprintf(" (%.0f%%)", 100*float64(p.done)/float64(p.total))
	}
	line += fmt.Sprintf(", %.0f messages/s", rate(s.Read, elapsed))
	if read := p.done - p.skipped; read > 0 && p.total > p.done && elapsed > 0 {
		left := time.Duration(float64(elapsed) * float64(p.total-p.done) / float64(read))
		line += ", about " + left.Round(time.Second).String() + " left"
	}
	fmt.Fprintln(p.w, line)
}

// log writes a line about one mail, above the bar.
func (p *progress) log(format string, args ...any) {
	if p.bar != nil {
		p.bar.Clear()
	}
	fmt.Fprintf(p.w, "sak: import: %s\n", cmdutil.Sanitize(fmt.Sprintf(format, args...)))
}

// finish ends the bar.
func (p *progress) finish(s *Summary) {
	if p.bar == nil {
		return
	}
	p.bar.Describe(fmt.Sprintf("%d messages", s.Read))
	if !s.Interrupted && p.done >= p.total {
		p.bar.Finish()
	}
	fmt.Fprintln(p.w)
}

func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
