-- People at university scale: groups of users, and queue roles granted
-- to a group. A role granted to a group is held by each of its members
-- for as long as they are members.
CREATE TABLE groups (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created     BIGINT NOT NULL
);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES groups(id),
    user_id  BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);

-- A role on a queue granted to a group.
CREATE TABLE group_roles (
    queue_id BIGINT NOT NULL REFERENCES queues(id),
    group_id BIGINT NOT NULL REFERENCES groups(id),
    role     TEXT NOT NULL CHECK (role IN ('caseworker', 'manager', 'watcher')),
    notify   TEXT NOT NULL DEFAULT 'all' CHECK (notify IN ('new', 'all')),
    PRIMARY KEY (queue_id, group_id, role)
);
CREATE INDEX group_roles_group ON group_roles(group_id);

-- What a watcher is told: 'all' (new tickets and the correspondence on
-- the queue's tickets, as RT's AdminCcs are) or 'new' (new tickets,
-- requestors' mail on a ticket nobody owns, and comments).
ALTER TABLE queue_roles ADD COLUMN notify TEXT NOT NULL DEFAULT 'all' CHECK (notify IN ('new', 'all'));

-- Every role a user holds on a queue, granted to them (group_id NULL) or
-- to a group of theirs: what everything that asks "does X hold a role on
-- Q" reads, so the rule is written once.
CREATE VIEW user_roles AS
    SELECT r.queue_id, r.user_id, r.role, r.notify, CAST(NULL AS BIGINT) AS group_id FROM queue_roles r
    UNION ALL
    SELECT g.queue_id, m.user_id, g.role, g.notify, g.group_id FROM group_roles g JOIN group_members m ON m.group_id = g.group_id;
