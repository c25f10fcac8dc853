package archive

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestMaildir(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("new/1700000300.M3P1.host", "third")
	write("cur/1700000100.M1P1.host:2,S", "first")
	write("cur/1700000200.M2P1.host:2,RS", "second")
	write("cur/999999999.M0P1.host:2,", "zeroth") // nine digits: 2001
	write("tmp/1700000000.M9P1.host", "in progress")
	write("cur/.hidden", "hidden")
	write("new/1700000400.big", string(make([]byte, 100)))
	write("cur/notime", "last: no time in its name")
	os.Chtimes(filepath.Join(dir, "cur/notime"), time.Unix(1600000000, 0), time.Unix(1600000000, 0))

	m, err := OpenMaildir(dir, 50)
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 6 {
		t.Fatalf("Len = %d, want 6", m.Len())
	}
	var got []string
	var off int64
	for {
		msg, err := m.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if msg.Offset != off || msg.End != off+msg.Size {
			t.Errorf("%s: offsets %d-%d, want from %d", msg.Path, msg.Offset, msg.End, off)
		}
		off = msg.End
		if msg.Err != nil {
			if !errors.Is(msg.Err, ErrTooLarge) {
				t.Errorf("%s: %v", msg.Path, msg.Err)
			}
			got = append(got, "too large")
			continue
		}
		got = append(got, string(msg.Raw))
		if string(msg.Raw) == "first" && !msg.Date.Equal(time.Unix(1700000100, 0)) {
			t.Errorf("date of first = %v", msg.Date)
		}
		if string(msg.Raw) == "last: no time in its name" && !msg.Date.Equal(time.Unix(1600000000, 0)) {
			t.Errorf("date of notime = %v, want its mtime", msg.Date)
		}
	}
	want := []string{"zeroth", "last: no time in its name", "first", "second", "third", "too large"}
	if len(got) != len(want) {
		t.Fatalf("messages = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("messages = %q, want %q", got, want)
		}
	}
	if off != m.Size() {
		t.Errorf("offsets end at %d, Size = %d", off, m.Size())
	}
	if _, err := OpenMaildir(t.TempDir(), 0); err == nil {
		t.Error("OpenMaildir of an empty directory: no error")
	}
}
