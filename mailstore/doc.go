// Package mailstore is sak's store and ticket domain: the schema and its
// embedded migrations for SQLite (modernc.org/sqlite, the default) and
// PostgreSQL (pgx), every query, and the ticket operations with their
// permission checks. The CLI and the mail daemon both act through the
// operations here, so each rule of the ticket life cycle lives in one place:
// threading a delivered mail (subject tag, including the tags of a tracker
// sak replaced, signed reply address, In-Reply-To and References), the
// caseworkers' subject commands, duplicates, and the mail sak writes in
// answer (auto-replies per RFC 3834, notifications, relayed answers, built
// as RFC 5322 and MIME messages).
//
// Each operation runs in one SQL transaction and records what it changed as
// transaction rows. Outgoing mail caused by an operation is written to the
// outbox table in the same SQL transaction (transactional outbox), so nothing
// is sent for a change that rolled back and nothing is lost for one that
// committed.
//
// Times are stored as Unix microseconds in UTC on both databases.
package mailstore
