-- Mail in: the same mail delivered twice (same Message-ID and bytes) is
-- stored once, also when two deliveries race; auto-replies are counted per
-- sender for the rate limit.
DROP INDEX messages_msgid;
CREATE UNIQUE INDEX messages_msgid ON messages(msgid, sha256);

CREATE TABLE autoreplies (
    sender  TEXT NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX autoreplies_sender ON autoreplies(sender, created);
