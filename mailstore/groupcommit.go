package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"runtime/pprof"
	"sync"
	"time"
)

// Group commit. Every delivery must be durable before its 250, and a
// durable commit costs an fsync. Deliveries that arrive while a commit is
// in progress wait in a queue; a committer takes all that are waiting, runs
// each under a savepoint of one transaction, commits once, and only then
// answers each of them. A delivery that fails is undone alone (its
// savepoint); a commit that fails fails every delivery in it, and each
// gets a temporary error. SQLite has one committer (it has one writer);
// PostgreSQL has several, on connections of their own.

// maxBatch bounds the deliveries one commit carries.
const maxBatch = 64

// DeliveryTimeout is the time one delivery may take in the store when its
// ctx has no deadline; smtpd's DATA gives each delivery this much by
// default too.
const DeliveryTimeout = 2 * time.Minute

type commitReq struct {
	ctx  context.Context
	in   *Incoming
	done chan commitRes
}

type commitRes struct {
	d   *Delivery
	err error
}

// ErrClosed is returned for work given to a closed store.
var ErrClosed = errors.New("store closed")

type committers struct {
	once     sync.Once
	stopOnce sync.Once
	reqs     chan *commitReq
	stop     chan struct{}
	wg       sync.WaitGroup
}

func (s *Store) startCommitters() {
	s.gc.once.Do(func() {
		n := s.d.committers
		s.gc.reqs = make(chan *commitReq)
		s.gc.stop = make(chan struct{})
		for i := 0; i < n; i++ {
			s.gc.wg.Add(1)
			go s.commitLoop()
		}
	})
}

// stopCommitters ends the committers; deliveries in flight finish first.
func (s *Store) stopCommitters() {
	s.gc.once.Do(func() {}) // never start them after this
	s.gc.stopOnce.Do(func() {
		if s.gc.stop != nil {
			close(s.gc.stop)
			s.gc.wg.Wait()
		}
	})
}

// commit hands a delivery to a committer and waits for its outcome.
func (s *Store) commit(ctx context.Context, in *Incoming) (*Delivery, error) {
	s.startCommitters()
	if s.gc.stop == nil {
		return nil, ErrClosed
	}
	r := &commitReq{ctx: ctx, in: in, done: make(chan commitRes, 1)}
	select {
	case s.gc.reqs <- r:
	case <-s.gc.stop:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once taken, the delivery's outcome is awaited even if ctx ends: it
	// may be committing, and its caller must not be told otherwise. The
	// batch ends by this delivery's deadline at the latest.
	res := <-r.done
	return res.d, res.err
}

func (s *Store) commitLoop() {
	defer s.gc.wg.Done()
	// Profiles tell the committer's samples from the sessions' by this
	// label (go tool pprof -tagfocus role=committer).
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("role", "committer")))
	for {
		var batch []*commitReq
		select {
		case r := <-s.gc.reqs:
			batch = append(batch, r)
		case <-s.gc.stop:
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case r := <-s.gc.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		s.runBatch(batch)
	}
}

// runBatch delivers the batch in one transaction and answers each request
// after the commit.
func (s *Store) runBatch(batch []*commitReq) {
	results := make([]commitRes, len(batch))
	// The batch must end by the earliest deadline among its deliveries
	// (DeliveryTimeout from now for one without): each caller answers 451
	// when its deadline passes, so committing later would store a mail
	// whose sender was told to retry.
	var deadline time.Time
	for i, r := range batch {
		d, ok := r.ctx.Deadline()
		if !ok {
			d = time.Now().Add(DeliveryTimeout)
		}
		if i == 0 || d.Before(deadline) {
			deadline = d
		}
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	// The statements run under shortCtx, which on SQLite drops the
	// deadline: it is checked before the commit instead.
	work := s.shortCtx(ctx)
	// First without savepoints: a savepoint per delivery costs statements,
	// and on SQLite a statement journal each. Almost every delivery
	// succeeds; when one fails, the whole batch is undone and run again,
	// each delivery under a savepoint of its own so that the failure
	// undoes only its work.
	run := func(savepoints bool) func(*sql.Tx) error {
		return func(tx *sql.Tx) error {
			if err := s.deliverBatch(work, tx, batch, results, savepoints); err != nil {
				return err
			}
			return ctx.Err() // too late: the callers answer 451
		}
	}
	// The first run is pipelined on PostgreSQL (pipeline.go): its
	// statements wait for the next query or the COMMIT and go with it.
	err := s.inTx(pipelined(work), run(false))
	if errors.Is(err, errRerun) || (errors.Is(err, errNotCommitted) && !connectionLost(err)) {
		err = s.inTx(work, run(true))
	}
	for i, r := range batch {
		res := results[i]
		if err != nil {
			res = commitRes{err: err}
		}
		r.done <- res
	}
}

// errRerun undoes a batch that is to be run again with savepoints.
var errRerun = errors.New("a delivery failed: run the batch again with savepoints")

// deliverBatch runs the batch's deliveries in tx, recording each outcome
// in results. Without savepoints, the first failure ends it with errRerun.
func (s *Store) deliverBatch(ctx context.Context, tx *sql.Tx, batch []*commitReq, results []commitRes, savepoints bool) error {
	for i, r := range batch {
		results[i] = commitRes{}
		if err := r.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		// The request's values (via) with the batch's deadline: one
		// caller giving up must not break the others' transaction.
		rctx := mergedCtx{Context: ctx, values: r.ctx}
		if !savepoints {
			r.in.refused = nil
			results[i].d, results[i].err = s.deliver(rctx, tx, r.in, true)
			if err := results[i].err; err != nil {
				if isTxFatal(err) {
					return err // the transaction is gone: retryTx decides
				}
				return errRerun
			}
			continue
		}
		results[i].d, results[i].err = s.deliverOnce(rctx, tx, r.in)
		if results[i].err != nil && isTxFatal(results[i].err) {
			return results[i].err
		}
	}
	return nil
}

// isTxFatal reports an error after which the transaction cannot go on:
// it ended, its deadline passed, or its connection was lost.
func isTxFatal(err error) bool {
	return errors.Is(err, sql.ErrTxDone) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, context.DeadlineExceeded) ||
		lostBeforeCommit(err)
}

// mergedCtx takes its deadline and cancellation from Context and its
// values from values.
type mergedCtx struct {
	context.Context
	values context.Context
}

func (c mergedCtx) Value(key any) any { return c.values.Value(key) }
