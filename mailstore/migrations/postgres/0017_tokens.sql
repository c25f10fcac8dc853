-- Caseworkers on their own machines (issue 27): personal API tokens and
-- the one-time login codes mailed to get one.

-- A personal API token: only the hex SHA-256 of the token string is kept.
-- Revoking one deletes its row.
CREATE TABLE api_tokens (
    id        BIGSERIAL PRIMARY KEY,
    user_id   BIGINT NOT NULL REFERENCES users(id),
    name      TEXT NOT NULL DEFAULT '',
    hash      TEXT NOT NULL UNIQUE,
    created   BIGINT NOT NULL,
    expires   BIGINT,            -- NULL: never
    last_used BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- A login code asked for a login from a client address. Every request is
-- recorded, for an unknown login too (user_id NULL, hash ''): the rate
-- limits count them alike, and nothing tells the two apart from outside.
-- hash is the HMAC of the code; a code is dead once used, expired, or
-- tried 5 times.
CREATE TABLE login_codes (
    id      BIGSERIAL PRIMARY KEY,
    login   TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    client  TEXT NOT NULL,
    hash    TEXT NOT NULL,
    created BIGINT NOT NULL,
    expires BIGINT NOT NULL,
    tries   INTEGER NOT NULL DEFAULT 0,
    used    BIGINT
);
CREATE INDEX login_codes_login ON login_codes(login, created);
CREATE INDEX login_codes_client ON login_codes(client, created);

-- Who acted for the actor: a sysadmin acting as another user over the
-- API (X-Sak-As). NULL when the actor acted themself.
ALTER TABLE transactions ADD COLUMN agent_id BIGINT REFERENCES users(id);
