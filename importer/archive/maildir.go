package archive

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Maildir reads the messages of a maildir: the files in its cur/ and new/
// folders (tmp/ holds deliveries in progress and is left alone), in the
// order of the delivery time their names start with (else their
// modification time), then by name. It
// lists the folders when opened and reads one file at a time.
type Maildir struct {
	dir     string
	files   []mdFile
	i       int
	off     int64
	size    int64
	maxSize int64
}

type mdFile struct {
	path string
	name string
	secs int64 // the delivery time the name starts with, else the file's mtime
	size int64
}

// OpenMaildir lists the maildir at dir. It must have a cur/ or a new/
// folder. maxSize is the largest message read (0: DefaultMaxSize).
func OpenMaildir(dir string, maxSize int64) (*Maildir, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	m := &Maildir{dir: dir, maxSize: maxSize}
	found := false
	for _, sub := range []string{"cur", "new"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read maildir %s: %w", dir, err)
		}
		found = true
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
				continue
			}
			info, err := e.Info()
			if err != nil {
				continue // gone since the listing: delivered elsewhere
			}
			secs := leadingSeconds(e.Name())
			if secs < 0 {
				secs = info.ModTime().Unix()
			}
			m.files = append(m.files, mdFile{path: filepath.Join(dir, sub, e.Name()), name: e.Name(), secs: secs, size: info.Size()})
			m.size += info.Size()
		}
	}
	if !found {
		return nil, fmt.Errorf("%s is not a maildir: it has no cur/ or new/ folder", dir)
	}
	sort.SliceStable(m.files, func(i, j int) bool {
		a, b := m.files[i], m.files[j]
		if a.secs != b.secs {
			return a.secs < b.secs
		}
		if a.name != b.name {
			return a.name < b.name
		}
		return a.path < b.path
	})
	return m, nil
}

// leadingSeconds reads the Unix time a maildir file name starts with
// ("1700000000.M1P2.host:2,S"), or -1.
func leadingSeconds(name string) int64 {
	i := 0
	for i < len(name) && name[i] >= '0' && name[i] <= '9' {
		i++
	}
	if i == 0 || i > 12 {
		return -1
	}
	n, err := strconv.ParseInt(name[:i], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// Len is the number of messages listed.
func (m *Maildir) Len() int { return len(m.files) }

// Size is the bytes of all messages listed.
func (m *Maildir) Size() int64 { return m.size }

// Next returns the next message, or io.EOF after the last. A file that
// cannot be read, or is larger than the limit, comes back with Err set.
func (m *Maildir) Next() (*Message, error) {
	if m.i >= len(m.files) {
		return nil, io.EOF
	}
	f := m.files[m.i]
	m.i++
	msg := &Message{Path: f.path, Offset: m.off, Start: m.off, Size: f.size}
	m.off += f.size
	msg.RawEnd, msg.End = m.off, m.off
	if f.secs > 0 {
		msg.Date = time.Unix(f.secs, 0).UTC()
	}
	if f.size > m.maxSize {
		msg.Err = ErrTooLarge
		return msg, nil
	}
	raw, err := readFile(f.path, m.maxSize)
	switch {
	case err != nil:
		msg.Err = err
	case int64(len(raw)) > m.maxSize:
		msg.Err = ErrTooLarge
	default:
		msg.Raw = raw
	}
	return msg, nil
}

// readFile reads at most max+1 bytes of a file: it may have grown since it
// was listed.
func readFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max+1))
}
