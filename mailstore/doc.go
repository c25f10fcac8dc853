// Package mailstore is sak's store and ticket domain: the schema and its
// embedded migrations for SQLite (modernc.org/sqlite, the default) and
// PostgreSQL (pgx), every query, and the ticket operations with their
// permission checks. The CLI and the mail daemon both act through the
// operations here, so each rule of the ticket life cycle lives in one place:
// threading a delivered mail (subject tag, including the tags of a tracker
// sak replaced, signed reply address, In-Reply-To and References), the
// caseworkers' subject commands, duplicates, what must not be answered
// (Automatic: RFC 3834, mailing lists, sak's own mail come back), the
// stored form of a parsed mail (ParsedMail), and the mail sak writes in
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
//
// # Who reads what
//
// Every way a person reads the store (the CLI, and the HTTP API and web
// view built on the same operations) reads through a Reader, made by
// Store.As for the acting user. The rule:
//
//   - A sysadmin sees every ticket.
//   - Any other active user sees, as it is now, a ticket in a queue where
//     they hold a role (manager, caseworker or watcher), and a ticket they
//     own, wherever it is.
//   - A ticket moved away from a queue where they hold a role stays
//     readable by its number ('ticket show', 'ticket mail'): its header as
//     it is now, and its history up to and including the last move away
//     from such a queue, which says where it went. Lists, search, stats and
//     reminders show tickets as they are now, so they hold only the
//     tickets seen now (the first two points).
//   - A ticket merged into another is seen as the one that holds it.
//   - A ticket the user may not see is "no ticket N", as one that does not
//     exist, for reads and writes alike: ids leak nothing.
//   - Queues are public (their names and addresses are mail addresses);
//     their members are shown to the queue's members and to sysadmins.
//   - Quarantined mail is shown to the roles of a queue it was sent to, and
//     to sysadmins.
//
// Roles are read from the user_roles view alone (holdsRole, rolesOn, the
// watchers and the digest): it holds the roles granted to a user and
// those granted to a group of theirs, so a group's members hold its roles
// as long as they are members. The condition on tickets is made by
// seesNow alone. The conditions are SQL in the queries that list, search
// and count (a correlated EXISTS on user_roles), never a filter in Go
// after reading.
//
// The Store's own reading methods (Ticket, History, ListTickets, Search,
// Stats, TicketMail, Reminders, QuarantineList, QuarantineGet, Members) see
// everything: they are for sak itself (delivery, imports, checks) and
// tests, never for a person.
package mailstore
