// Package smtpd is everything in sak that speaks mail: the SMTP and LMTP
// listeners (go-smtp) and the Daemon that runs them, recipient routing,
// the Deliverer that turns a message (read by package parse) into a
// mailstore delivery, with its sender's authentication (DKIM and
// Authentication-Results) and the quarantine of spam, the outbound worker
// that sends the outbox to the relay, and the reply codes a mail
// administrator expects. Threading, caseworker commands, what may be
// answered automatically (RFC 3834) and what sak writes back are the
// store's rules (package mailstore). The mailgate and
// the importers reuse the same Deliverer, so every way into sak stores
// mail the same way.
//
// It follows RFC 5321 (SMTP), RFC 2033 (LMTP, one reply per recipient),
// RFC 1870 (SIZE), RFC 3463 (enhanced status codes), RFC 6376 (DKIM,
// verifying and signing), RFC 8601
// (Authentication-Results) and RFC 7489 (DMARC alignment).
// A 250 is sent only after the store committed; a store failure is a 451.
package smtpd
