package mailstore

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The JSON documents that the CLI's -o json prints and the HTTP API
// answers, beyond the model's own types: one set of types, not two.

// Hit is a search hit as 'sak search -o json' prints it.
type Hit struct {
	ID      int64   `json:"id"`
	Queue   string  `json:"queue"`
	Subject string  `json:"subject"`
	Status  string  `json:"status"`
	Owner   *string `json:"owner"`
	Score   float64 `json:"score"`
	Snippet string  `json:"snippet"`
	// SnippetMark is the byte offset in Snippet of its first marked
	// word's SnippetStart; -1 when none is marked (brackets of the text
	// itself look the same).
	SnippetMark int `json:"snippet_mark"`
}

// Hits are the documents of search hits; never nil.
func Hits(hits []SearchHit) []Hit {
	out := make([]Hit, len(hits))
	for i, h := range hits {
		out[i] = Hit{ID: h.ID, Queue: h.Queue, Subject: h.Subject, Status: h.Status, Owner: h.Owner, Score: h.Score, Snippet: h.Snippet, SnippetMark: h.SnippetMark}
	}
	return out
}

// StatsRow is one queue's figures, or the total, as 'sak stats -o json'
// prints them. Shares are fractions of received (0 to 1); medians are in
// seconds, null when there is nothing to take the median of.
type StatsRow struct {
	Queue                      *string  `json:"queue"` // null for the total
	Received                   int      `json:"received"`
	Resolved                   int      `json:"resolved"`
	Rejected                   int      `json:"rejected"`
	ResolvedShare              float64  `json:"resolved_share"`
	RejectedShare              float64  `json:"rejected_share"`
	NowNew                     int      `json:"now_new"`
	NowOpen                    int      `json:"now_open"`
	NowStalled                 int      `json:"now_stalled"`
	Responded                  int      `json:"responded"`
	MedianFirstResponseSeconds *float64 `json:"median_first_response_seconds"`
	MedianResolutionSeconds    *float64 `json:"median_resolution_seconds"`
}

// StatsReport is what 'sak stats -o json' prints.
type StatsReport struct {
	Since  *time.Time `json:"since"` // null: from the first ticket
	Until  time.Time  `json:"until"`
	Queues []StatsRow `json:"queues"`
	Total  StatsRow   `json:"total"`
}

// NewStatsReport is the document of the figures Stats gave for
// [since, until); a zero since is from the first ticket.
func NewStatsReport(rows []QueueStats, total *QueueStats, since, until time.Time) StatsReport {
	rep := StatsReport{Until: until.UTC(), Queues: make([]StatsRow, len(rows)), Total: statsRow(*total, true)}
	if !since.IsZero() {
		s := since.UTC()
		rep.Since = &s
	}
	for i, r := range rows {
		rep.Queues[i] = statsRow(r, false)
	}
	return rep
}

func statsRow(st QueueStats, total bool) StatsRow {
	r := StatsRow{Received: st.Received, Resolved: st.Resolved, Rejected: st.Rejected, ResolvedShare: st.ResolvedShare, RejectedShare: st.RejectedShare,
		NowNew: st.NowNew, NowOpen: st.NowOpen, NowStalled: st.NowStalled, Responded: st.Responded,
		MedianFirstResponseSeconds: seconds(st.FirstResponse), MedianResolutionSeconds: seconds(st.Resolution)}
	if !total {
		q := st.Queue
		r.Queue = &q
	}
	return r
}

func seconds(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	s := d.Seconds()
	return &s
}

// QueueDetail is a queue with its members, as 'queue show -o json' prints
// it. Members is null for one who may not see them (see Reader.Members).
type QueueDetail struct {
	*Queue
	Members []Member `json:"members"`
	// Groups are the roles granted to groups, shown as Members are.
	Groups []QueueGroup `json:"groups,omitempty"`
	// Renames are the changes of its name and subject tag, oldest first.
	Renames []QueueRename `json:"renames,omitempty"`
}

// QueueDetail is the queue named name with its members as the user sees
// them: null members for one who may not see them.
func (r *Reader) QueueDetail(ctx context.Context, name string) (*QueueDetail, error) {
	q, err := r.s.Queue(ctx, name)
	if err != nil {
		return nil, err
	}
	rs, err := queueRenames(ctx, r.s.db, q.ID)
	if err != nil {
		return nil, err
	}
	ms, err := r.Members(ctx, q.Name)
	switch {
	case errors.Is(err, ErrPermission):
		return &QueueDetail{Queue: q, Renames: rs}, nil
	case err != nil:
		return nil, err
	case ms == nil:
		ms = []Member{}
	}
	gs, err := r.s.QueueGroups(ctx, q.Name)
	if err != nil {
		return nil, err
	}
	return &QueueDetail{Queue: q, Members: ms, Groups: gs, Renames: rs}, nil
}

// UploadAttachment is FileAttachment for a file named by someone else
// (over the API): a name that is empty, longer than 255 bytes, holds a
// path (/ or \), is . or .., or holds control characters is refused, not
// cleaned, so that nothing is stored under a name the sender did not mean.
func UploadAttachment(name string, data []byte) (Attachment, error) {
	bad := name == "" || len(name) > 255 || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || !utf8.ValidString(name)
	for _, r := range name {
		bad = bad || unicode.IsControl(r)
	}
	if bad {
		return Attachment{}, refuse(ErrInvalid, "attachment name %q is not a plain file name", name)
	}
	return FileAttachment(name, data), nil
}
