package mailstore

import "context"

// DeliverBatchCtx is Store.DeliverBatch with a context for each delivery.
func DeliverBatchCtx(ctxs []context.Context, s *Store, ins []*Incoming) ([]*Delivery, []error) {
	return s.deliverEach(ctxs, ins)
}

// SetSearchWindow sets searchWindow for a test, and puts it back after.
func SetSearchWindow(t interface{ Cleanup(func()) }, n int) {
	old := searchWindow
	searchWindow = n
	t.Cleanup(func() { searchWindow = old })
}

// NoteLost is Store.noteLost: what the store does on seeing err.
func (s *Store) NoteLost(err error) { s.noteLost(err) }

// FormatToken is the token string of 32 random bytes.
var FormatToken = formatToken
