-- New messages and tickets are indexed for search once per transaction,
-- not row by row. FTS5 writes its pending terms out as a new index segment
-- whenever a later statement of the transaction opens a statement
-- savepoint, which every insert with a trigger does: indexed by trigger,
-- each mail of a group commit made a segment of its own, and the merging
-- of those segments cost a sixth of the ingest rate (BENCHMARKS.md). The
-- triggers now queue the new rows in fts_queue, and every transaction
-- indexes the queue before it commits (Store.indexQueued): one segment per
-- commit, and search still sees a mail as soon as it is stored.
CREATE TABLE fts_queue (
    kind TEXT NOT NULL, -- 'm' a message, 't' a ticket
    id   INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;

DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO fts_queue (kind, id) VALUES ('m', new.id);
END;
-- A row still queued is not in the index: it leaves the queue instead,
-- and a change to it is indexed when the queue is.
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
        SELECT 'delete', old.id, old.text WHERE NOT EXISTS (SELECT 1 FROM fts_queue WHERE kind = 'm' AND id = old.id);
    DELETE FROM fts_queue WHERE kind = 'm' AND id = old.id;
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
WHEN NOT EXISTS (SELECT 1 FROM fts_queue WHERE kind = 'm' AND id = new.id) BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;

DROP TRIGGER tickets_fts_insert;
DROP TRIGGER tickets_fts_delete;
DROP TRIGGER tickets_fts_update;
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO fts_queue (kind, id) VALUES ('t', new.id);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject)
        SELECT 'delete', old.id, old.subject WHERE NOT EXISTS (SELECT 1 FROM fts_queue WHERE kind = 't' AND id = old.id);
    DELETE FROM fts_queue WHERE kind = 't' AND id = old.id;
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject ON tickets
WHEN NOT EXISTS (SELECT 1 FROM fts_queue WHERE kind = 't' AND id = new.id) BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
    INSERT INTO tickets_fts (rowid, subject) VALUES (new.id, new.subject);
END;
