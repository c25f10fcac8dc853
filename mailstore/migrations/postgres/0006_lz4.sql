-- Mail is compressed with LZ4 rather than PostgreSQL's default pglz: during
-- the ingest benchmark pglz_compress alone took a tenth of the machine's CPU
-- (BENCHMARKS.md), for the raw bytes, texts and search vectors of every
-- message. New values are compressed with LZ4; values already stored stay
-- as they are and read as before. A server built without LZ4 keeps pglz.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE messages
        ALTER COLUMN raw SET COMPRESSION lz4,
        ALTER COLUMN headers SET COMPRESSION lz4,
        ALTER COLUMN text SET COMPRESSION lz4,
        ALTER COLUMN fts SET COMPRESSION lz4';
    EXECUTE 'ALTER TABLE outbox ALTER COLUMN raw SET COMPRESSION lz4';
    EXECUTE 'ALTER TABLE quarantine ALTER COLUMN raw SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'LZ4 is not available in this PostgreSQL: mail stays compressed with pglz';
END
$$;
