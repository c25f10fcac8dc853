-- A Message-ID alone does not make two mails one: web forms and scripts
-- send every mail with the same one. A mail is another copy of a stored
-- mail when it has the same Message-ID and the same bytes (an MTA's retry)
-- or the same fingerprint: its content with the trace fields that relays
-- add set aside (the same mail through two queue addresses). Rows stored
-- before this migration have no fingerprint ('') and have theirs computed
-- when another mail with their Message-ID arrives. The unique index makes
-- racing deliveries of one mail on two paths store it once.
ALTER TABLE messages ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX messages_fingerprint ON messages(msgid, fingerprint) WHERE msgid <> '' AND fingerprint <> '';
