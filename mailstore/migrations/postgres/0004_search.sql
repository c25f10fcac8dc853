-- Search, statistics and reminders (PostgreSQL).
--
-- Full-text search: generated tsvector columns with GIN indexes, computed
-- by the database in the same transaction as every write, so no write path
-- in Go has to know about them. The 'simple' configuration lower-cases and
-- does not stem, so Norwegian and English words match as written. A
-- tsvector holds at most 1 MB: only the first 100,000 characters of a
-- message are indexed, so that no mail is ever refused for its size.
-- Message subjects are not indexed: they repeat the ticket's subject with
-- Re: and tags; the ticket's own subject is indexed instead, which also
-- covers tickets without messages.
ALTER TABLE messages ADD COLUMN fts tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, left(text, 100000))) STORED;
CREATE INDEX messages_fts ON messages USING GIN (fts);

ALTER TABLE tickets ADD COLUMN fts tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, subject)) STORED;
CREATE INDEX tickets_fts ON tickets USING GIN (fts);

-- Statistics: tickets received in a period, per queue.
CREATE INDEX tickets_created ON tickets(created);

-- Reminders: a caseworker (user_id) is mailed about a ticket at due, once
-- (sent), until someone marks the reminder done.
CREATE TABLE reminders (
    id         BIGSERIAL PRIMARY KEY,
    ticket_id  BIGINT NOT NULL REFERENCES tickets(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created    BIGINT NOT NULL,
    due        BIGINT NOT NULL,
    text       TEXT NOT NULL,
    done       BOOLEAN NOT NULL DEFAULT FALSE,
    sent       BIGINT
);
CREATE INDEX reminders_due ON reminders(due) WHERE sent IS NULL AND done = FALSE;
CREATE INDEX reminders_user ON reminders(user_id, done, due);
CREATE INDEX reminders_ticket ON reminders(ticket_id);
