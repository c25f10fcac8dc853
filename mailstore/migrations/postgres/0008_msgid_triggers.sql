-- Every Message-ID sak stores (messages) or sends (outbox) is indexed in
-- message_ids for threading, by these triggers rather than by a statement
-- of its own after each insert: one round trip fewer per mail stored and
-- per mail queued (BENCHMARKS.md). The first ticket to claim an id keeps it.
CREATE FUNCTION sak_index_msgid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.msgid <> '' AND NEW.ticket_id IS NOT NULL THEN
        INSERT INTO message_ids (msgid, ticket_id) VALUES (NEW.msgid, NEW.ticket_id) ON CONFLICT (msgid) DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_msgid AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION sak_index_msgid();
CREATE TRIGGER outbox_msgid AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION sak_index_msgid();
