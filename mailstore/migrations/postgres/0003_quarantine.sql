-- Settings shared by every sak process on the database (the secret that
-- signs reply addresses), and the quarantine for spam and oversized mail.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE quarantine (
    id        BIGSERIAL PRIMARY KEY,
    created   BIGINT NOT NULL,
    reason    TEXT NOT NULL,
    mail_from TEXT NOT NULL DEFAULT '',
    rcpts     TEXT NOT NULL,          -- the envelope recipients, comma-separated
    from_addr TEXT NOT NULL DEFAULT '',
    subject   TEXT NOT NULL DEFAULT '',
    size      BIGINT NOT NULL,
    status    TEXT NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'released', 'dropped')),
    ticket_id BIGINT REFERENCES tickets(id),
    decided   BIGINT,
    decided_by BIGINT REFERENCES users(id),
    raw       BYTEA NOT NULL
);
CREATE INDEX quarantine_status ON quarantine(status, id);
