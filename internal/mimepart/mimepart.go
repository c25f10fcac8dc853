// Package mimepart writes the MIME parts sak sends: an attachment of a
// mail it relays, a file a caseworker attaches, a part of a mail rebuilt
// from Request Tracker's tables.
package mimepart

import (
	"bytes"
	"encoding/base64"
	"mime"
	"strings"
	"unicode/utf8"
)

// Header is a well-formed header for a part of media type typ with params
// (their values UTF-8; a name or boundary among them is left out), the
// file name name (as FileName keeps it), shown inline or as an attachment, whose body is in the
// transfer encoding cte as it stands ("" or 7bit when none is needed).
// Non-ASCII and control characters in values are encoded as RFC 2231
// asks; a type or parameter name mime.FormatMediaType refuses falls back
// to the name alone; a parameter value longer than a file name is left
// out. Each line ends in CRLF.
func Header(typ string, params map[string]string, name string, inline bool, cte string) string {
	name, typ = FileName(name), Type(typ)
	p := map[string]string{}
	for k, v := range params {
		if k != "name" && k != "boundary" && len(v) <= maxName {
			p[k] = v
		}
	}
	if name != "" {
		p["name"] = name
	}
	ct := mime.FormatMediaType(typ, p)
	if ct == "" {
		ct = mime.FormatMediaType(typ, map[string]string{"name": name})
	}
	if ct == "" { // FormatMediaType refuses only bad parameter names now
		ct = mime.FormatMediaType(typ, nil)
	}
	disp := "attachment"
	if inline {
		disp = "inline"
	}
	if name != "" {
		disp = mime.FormatMediaType(disp, map[string]string{"filename": name})
	}
	h := "Content-Type: " + ct + "\r\n" + "Content-Disposition: " + disp + "\r\n"
	switch cte = strings.ToLower(strings.TrimSpace(cte)); cte {
	case "base64", "quoted-printable", "8bit", "binary":
		h += "Content-Transfer-Encoding: " + cte + "\r\n"
	}
	return h
}

// maxName is the longest file name kept, in bytes: what file systems
// allow, and short enough that a header line stays within RFC 5322's 998
// characters when every byte is percent-encoded.
const maxName = 255

// FileName is name cut to maxName bytes at a character boundary.
func FileName(name string) string {
	if len(name) <= maxName {
		return name
	}
	cut := maxName
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut]
}

// Type is the media type a part of type typ is sent as: typ, or
// application/octet-stream when it is not a valid one (RFC 6838 names of
// at most 127 characters each).
func Type(typ string) string {
	major, minor, ok := strings.Cut(typ, "/")
	if !ok || len(major) > 127 || len(minor) > 127 || mime.FormatMediaType(typ, nil) == "" {
		return "application/octet-stream"
	}
	return typ
}

// Base64 is data in base64, in lines of 76 characters each ending in CRLF
// (RFC 2045 6.8); nothing for no data.
func Base64(data []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(data)
	out := make([]byte, 0, len(enc)+len(enc)/76*2+2)
	for len(enc) > 76 {
		out = append(out, enc[:76]...)
		out = append(out, '\r', '\n')
		enc = enc[76:]
	}
	if enc != "" {
		out = append(out, enc...)
		out = append(out, '\r', '\n')
	}
	return out
}

// CRLF is b with every line ending in CRLF: an LF alone gets a CR before
// it (mail given to mailgate, imported, or kept by RT may end its lines in
// LF alone). b itself when it has no LF.
func CRLF(b []byte) []byte {
	if bytes.IndexByte(b, '\n') < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/40)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}
