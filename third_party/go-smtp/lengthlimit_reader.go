package smtp

import (
	"bytes"
	"errors"
	"io"
)

var ErrTooLongLine = errors.New("smtp: too long a line in input stream")

// lineLimitReader reads from the underlying Reader but restricts
// line length of lines in input stream to a certain length.
//
// If line length exceeds the limit - Read returns ErrTooLongLine
type lineLimitReader struct {
	R         io.Reader
	LineLimit int

	curLineLength int
}

func (r *lineLimitReader) Read(b []byte) (int, error) {
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

	// sak: from newline to newline with bytes.IndexByte rather than a
	// loop over every byte. A newline counts as the first byte of the
	// line it begins, as before.
	rest := b[:n]
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			r.curLineLength += len(rest)
			if r.curLineLength > r.LineLimit {
				return 0, ErrTooLongLine
			}
			break
		}
		if r.curLineLength+i > r.LineLimit {
			r.curLineLength = r.LineLimit + 1 // sticky
			return 0, ErrTooLongLine
		}
		r.curLineLength = 1
		rest = rest[i+1:]
	}

	return n, nil
}
