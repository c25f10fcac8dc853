-- Mail larger than 1 MiB is stored in pieces: messages.raw holds its first
-- MiB and message_chunks the rest, in order (seq 1, 2, …); messages.size
-- stays the whole mail's size. A large mail then reaches SQLite one piece
-- at a time: bound as one value, the driver's copy and SQLite's record of
-- it each held the whole mail in memory at once (BENCHMARKS.md).
CREATE TABLE message_chunks (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    seq        INTEGER NOT NULL,
    data       BLOB NOT NULL,
    PRIMARY KEY (message_id, seq)
);
