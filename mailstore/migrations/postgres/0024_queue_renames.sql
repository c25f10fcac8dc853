-- A queue's former names and subject tags, and who changed them when:
-- the queue's history of renames. The history of tickets names queues as
-- they were called (move rows), and replies carry the subject tags of
-- their time, so both keep meaning the queue they meant: a name or tag
-- once a queue's is never another queue's. Transactions are never
-- rewritten.
CREATE TABLE queue_renames (
    id        BIGSERIAL PRIMARY KEY,
    queue_id  BIGINT NOT NULL REFERENCES queues(id),
    kind      TEXT NOT NULL CHECK (kind IN ('name', 'tag')),
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    actor_id  BIGINT REFERENCES users(id),
    created   BIGINT NOT NULL
);
CREATE INDEX queue_renames_queue ON queue_renames(queue_id);
