-- Every Message-ID sak stores (messages) or sends (outbox) is indexed in
-- message_ids for threading, by these triggers rather than by a statement
-- of its own after each insert: one statement fewer per mail stored and
-- per mail queued (BENCHMARKS.md). The first ticket to claim an id keeps it.
CREATE TRIGGER messages_msgid AFTER INSERT ON messages WHEN new.msgid <> '' BEGIN
    INSERT INTO message_ids (msgid, ticket_id) VALUES (new.msgid, new.ticket_id) ON CONFLICT (msgid) DO NOTHING;
END;
CREATE TRIGGER outbox_msgid AFTER INSERT ON outbox WHEN new.msgid <> '' AND new.ticket_id IS NOT NULL BEGIN
    INSERT INTO message_ids (msgid, ticket_id) VALUES (new.msgid, new.ticket_id) ON CONFLICT (msgid) DO NOTHING;
END;
