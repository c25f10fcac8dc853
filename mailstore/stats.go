package mailstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// StatsFilter selects the queues and the period of Stats. A zero Since
// counts from the first ticket, a zero Until up to now.
type StatsFilter struct {
	Queues []string
	Since  time.Time
	Until  time.Time
}

// QueueStats are a queue's figures for a period. Tickets received in the
// period (created in [Since, Until)) are counted by the queue they are in
// now; merged and deleted tickets are not counted. Resolved and Rejected
// count those of them that are resolved or rejected now; the shares are of
// Received (0 when nothing was received). NowNew, NowOpen and NowStalled
// are the queue's tickets in that status now, whenever received.
//
// FirstResponse is the median time from a ticket's creation to the first
// answer to its requestors by a caseworker (a correspond transaction by a
// user with a login), over the tickets received in the period that have
// one (Responded of them). Resolution is the median time from creation to
// the last resolution, over the tickets received in the period that are
// resolved now. A median is nil when there is nothing to take it of.
type QueueStats struct {
	Queue         string
	Received      int
	Resolved      int
	Rejected      int
	ResolvedShare float64
	RejectedShare float64
	NowNew        int
	NowOpen       int
	NowStalled    int
	Responded     int
	FirstResponse *time.Duration
	Resolution    *time.Duration

	responses, resolutions []time.Duration
}

// Stats computes the figures of each queue (all queues, or the ones in the
// filter, by name) and of them all together. Medians are computed in Go
// from the durations of the tickets, the same way on both databases; for
// an even count the median is the mean of the middle two.
func (s *Store) Stats(ctx context.Context, f StatsFilter) ([]QueueStats, *QueueStats, error) {
	return s.stats(ctx, f, nil)
}

// stats is Stats over the tickets u sees now: all for a nil u. Without
// queues in the filter, a user who is not a sysadmin gets the queues
// where they hold a role.
func (s *Store) stats(ctx context.Context, f StatsFilter, u *User) ([]QueueStats, *QueueStats, error) {
	until := f.Until
	if until.IsZero() {
		until = s.now()
	}
	if !f.Since.IsZero() && !f.Since.Before(until) {
		return nil, nil, refuse(ErrInvalid, "the period is empty: %s is not before %s", f.Since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	var queues []Queue
	if len(f.Queues) > 0 {
		for _, name := range f.Queues {
			q, err := queueByName(ctx, s.db, name)
			if err != nil {
				return nil, nil, err
			}
			if !slices.ContainsFunc(queues, func(x Queue) bool { return x.ID == q.ID }) {
				queues = append(queues, *q)
			}
		}
	} else {
		var err error
		if queues, err = s.queues(ctx, u); err != nil {
			return nil, nil, err
		}
	}
	slices.SortFunc(queues, func(a, b Queue) int { return strings.Compare(a.Name, b.Name) })
	out := make([]QueueStats, len(queues))
	byID := map[int64]*QueueStats{}
	ids := make([]int64, len(queues))
	for i, q := range queues {
		out[i].Queue = q.Name
		byID[q.ID] = &out[i]
		ids[i] = q.ID
	}
	total := &QueueStats{}
	if len(queues) == 0 {
		return out, total, nil
	}
	in := idList(ids)
	args := []any{micros(f.Since), micros(until)}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	sees := ""
	for _, c := range seesNow(u, "t", arg) {
		sees += " AND " + c
	}

	// The tickets received in the period, with their first answer by
	// staff (a user with a login). A zero Since is far enough in the past
	// (year 1). The staff are a set made once, not a join per answer
	// (faster on a large queue: BENCHMARKS.md).
	rows, err := s.db.QueryContext(ctx, `SELECT t.queue_id, t.status, t.created, t.resolved,
			(SELECT MIN(x.created) FROM transactions x
			 WHERE x.ticket_id = t.id AND x.type = 'correspond' AND x.actor_id IN (SELECT id FROM users WHERE login IS NOT NULL))
		FROM tickets t
		WHERE t.queue_id IN (`+in+`) AND t.merged_into IS NULL AND t.status <> 'deleted'
		AND t.created >= $1 AND t.created < $2`+sees, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("read ticket statistics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var queueID, created int64
		var status string
		var resolved, answered sql.NullInt64
		if err := rows.Scan(&queueID, &status, &created, &resolved, &answered); err != nil {
			return nil, nil, fmt.Errorf("read ticket statistics: %w", err)
		}
		for _, st := range []*QueueStats{byID[queueID], total} {
			st.Received++
			switch status {
			case StatusResolved:
				st.Resolved++
				if resolved.Valid && resolved.Int64 >= created {
					st.resolutions = append(st.resolutions, time.Duration(resolved.Int64-created)*time.Microsecond)
				}
			case StatusRejected:
				st.Rejected++
			}
			if answered.Valid && answered.Int64 >= created {
				st.responses = append(st.responses, time.Duration(answered.Int64-created)*time.Microsecond)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read ticket statistics: %w", err)
	}
	rows.Close()

	// What waits now.
	args = args[:0]
	sees = ""
	for _, c := range seesNow(u, "t", arg) {
		sees += " AND " + c
	}
	rows, err = s.db.QueryContext(ctx, `SELECT t.queue_id, t.status, COUNT(*) FROM tickets t
		WHERE t.queue_id IN (`+in+`) AND t.merged_into IS NULL AND t.status IN ('new', 'open', 'stalled')`+sees+`
		GROUP BY t.queue_id, t.status`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("count waiting tickets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var queueID int64
		var status string
		var n int
		if err := rows.Scan(&queueID, &status, &n); err != nil {
			return nil, nil, fmt.Errorf("count waiting tickets: %w", err)
		}
		for _, st := range []*QueueStats{byID[queueID], total} {
			switch status {
			case StatusNew:
				st.NowNew += n
			case StatusOpen:
				st.NowOpen += n
			case StatusStalled:
				st.NowStalled += n
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("count waiting tickets: %w", err)
	}
	for i := range out {
		out[i].finish()
	}
	total.finish()
	return out, total, nil
}

func (st *QueueStats) finish() {
	if st.Received > 0 {
		st.ResolvedShare = float64(st.Resolved) / float64(st.Received)
		st.RejectedShare = float64(st.Rejected) / float64(st.Received)
	}
	st.Responded = len(st.responses)
	st.FirstResponse = median(st.responses)
	st.Resolution = median(st.resolutions)
	st.responses, st.resolutions = nil, nil
}

// median is the middle of ds, or the mean of the middle two; nil for none.
func median(ds []time.Duration) *time.Duration {
	if len(ds) == 0 {
		return nil
	}
	slices.Sort(ds)
	m := ds[len(ds)/2]
	if len(ds)%2 == 0 {
		a, b := ds[len(ds)/2-1], ds[len(ds)/2]
		m = a + (b-a)/2
	}
	return &m
}
