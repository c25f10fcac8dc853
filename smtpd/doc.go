// Package smtpd is everything in sak that speaks mail: the SMTP and LMTP
// listeners (go-smtp), recipient routing, turning a parsed message into a
// delivery (threading by subject tag and Message-ID, loop and bulk
// detection, caseworker commands), and the reply codes a mail
// administrator expects. The mailgate and the importers reuse the same
// Deliverer, so every way into sak stores mail the same way.
//
// It follows RFC 5321 (SMTP), RFC 2033 (LMTP, one reply per recipient),
// RFC 3463 (enhanced status codes) and RFC 3834 (automatic responses).
// A 250 is sent only after the store committed; a store failure is a 451.
package smtpd
