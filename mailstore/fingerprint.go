package mailstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// contentField reports whether a header field (its name in lower case)
// is one a mail's fingerprint covers: those its author's program writes
// (RFC 5322 section 3.6: originator, destination, identification and
// informational fields, and the Resent- fields of a mail resent on
// purpose) and the MIME fields of its body (RFC 2045, 2183: Content-*).
// Every other field is left out, above all the trace fields that relays
// and the MTA add on the way and that differ between two copies of one
// mail: Received, Return-Path, Delivered-To, X-Original-To,
// Authentication-Results, ARC-*, a DKIM-Signature added by an outgoing
// relay, spam scores, list headers.
func contentField(name string) bool {
	switch name {
	case "from", "sender", "reply-to", "to", "cc",
		"date", "subject", "message-id", "in-reply-to", "references",
		"mime-version":
		return true
	}
	return strings.HasPrefix(name, "content-") || strings.HasPrefix(name, "resent-")
}

// Fingerprint is the hex SHA-256 of the mail's content: its content
// fields (contentField) in their order, unfolded and with runs of white
// space made one space, and its body with line ends made LF, trailing
// white space cut from each line and trailing empty lines dropped. Two
// copies of one mail that reached sak on different paths (other trace
// fields, CRLF or LF) have the same fingerprint; two mails that share
// only a Message-ID do not. It is computed once, as Hash is.
func (m *Mail) Fingerprint() string {
	if m.fp == "" || m.fpLen != len(m.Raw) {
		m.fp, m.fpLen = fingerprint(m.Raw), len(m.Raw)
	}
	return m.fp
}

func fingerprint(raw []byte) string {
	h := sha256.New()
	rest := raw
	var field []byte // the field being read, unfolded
	flush := func() {
		name, value, ok := bytes.Cut(field, []byte(":"))
		// A name is what precedes the colon (white space before it is
		// RFC 5322's obsolete syntax); a line that starts with white
		// space continues a field and names none.
		name = bytes.ToLower(bytes.TrimRight(name, " \t"))
		if ok && contentField(string(name)) {
			h.Write(name)
			h.Write([]byte{':'})
			h.Write([]byte(strings.Join(strings.Fields(string(value)), " ")))
			h.Write([]byte{'\n'})
		}
		field = field[:0]
	}
	// The header, up to the first empty line.
	for len(rest) > 0 {
		line, after, _ := bytes.Cut(rest, []byte("\n"))
		rest = after
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		if line[0] != ' ' && line[0] != '\t' {
			flush()
		}
		field = append(field, line...)
		field = append(field, ' ')
	}
	flush()
	h.Write([]byte{'\n'})
	// The body, its trailing empty lines left out.
	blank := 0
	for len(rest) > 0 {
		line, after, _ := bytes.Cut(rest, []byte("\n"))
		rest = after
		line = bytes.TrimRight(line, " \t\r")
		if len(line) == 0 {
			blank++
			continue
		}
		for ; blank > 0; blank-- {
			h.Write([]byte{'\n'})
		}
		h.Write(line)
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}
