-- Version 6 changes how PostgreSQL compresses mail (LZ4); SQLite stores
-- mail uncompressed and has nothing to change. The version numbers of the
-- two databases stay the same.
SELECT 1;
