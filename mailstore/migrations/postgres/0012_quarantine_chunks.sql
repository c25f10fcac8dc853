-- Quarantined mail larger than 1 MiB is stored in pieces, as messages are
-- (migration 7): quarantine.raw holds its first MiB and quarantine_chunks
-- the rest, in order (seq 1, 2, …); quarantine.size stays the whole mail's
-- size. Held back whole, a 20 MiB spam grew the daemon's memory by three
-- times its size (BENCHMARKS.md).
CREATE TABLE quarantine_chunks (
    quarantine_id BIGINT NOT NULL REFERENCES quarantine(id),
    seq           INTEGER NOT NULL,
    data          BYTEA NOT NULL,
    PRIMARY KEY (quarantine_id, seq)
);
DO $$
BEGIN
    EXECUTE 'ALTER TABLE quarantine_chunks ALTER COLUMN data SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    NULL; -- no LZ4 in this PostgreSQL (see migration 6)
END
$$;
