-- Search finds words folded (vitnemal finds vitnemål, sjo finds sjø), the
-- names of files attached, and the addresses and names of the people on a
-- ticket (Store.Search). SQLite's index holds folded text: ø and æ
-- replaced here (sqliteFold in search.go), the other diacritics removed by
-- the tokenizer (remove_diacritics 2). The indexed text is no longer the
-- stored text, so the indexes keep no content of their own and none of
-- the tables': they are contentless, and a row leaves them by its rowid
-- (contentless_delete). Snippets are made from the stored text.
--
-- The triggers queue new and changed rows in fts_queue as migration 11's
-- did, and each transaction of the store indexes the queue before it
-- commits (Store.indexQueued). A row still queued is not in the index.
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
DROP TRIGGER tickets_fts_insert;
DROP TRIGGER tickets_fts_delete;
DROP TRIGGER tickets_fts_update;
DROP TABLE messages_fts;
DROP TABLE tickets_fts;
DELETE FROM fts_queue;

CREATE VIRTUAL TABLE messages_fts USING fts5(text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE attachments_fts USING fts5(name, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE users_fts USING fts5(person, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO fts_queue (kind, id) VALUES ('m', new.id);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
    DELETE FROM fts_queue WHERE kind = 'm' AND id = old.id;
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
    INSERT OR IGNORE INTO fts_queue (kind, id) VALUES ('m', new.id);
END;

CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO fts_queue (kind, id) VALUES ('t', new.id);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    DELETE FROM tickets_fts WHERE rowid = old.id;
    DELETE FROM fts_queue WHERE kind = 't' AND id = old.id;
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject ON tickets BEGIN
    DELETE FROM tickets_fts WHERE rowid = old.id;
    INSERT OR IGNORE INTO fts_queue (kind, id) VALUES ('t', new.id);
END;

CREATE TRIGGER attachments_fts_insert AFTER INSERT ON attachments BEGIN
    INSERT INTO fts_queue (kind, id) VALUES ('a', new.id);
END;
CREATE TRIGGER attachments_fts_delete AFTER DELETE ON attachments BEGIN
    DELETE FROM attachments_fts WHERE rowid = old.id;
    DELETE FROM fts_queue WHERE kind = 'a' AND id = old.id;
END;
CREATE TRIGGER attachments_fts_update AFTER UPDATE OF name ON attachments BEGIN
    DELETE FROM attachments_fts WHERE rowid = old.id;
    INSERT OR IGNORE INTO fts_queue (kind, id) VALUES ('a', new.id);
END;

CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO fts_queue (kind, id) VALUES ('u', new.id);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.id;
    DELETE FROM fts_queue WHERE kind = 'u' AND id = old.id;
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF email, name ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.id;
    INSERT OR IGNORE INTO fts_queue (kind, id) VALUES ('u', new.id);
END;

-- What is stored now, in one statement each.
INSERT INTO messages_fts (rowid, text)
    SELECT id, replace(replace(replace(replace(text, 'ø', 'o'), 'Ø', 'o'), 'æ', 'ae'), 'Æ', 'ae') FROM messages;
INSERT INTO tickets_fts (rowid, subject)
    SELECT id, replace(replace(replace(replace(subject, 'ø', 'o'), 'Ø', 'o'), 'æ', 'ae'), 'Æ', 'ae') FROM tickets;
INSERT INTO attachments_fts (rowid, name)
    SELECT id, replace(replace(replace(replace(name, 'ø', 'o'), 'Ø', 'o'), 'æ', 'ae'), 'Æ', 'ae') FROM attachments;
INSERT INTO users_fts (rowid, person)
    SELECT id, replace(replace(replace(replace(email || ' ' || name, 'ø', 'o'), 'Ø', 'o'), 'æ', 'ae'), 'Æ', 'ae') FROM users;
