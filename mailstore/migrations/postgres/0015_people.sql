-- Floods and forgeries: acknowledgements are capped across the instance
-- too, so the last minute's are counted; and the automatic notices to
-- staff that are rate-limited are recorded.
CREATE INDEX autoreplies_created ON autoreplies(created);

-- A notice of a kind about a key: 'unverified' (a caseworker told that
-- their mail was kept as an unverified note; key their address) or
-- 'new-ticket' (the watchers told of a new ticket; key the queue's id and
-- the sender). A folded row is a new ticket not announced on its own: the
-- next notice about the key names it.
CREATE TABLE notices (
    kind      TEXT NOT NULL,
    key       TEXT NOT NULL,
    created   BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    folded    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX notices_key ON notices(kind, key, created);
