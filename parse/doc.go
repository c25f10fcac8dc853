// Package parse turns an untrusted mail message into what sak stores and
// threads on: identifiers, addresses, the decoded subject, the text a person
// wrote, the list of attachments and, for bounces, the delivery report. It
// also reads the subject tags that carry ticket numbers and caseworker
// commands, and cuts the newly written text out of a reply.
//
// Parsing never fails and never panics. Whatever is malformed is repaired
// as well as possible and noted in Message.Defects; every string returned is
// valid UTF-8 and free of NUL bytes.
//
// It follows RFC 5322 (message format, with the obsolete syntax read
// leniently), RFC 2045-2049 (MIME), RFC 2047 (encoded words), RFC 2231
// (parameter continuations and charsets), RFC 3464 (delivery status
// notifications) and RFC 3834 (Auto-Submitted). Legacy charsets are decoded
// with the tables of github.com/emersion/go-message/charset; text that claims
// an unknown charset, or none while holding 8-bit bytes, is read as
// windows-1252.
//
// The MIME tree is walked over byte slices rather than with go-message's
// streaming reader, because that reader stops at the first malformed part
// header, broken boundary or bad base64 line, while a ticket tracker must
// keep everything that can be saved from such a message.
package parse
