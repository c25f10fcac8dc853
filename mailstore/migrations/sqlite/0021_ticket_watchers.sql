-- Watchers of one ticket: staff who get its correspondence and comments,
-- as the watchers of its queue do, without watching the whole queue.
-- A table of their own, not a role in ticket_people: those are the
-- addresses a ticket is done for, and every reader of ticket_people
-- (answers, the requestor filter, imports) means them only.
CREATE TABLE ticket_watchers (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    user_id   INTEGER NOT NULL REFERENCES users(id),
    created   BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
);
CREATE INDEX ticket_watchers_user ON ticket_watchers(user_id);
