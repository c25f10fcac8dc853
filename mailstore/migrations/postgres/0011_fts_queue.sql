-- Version 11 changes how SQLite's full-text index is kept (fts_queue);
-- PostgreSQL's is a column of each row and has nothing to change. The
-- version numbers of the two databases stay the same.
SELECT 1;
