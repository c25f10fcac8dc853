package mailstore

import "context"

// DeliverBatch delivers ins as one group-commit batch, as the committer
// would had they all been waiting at once, and returns each outcome.
func DeliverBatch(ctx context.Context, s *Store, ins []*Incoming) ([]*Delivery, []error) {
	ctxs := make([]context.Context, len(ins))
	for i := range ctxs {
		ctxs[i] = ctx
	}
	return DeliverBatchCtx(ctxs, s, ins)
}

// DeliverBatchCtx is DeliverBatch with a context for each delivery.
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
