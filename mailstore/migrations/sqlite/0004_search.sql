-- Search, statistics and reminders (SQLite).
--
-- Full-text search: FTS5 external-content tables over message texts and
-- ticket subjects, kept up to date by triggers in the same transaction as
-- every write, so no write path in Go has to know about them. The
-- tokenizer keeps diacritics: æ, ø and å are letters of their own in
-- Norwegian ("sjø" is not "sjo"). Message subjects are not indexed: they
-- repeat the ticket's subject with Re: and tags; the ticket's own subject
-- is indexed instead, which also covers tickets without messages.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    text,
    content = 'messages', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE tickets_fts USING fts5(
    subject,
    content = 'tickets', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts (rowid, subject) VALUES (new.id, new.subject);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
    INSERT INTO tickets_fts (rowid, subject) VALUES (new.id, new.subject);
END;
INSERT INTO tickets_fts (tickets_fts) VALUES ('rebuild');

-- Statistics: tickets received in a period, per queue.
CREATE INDEX tickets_created ON tickets(created);

-- Reminders: a caseworker (user_id) is mailed about a ticket at due, once
-- (sent), until someone marks the reminder done.
CREATE TABLE reminders (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_by INTEGER NOT NULL REFERENCES users(id),
    created    BIGINT NOT NULL,
    due        BIGINT NOT NULL,
    text       TEXT NOT NULL,
    done       BOOLEAN NOT NULL DEFAULT FALSE,
    sent       BIGINT
);
CREATE INDEX reminders_due ON reminders(due) WHERE sent IS NULL AND done = FALSE;
CREATE INDEX reminders_user ON reminders(user_id, done, due);
CREATE INDEX reminders_ticket ON reminders(ticket_id);
