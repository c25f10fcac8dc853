// Package archive reads mail archives one message at a time, with memory
// bounded by the largest message, for 'sak import': mbox files (mboxo and
// mboxrd ">From " quoting, mboxcl2 Content-Length, LF and CRLF line
// endings; see RFC 4155 and qmail's mbox(5)) and maildir directories
// (cur/ and new/, in delivery order).
//
// Readers never fail on what they read: every byte of an mbox belongs to
// a message or to the "From " separator line before it, and a message
// that cannot be read whole (larger than the limit) is still reported,
// with its position and Err set, so that nothing is dropped unseen.
package archive

import (
	"errors"
	"time"
)

// DefaultMaxSize is the largest message read into memory when no limit is
// given.
const DefaultMaxSize = 64 << 20

// ErrTooLarge is set on a Message larger than the reader's MaxSize: its
// bytes were skipped, not read.
var ErrTooLarge = errors.New("message larger than the size limit")

// Message is one mail of an archive.
type Message struct {
	// Raw is the message: for an mbox without its "From " line and the
	// blank line that ends it, with ">From " quoting undone. Nil when Err
	// is set.
	Raw []byte
	// Err says why the message could not be read (ErrTooLarge, or the
	// error reading a maildir file); the reader goes on with the next.
	Err error
	// Size is the message's length in the archive (quoted, for an mbox).
	Size int64

	// Where the message lies in the archive. For an mbox, [Offset, Start)
	// is its "From " line (empty for a first message without one),
	// [Start, RawEnd) the message, and [RawEnd, End) the blank line that
	// ends it. The next message starts at End. A maildir message is one
	// file: Offset and Start are the bytes of the files before it, End
	// adds its size.
	Offset, Start, RawEnd, End int64
	// ContentLength is true when the message's Content-Length header
	// delimited it (mboxcl2); its bytes are then taken as they are, not
	// unquoted.
	ContentLength bool

	// Sender is the envelope sender the "From " line names ("" if none).
	Sender string
	// Date is when the message was delivered to the archive, as the
	// "From " line or the maildir file name says; zero when unknown. It is
	// a fallback for mail without a usable Date header.
	Date time.Time
	// Path is the maildir file the message came from.
	Path string
}
