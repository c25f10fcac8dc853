-- A mail sent with attachments to several recipients is queued once per
-- recipient (each copy has its own signed Reply-To), and each copy held
-- the attachments: a 10 MiB file to ten people was 100 MiB of outbox.
-- Such copies now share their MIME body: outbox.raw holds the copy's
-- header, and the body is the outbox_bodies row body_id names (raw is the
-- whole mail when body_id is NULL, as before).
CREATE TABLE outbox_bodies (
    id   INTEGER PRIMARY KEY,
    data BLOB NOT NULL
);
ALTER TABLE outbox ADD COLUMN body_id INTEGER REFERENCES outbox_bodies(id);
-- A body no row names any more is removed when rows are pruned
-- ('sak outbox prune'), which asks for the rows of a body.
CREATE INDEX outbox_body ON outbox(body_id) WHERE body_id IS NOT NULL;
