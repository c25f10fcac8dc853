-- A queue's templates_version grows with every change to its templates,
-- made by whoever makes it. The queue row, read anyway before a mail is
-- written, tells a front end whether the templates it keeps in memory are
-- still the queue's: a mail costs no template look-up (BENCHMARKS.md,
-- round trips per delivery).
ALTER TABLE queues ADD COLUMN templates_version INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER queue_templates_insert AFTER INSERT ON queue_templates BEGIN
    UPDATE queues SET templates_version = templates_version + 1 WHERE id = new.queue_id;
END;
CREATE TRIGGER queue_templates_update AFTER UPDATE ON queue_templates BEGIN
    UPDATE queues SET templates_version = templates_version + 1 WHERE id IN (old.queue_id, new.queue_id);
END;
CREATE TRIGGER queue_templates_delete AFTER DELETE ON queue_templates BEGIN
    UPDATE queues SET templates_version = templates_version + 1 WHERE id = old.queue_id;
END;
