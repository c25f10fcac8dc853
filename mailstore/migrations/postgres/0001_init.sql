-- sak schema, version 1 (PostgreSQL). Times are Unix microseconds (UTC).
CREATE TABLE users (
    id       BIGSERIAL PRIMARY KEY,
    login    TEXT UNIQUE,                 -- NULL for requestors known only by mail
    email    TEXT NOT NULL UNIQUE,        -- lower-case
    name     TEXT NOT NULL DEFAULT '',
    sysadmin BOOLEAN NOT NULL DEFAULT FALSE,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created  BIGINT NOT NULL
);

CREATE TABLE queues (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    address         TEXT NOT NULL UNIQUE,
    comment_address TEXT NOT NULL UNIQUE,
    tag             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    created         BIGINT NOT NULL
);

CREATE TABLE queue_roles (
    queue_id BIGINT NOT NULL REFERENCES queues(id),
    user_id  BIGINT NOT NULL REFERENCES users(id),
    role     TEXT NOT NULL CHECK (role IN ('caseworker', 'manager', 'watcher')),
    PRIMARY KEY (queue_id, user_id, role)
);
CREATE INDEX queue_roles_user ON queue_roles(user_id);

CREATE TABLE tickets (
    id          BIGSERIAL PRIMARY KEY,
    queue_id    BIGINT NOT NULL REFERENCES queues(id),
    subject     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('new', 'open', 'stalled', 'resolved', 'rejected', 'deleted')),
    owner_id    BIGINT REFERENCES users(id),
    priority    INTEGER NOT NULL DEFAULT 0,
    created     BIGINT NOT NULL,
    updated     BIGINT NOT NULL,
    resolved    BIGINT,
    merged_into BIGINT REFERENCES tickets(id)
);
CREATE INDEX tickets_queue_status ON tickets(queue_id, status, id);
CREATE INDEX tickets_owner ON tickets(owner_id, status);
CREATE INDEX tickets_status ON tickets(status, id);

CREATE TABLE ticket_people (
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    user_id   BIGINT NOT NULL REFERENCES users(id),
    role      TEXT NOT NULL CHECK (role IN ('requestor', 'cc')),
    PRIMARY KEY (ticket_id, role, user_id)
);
CREATE INDEX ticket_people_user ON ticket_people(user_id, role);

CREATE TABLE ticket_also (
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    queue_id  BIGINT NOT NULL REFERENCES queues(id),
    PRIMARY KEY (ticket_id, queue_id)
);

CREATE TABLE transactions (
    id        BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    actor_id  BIGINT REFERENCES users(id),
    created   BIGINT NOT NULL,
    type      TEXT NOT NULL,
    old_value TEXT NOT NULL DEFAULT '',
    new_value TEXT NOT NULL DEFAULT '',
    via       TEXT NOT NULL DEFAULT '',
    note      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX transactions_ticket ON transactions(ticket_id, id);

CREATE TABLE messages (
    id        BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    txn_id    BIGINT NOT NULL REFERENCES transactions(id),
    msgid     TEXT NOT NULL DEFAULT '',
    outgoing  BOOLEAN NOT NULL DEFAULT FALSE,
    from_addr TEXT NOT NULL DEFAULT '',
    subject   TEXT NOT NULL DEFAULT '',
    date      BIGINT,
    size      BIGINT NOT NULL,
    sha256    TEXT NOT NULL,
    headers   TEXT NOT NULL DEFAULT '',
    text      TEXT NOT NULL DEFAULT '',
    flags     TEXT NOT NULL DEFAULT '',
    raw       BYTEA NOT NULL
);
CREATE INDEX messages_ticket ON messages(ticket_id, id);
CREATE INDEX messages_txn ON messages(txn_id);
CREATE INDEX messages_msgid ON messages(msgid, sha256);

CREATE TABLE attachments (
    id           BIGSERIAL PRIMARY KEY,
    message_id   BIGINT NOT NULL REFERENCES messages(id),
    name         TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    size         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX attachments_message ON attachments(message_id);

-- Every Message-ID sak stored or sent, for threading by In-Reply-To/References.
CREATE TABLE message_ids (
    msgid     TEXT PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id)
);

CREATE TABLE outbox (
    id           BIGSERIAL PRIMARY KEY,
    ticket_id    BIGINT REFERENCES tickets(id),
    txn_id       BIGINT REFERENCES transactions(id),
    kind         TEXT NOT NULL,
    msgid        TEXT NOT NULL,
    mail_from    TEXT NOT NULL,
    rcpt         TEXT NOT NULL,
    raw          BYTEA NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt BIGINT NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    created      BIGINT NOT NULL,
    sent         BIGINT
);
CREATE INDEX outbox_due ON outbox(status, next_attempt);
CREATE INDEX outbox_ticket ON outbox(ticket_id);
