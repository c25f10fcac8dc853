-- Two look-ups that read a whole table at the seed scale (700,000
-- tickets, 5,000,000 transactions; BENCHMARKS.md):
--
-- `sak ticket show` and search follow merges by asking which tickets were
-- merged into a ticket; only merged tickets are indexed.
CREATE INDEX tickets_merged ON tickets(merged_into) WHERE merged_into IS NOT NULL;
-- `sak stats` finds each ticket's first answer among its correspondence;
-- the index holds only correspondence, with what the look-up reads.
CREATE INDEX transactions_correspond ON transactions(ticket_id, created, actor_id) WHERE type = 'correspond';
