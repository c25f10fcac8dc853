package smtp

// sak's tests of its two changes to go-smtp (PATCHES.md): each reader is
// compared with the upstream code it replaces, kept here as it was, on
// the same input read in the same pieces.

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// upstreamDataRead is dataReader.Read of go-smtp v0.25.1, one byte at a time.
func upstreamDataRead(r *dataReader, b []byte) (n int, err error) {
	if r.limited {
		if r.n <= 0 {
			return 0, ErrDataTooLarge
		}
		if int64(len(b)) > r.n {
			b = b[0:r.n]
		}
	}
	const (
		stateBeginLine = iota
		stateDot
		stateDotCR
		stateCR
		stateData
		stateEOF
	)
	for n < len(b) && r.state != stateEOF {
		var c byte
		c, err = r.r.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			break
		}
		switch r.state {
		case stateBeginLine:
			if c == '.' {
				r.state = stateDot
				continue
			}
			if c == '\r' {
				r.state = stateCR
				break
			}
			r.state = stateData
		case stateDot:
			if c == '\r' {
				r.state = stateDotCR
				continue
			}
			r.state = stateData
		case stateDotCR:
			if c == '\n' {
				r.state = stateEOF
				continue
			}
			r.state = stateData
		case stateCR:
			if c == '\n' {
				r.state = stateBeginLine
				break
			}
			r.state = stateData
		case stateData:
			if c == '\r' {
				r.state = stateCR
			}
		}
		b[n] = c
		n++
	}
	if err == nil && r.state == stateEOF {
		err = io.EOF
	}
	if r.limited {
		r.n -= int64(n)
	}
	return
}

// upstreamLineLimitRead is lineLimitReader.Read of go-smtp v0.25.1.
func upstreamLineLimitRead(r *lineLimitReader, b []byte) (int, error) {
	if r.curLineLength > r.LineLimit && r.LineLimit > 0 {
		return 0, ErrTooLongLine
	}
	n, err := r.R.Read(b)
	if err != nil {
		return n, err
	}
	if r.LineLimit == 0 {
		return n, nil
	}
	for _, chr := range b[:n] {
		if chr == '\n' {
			r.curLineLength = 0
		}
		r.curLineLength++
		if r.curLineLength > r.LineLimit {
			return 0, ErrTooLongLine
		}
	}
	return n, nil
}

// source is data as a connection may deliver it: whole, or in pieces.
func source(data []byte, pieces byte) io.Reader {
	switch pieces % 3 {
	case 1:
		return iotest.OneByteReader(bytes.NewReader(data))
	case 2:
		return iotest.HalfReader(bytes.NewReader(data))
	}
	return bytes.NewReader(data)
}

// readAllIn reads r to its end (or an error) in pieces of size bytes and
// returns what it read and the error that ended it.
func readAllIn(read func([]byte) (int, error), size int) ([]byte, error) {
	var out []byte
	buf := make([]byte, size)
	for i := 0; i < 1<<20; i++ {
		n, err := read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out, err
		}
	}
	return out, errors.New("no end")
}

func FuzzDataReader(f *testing.F) {
	f.Add([]byte("Subject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n"), uint16(7), uint16(16), byte(0), int64(0))
	f.Add([]byte("a\rb\r\r\n.\r.\r\n\r\n.\r\nrest"), uint16(1), uint16(16), byte(1), int64(0))
	f.Add([]byte("line one\r\nline two\r\n"), uint16(4096), uint16(32), byte(2), int64(0))
	f.Add(bytes.Repeat([]byte("0123456789\r\n"), 100), uint16(100), uint16(64), byte(2), int64(500))
	f.Fuzz(func(t *testing.T, data []byte, readSize, bufSize uint16, pieces byte, limit int64) {
		size := int(readSize%8192) + 1
		mk := func() *dataReader {
			dr := &dataReader{r: bufio.NewReaderSize(source(data, pieces), int(bufSize%8192)+16)}
			if limit > 0 {
				dr.limited, dr.n = true, limit
			}
			return dr
		}
		got, want := mk(), mk()
		gotOut, gotErr := readAllIn(got.Read, size)
		wantOut, wantErr := readAllIn(func(b []byte) (int, error) { return upstreamDataRead(want, b) }, size)
		if !bytes.Equal(gotOut, wantOut) || gotErr != wantErr {
			t.Fatalf("read %q (%v), upstream %q (%v)", gotOut, gotErr, wantOut, wantErr)
		}
		// What follows the end of the data is the next command: it
		// must be left in the connection's buffer as it was.
		gotRest, _ := io.ReadAll(got.r)
		wantRest, _ := io.ReadAll(want.r)
		if !bytes.Equal(gotRest, wantRest) {
			t.Fatalf("left %q after the data, upstream %q", gotRest, wantRest)
		}
	})
}

func FuzzLineLimitReader(f *testing.F) {
	f.Add([]byte("EHLO x\r\nMAIL FROM:<a@b>\r\n"), uint16(10), uint16(5), byte(0))
	f.Add([]byte("0123456789\n0123456789"), uint16(10), uint16(3), byte(1))
	f.Add([]byte("0123456789\n01234567890\nx"), uint16(10), uint16(64), byte(2))
	f.Add([]byte("\n\n\n"), uint16(1), uint16(2), byte(0))
	f.Fuzz(func(t *testing.T, data []byte, limit, readSize uint16, pieces byte) {
		size := int(readSize%4096) + 1
		got := &lineLimitReader{R: source(data, pieces), LineLimit: int(limit % 2048)}
		want := &lineLimitReader{R: source(data, pieces), LineLimit: int(limit % 2048)}
		gotBuf, wantBuf := make([]byte, size), make([]byte, size)
		for i := 0; i < len(data)+3; i++ {
			gn, gerr := got.Read(gotBuf)
			wn, werr := upstreamLineLimitRead(want, wantBuf)
			if gn != wn || gerr != werr || !bytes.Equal(gotBuf[:gn], wantBuf[:wn]) {
				t.Fatalf("read %d: %q (%v), upstream %q (%v)", i, gotBuf[:gn], gerr, wantBuf[:wn], werr)
			}
			if gerr == io.EOF {
				return
			}
		}
	})
}
