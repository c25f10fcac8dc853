-- Migration 25 is PostgreSQL's: a mail's search vector is made of the
-- text sak folded. SQLite's index (fts_queue, migration 11) folds in its
-- tokenizer and is unchanged.
SELECT 1;
