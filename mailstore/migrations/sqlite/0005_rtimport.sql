-- Imports from another tracker (Request Tracker): what RT has and sak did
-- not, and what a resumable, repeatable import must remember.
--
-- Tickets keep RT's due date and the minutes worked and estimated;
-- transactions the minutes their actor recorded.
ALTER TABLE tickets ADD COLUMN due BIGINT;
ALTER TABLE tickets ADD COLUMN time_worked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN time_estimated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transactions ADD COLUMN time_taken INTEGER NOT NULL DEFAULT 0;

-- Links between tickets (RT's DependsOn, RefersTo, MemberOf …), from
-- ticket_id to a sak ticket (target_ticket) or, when the target is not a
-- ticket sak knows, only the URI as the old tracker stored it.
CREATE TABLE links (
    ticket_id     INTEGER NOT NULL REFERENCES tickets(id),
    type          TEXT NOT NULL,
    target        TEXT NOT NULL,
    target_ticket INTEGER,
    created       BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, type, target)
);
CREATE INDEX links_target ON links(target_ticket);

-- Which ticket of which imported tracker (source: RT's $rtname) became
-- which sak ticket, and the last of its transactions imported.
CREATE TABLE imported_tickets (
    source    TEXT NOT NULL,
    old_id    BIGINT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    last_txn  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (source, old_id)
);
CREATE INDEX imported_tickets_ticket ON imported_tickets(ticket_id);

-- Subject tags of an imported tracker ($rtname and its queues' own
-- tags): "[TAG #N]" threads to the sak ticket that RT ticket N became.
CREATE TABLE subject_tags (
    tag    TEXT PRIMARY KEY,           -- lower-case
    source TEXT NOT NULL
);
