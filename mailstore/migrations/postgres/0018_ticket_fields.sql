-- Fields of a ticket that sak keeps but has no verb for: the custom field
-- values of the old tracker (RT's ObjectCustomFieldValues), shown by
-- 'ticket show' and the web view, read-only. A field may hold several
-- values; position is their order on the ticket.
CREATE TABLE ticket_fields (
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    name      TEXT NOT NULL,
    position  INTEGER NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (ticket_id, position)
);
