-- Mail larger than 1 MiB is stored in pieces: messages.raw holds its first
-- MiB and message_chunks the rest, in order (seq 1, 2, …); messages.size
-- stays the whole mail's size. A large mail then reaches the database one
-- piece at a time rather than as one value held in memory several times
-- (BENCHMARKS.md).
CREATE TABLE message_chunks (
    message_id BIGINT NOT NULL REFERENCES messages(id),
    seq        INTEGER NOT NULL,
    data       BYTEA NOT NULL,
    PRIMARY KEY (message_id, seq)
);
DO $$
BEGIN
    EXECUTE 'ALTER TABLE message_chunks ALTER COLUMN data SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    NULL; -- no LZ4 in this PostgreSQL (see migration 6)
END
$$;
