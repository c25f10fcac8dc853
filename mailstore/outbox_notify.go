package mailstore

import (
	"database/sql"
	"sync"
)

// WithOutboxNotify sets fn, called after each commit of this Store that
// wrote outbox rows, so that an outbound worker in the same process sends
// them at once rather than at its next poll. fn must not block. Rows
// written by another process (the CLI, another sak serve on one
// PostgreSQL database) wake nothing here: the worker's poll finds them.
func WithOutboxNotify(fn func()) Option { return func(s *Store) { s.queued.fn = fn } }

// outboxNotify remembers which open transactions wrote outbox rows, while
// a notify function is set.
type outboxNotify struct {
	fn  func()
	txs sync.Map // *sql.Tx -> struct{}
}

// wrote notes that tx wrote outbox rows.
func (n *outboxNotify) wrote(q querier) {
	if n.fn == nil {
		return
	}
	if c, ok := q.(cachedTx); ok {
		n.txs.Store(c.tx, struct{}{})
	}
}

// end forgets tx, and calls fn when tx committed after writing outbox
// rows.
func (n *outboxNotify) end(tx *sql.Tx, committed bool) {
	if n.fn == nil {
		return
	}
	if _, ok := n.txs.LoadAndDelete(tx); ok && committed {
		n.fn()
	}
}
