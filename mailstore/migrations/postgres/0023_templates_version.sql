-- A queue's templates_version grows with every change to its templates,
-- made by whoever makes it. The queue row, read anyway before a mail is
-- written, tells a front end whether the templates it keeps in memory are
-- still the queue's: a mail costs no template look-up (BENCHMARKS.md,
-- round trips per delivery).
ALTER TABLE queues ADD COLUMN templates_version BIGINT NOT NULL DEFAULT 0;
CREATE FUNCTION sak_templates_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE queues SET templates_version = templates_version + 1 WHERE id = OLD.queue_id;
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.queue_id <> OLD.queue_id) THEN
        UPDATE queues SET templates_version = templates_version + 1 WHERE id = NEW.queue_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER queue_templates_version AFTER INSERT OR UPDATE OR DELETE ON queue_templates
    FOR EACH ROW EXECUTE FUNCTION sak_templates_version();
