-- The mail sak writes, per queue: its language ('nb', 'en', or 'nb+en':
-- both, Norwegian first, in mail to requestors; queues that exist keep
-- English, new ones get 'nb+en' from 'sak queue create'), a signature
-- ('' for the queue's name), whether requestors get a notice when their
-- ticket is resolved, and the digest time of its caseworkers who chose
-- none ('HH:MM', '' for none).
ALTER TABLE queues ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';
ALTER TABLE queues ADD COLUMN signature TEXT NOT NULL DEFAULT '';
ALTER TABLE queues ADD COLUMN notify_resolved BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE queues ADD COLUMN digest_default TEXT NOT NULL DEFAULT '';

-- A queue's own template of a kind (autoreply, correspond, …), used
-- instead of the built-in in every language of the queue.
CREATE TABLE queue_templates (
    queue_id   BIGINT NOT NULL REFERENCES queues(id),
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated    BIGINT NOT NULL,
    updated_by BIGINT REFERENCES users(id),
    PRIMARY KEY (queue_id, kind)
);

-- A caseworker's daily digest: 'HH:MM' local time, 'off', or '' for the
-- earliest digest default of their queues. digests holds the day each
-- user's digest was last sent (YYYY-MM-DD, local): a worker leases the
-- row as it sends, so several 'sak serve' send each digest once a day.
ALTER TABLE users ADD COLUMN digest TEXT NOT NULL DEFAULT '';
CREATE TABLE digests (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    day     TEXT NOT NULL DEFAULT '',
    sent    BIGINT
);
