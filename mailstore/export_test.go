package mailstore

import "context"

// DeliverBatchCtx is Store.DeliverBatch with a context for each delivery.
func DeliverBatchCtx(ctxs []context.Context, s *Store, ins []*Incoming) ([]*Delivery, []error) {
	batch := make([]*commitReq, len(ins))
	for i, in := range ins {
		batch[i] = &commitReq{ctx: WithVia(ctxs[i], ViaMail), in: in, done: make(chan commitRes, 1)}
	}
	s.runBatch(batch)
	ds, errs := make([]*Delivery, len(ins)), make([]error, len(ins))
	for i, r := range batch {
		res := <-r.done
		ds[i], errs[i] = res.d, res.err
	}
	return ds, errs
}

// SetSearchWindow sets searchWindow for a test, and puts it back after.
func SetSearchWindow(t interface{ Cleanup(func()) }, n int) {
	old := searchWindow
	searchWindow = n
	t.Cleanup(func() { searchWindow = old })
}
