package cmdutil

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// PrintJSON writes v as one indented JSON document and a newline.
func PrintJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// TimeFormat is how tables and 'ticket show' print times.
const TimeFormat = "2006-01-02 15:04"

// FormatTime prints t in loc as TimeFormat; "" for the zero time.
func FormatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(TimeFormat)
}

// HumanSize prints a byte count as people read it: 512 B, 1.5 kB, 12 MB.
func HumanSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), 0
	units := []string{"kB", "MB", "GB", "TB"}
	for v /= unit; v >= unit && i < len(units)-1; i++ {
		v /= unit
	}
	if v < 10 {
		return fmt.Sprintf("%.1f %s", v, units[i])
	}
	return fmt.Sprintf("%.0f %s", v, units[i])
}

// Truncate cuts s to at most width runes, ending it with "…" when cut.
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:width-1]), " ") + "…"
}

// Color wraps text in ANSI colour escapes when enabled.
type Color struct{ Enabled bool }

func (c Color) wrap(code, s string) string {
	if !c.Enabled || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (c Color) Bold(s string) string   { return c.wrap("1", s) }
func (c Color) Dim(s string) string    { return c.wrap("2", s) }
func (c Color) Red(s string) string    { return c.wrap("31", s) }
func (c Color) Green(s string) string  { return c.wrap("32", s) }
func (c Color) Yellow(s string) string { return c.wrap("33", s) }
func (c Color) Cyan(s string) string   { return c.wrap("36", s) }

// Status colours a ticket status: new yellow, open green, stalled cyan,
// closed ones dim.
func (c Color) Status(s string) string {
	switch s {
	case "new":
		return c.Yellow(s)
	case "open":
		return c.Green(s)
	case "stalled":
		return c.Cyan(s)
	case "resolved", "rejected", "deleted":
		return c.Dim(s)
	}
	return s
}

// Column describes one column of a Table.
type Column struct {
	Header string
	Max    int  // widest the column gets; 0 for no limit
	Min    int  // narrowest a Flex column is squeezed to
	Flex   bool // the column that gives way so a row fits the width
	Right  bool // align right (numbers)
	// Paint colours a cell after it is padded; nil for none.
	Paint func(s string) string
	// Fit cuts the cell of row (counted from 0, the header not counted)
	// to width runes; nil for Truncate.
	Fit func(row int, s string, width int) string
}

// Table prints rows in aligned columns, two spaces apart, fitted to Width
// by cutting cells with "…". Every cell is sanitised.
type Table struct {
	Columns []Column
	Width   int
	Color   Color
	rows    [][]string
}

// NewTable makes a table for the streams: fitted to their width, bold
// headers when colour is on.
func NewTable(ios *IOStreams, cols ...Column) *Table {
	return &Table{Columns: cols, Width: ios.Width, Color: Color{Enabled: ios.Color}}
}

// AddRow adds a row; missing cells are empty.
func (t *Table) AddRow(cells ...string) {
	row := make([]string, len(t.Columns))
	for i := range row {
		if i < len(cells) {
			row[i] = Sanitize(cells[i])
		}
	}
	t.rows = append(t.rows, row)
}

// Len is the number of rows added.
func (t *Table) Len() int { return len(t.rows) }

// Render writes the header and the rows.
func (t *Table) Render(w io.Writer) error {
	widths := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		widths[i] = utf8.RuneCountInString(c.Header)
		for _, r := range t.rows {
			widths[i] = max(widths[i], utf8.RuneCountInString(r[i]))
		}
		if c.Max > 0 && widths[i] > c.Max {
			widths[i] = max(c.Max, utf8.RuneCountInString(c.Header))
		}
	}
	if t.Width > 0 {
		total := 2 * (len(widths) - 1)
		for _, n := range widths {
			total += n
		}
		// Flexible columns give way from the last one back.
		for i := len(t.Columns) - 1; i >= 0; i-- {
			if c := t.Columns[i]; total > t.Width && c.Flex {
				least := max(c.Min, utf8.RuneCountInString(c.Header))
				cut := min(total-t.Width, widths[i]-least)
				if cut > 0 {
					widths[i] -= cut
					total -= cut
				}
			}
		}
	}
	var b strings.Builder
	line := func(row int, cells []string, header bool) {
		b.Reset()
		for i, c := range t.Columns {
			var s string
			if c.Fit != nil && !header {
				s = c.Fit(row, cells[i], widths[i])
			} else {
				s = Truncate(cells[i], widths[i])
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(s))
			last := i == len(t.Columns)-1
			switch {
			case header:
				s = t.Color.Bold(s)
			case c.Paint != nil && t.Color.Enabled:
				s = c.Paint(s)
			}
			if c.Right {
				s = pad + s
			} else if !last {
				s += pad
			}
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(s)
		}
		trimmed := strings.TrimRight(b.String(), " ")
		b.Reset()
		b.WriteString(trimmed + "\n")
	}
	headers := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		headers[i] = c.Header
	}
	line(-1, headers, true)
	out := b.String()
	if _, err := io.WriteString(w, out); err != nil {
		return err
	}
	for row, r := range t.rows {
		line(row, r, false)
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// ParseSize reads a byte count such as 25M, 25MiB, 512K or 1048576 (at
// most 1 TiB), as --max-size flags take it.
func ParseSize(in string) (int64, error) {
	s := strings.TrimSpace(strings.ToUpper(in))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("%q is not a size: use e.g. 25M, 512K or a number of bytes", in)
	}
	return n * mult, nil
}
