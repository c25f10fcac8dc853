package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A queue's names and subject tags, now and before. A rename or a new
// tag (SetQueue) keeps the old one in queue_renames: the history of
// tickets names queues as they were called then (move rows, which are
// never rewritten), and replies carry the tags of their time. A name or
// tag, once a queue's, is never another queue's (checkFree), so each
// means one queue for good: a caseworker still sees the tickets moved out
// of their queue before it was renamed, a reply tagged with the old tag
// still threads to its ticket, and a former name still finds its queue
// (an MTA's 'sak mailgate --queue OLD' keeps delivering).

// queueNames is every name of each queue, now and before, as a table
// (queue_id, name). Names are lower case.
const queueNames = `(SELECT id AS queue_id, name FROM queues UNION ALL SELECT queue_id, old_value FROM queue_renames WHERE kind = 'name')`

// named is the condition that the queue (table queues, not aliased) has
// or had the name in placeholder p.
func named(p string) string {
	return `(name = ` + p + ` OR id IN (SELECT queue_id FROM queue_renames WHERE kind = 'name' AND old_value = ` + p + `))`
}

// queueTags is every subject tag of each queue, now and before, as a
// table (queue_id, tag), as written: compare them with LOWER.
const queueTags = `(SELECT id AS queue_id, tag FROM queues UNION ALL SELECT queue_id, old_value FROM queue_renames WHERE kind = 'tag')`

// QueueRename is one change of a queue's name or subject tag.
type QueueRename struct {
	What string    `json:"what"` // "name" or "tag"
	Old  string    `json:"old"`
	New  string    `json:"new"`
	By   string    `json:"by"` // the login of the sysadmin, "" when unknown
	At   time.Time `json:"at"`

	byID int64
}

// queueRenames are the renames of the queue, oldest first.
func queueRenames(ctx context.Context, q querier, queueID int64) ([]QueueRename, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.kind, r.old_value, r.new_value, COALESCE(u.login, ''), r.created
		FROM queue_renames r LEFT JOIN users u ON u.id = r.actor_id WHERE r.queue_id = $1 ORDER BY r.created, r.id`, queueID)
	if err != nil {
		return nil, fmt.Errorf("read renames of queue %d: %w", queueID, err)
	}
	defer rows.Close()
	var out []QueueRename
	for rows.Next() {
		var r QueueRename
		var at int64
		if err := rows.Scan(&r.What, &r.Old, &r.New, &r.By, &at); err != nil {
			return nil, err
		}
		r.At = fromMicros(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// kept are the names and the tags of queues, now and before: the table
// of each, and the refusals of a value that another queue has (taken)
// or had (former), with the value (1) and that queue (2).
var kept = map[string]struct{ table, taken, former string }{
	"name": {queueNames, "queue %[2]s exists already", "%[1]s is a former name of queue %[2]s, and still names it"},
	"tag":  {queueTags, "%[1]s is the subject tag of queue %[2]s already", "%[1]s is a former subject tag of queue %[2]s: mail tagged with it still threads to its tickets"},
}

// checkFree refuses a name or tag (what) v, in any case, that a queue
// other than queue id has or had.
func checkFree(ctx context.Context, q querier, what, v string, id int64) error {
	k := kept[what]
	var other string
	var now bool
	err := q.QueryRowContext(ctx, `SELECT qu.name, LOWER(qu.`+what+`) = LOWER($1) FROM `+k.table+` n JOIN queues qu ON qu.id = n.queue_id
		WHERE LOWER(n.`+what+`) = LOWER($1) AND n.queue_id <> $2 ORDER BY 2 DESC LIMIT 1`, v, id).Scan(&other, &now)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("look up queue %s %s: %w", what, v, err)
	case now:
		return refuse(ErrConflict, k.taken, v, other)
	}
	return refuse(ErrConflict, k.former, v, other)
}

// checkRenames refuses a new name or subject tag of q unless actor is a
// sysadmin and it is no other queue's, now or before, in any case; a tag
// also no imported tracker's but q's own (its numbers are that
// tracker's). It returns the renames to make: none for a value q has.
func (q *Queue) checkRenames(ctx context.Context, tx querier, actor string, c QueueChange, now time.Time) ([]QueueRename, error) {
	var out []QueueRename
	for _, k := range []struct {
		what      string
		v         *string
		old, verb string
	}{
		{"name", c.Name, q.Name, "rename queues"},
		{"tag", c.Tag, q.Tag, "change the subject tags of queues"},
	} {
		if k.v == nil {
			continue
		}
		a, err := requireSysadmin(ctx, tx, actor, k.verb)
		if err != nil {
			return nil, err
		}
		if err := checkFree(ctx, tx, k.what, *k.v, q.ID); err != nil {
			return nil, err
		}
		if k.what == "tag" {
			if err := q.checkImportedTag(ctx, tx, *k.v); err != nil {
				return nil, err
			}
		}
		if *k.v != k.old {
			out = append(out, QueueRename{What: k.what, Old: k.old, New: *k.v, By: a.Login, At: now, byID: a.ID})
		}
	}
	return out, nil
}

// checkImportedTag refuses a tag of an imported tracker (subject_tags)
// that is not one of q's own: "[TAG #N]" names that tracker's ticket N.
func (q *Queue) checkImportedTag(ctx context.Context, tx querier, tag string) error {
	var source string
	err := tx.QueryRowContext(ctx, `SELECT s.source FROM subject_tags s WHERE s.tag = LOWER($1)
		AND NOT EXISTS (SELECT 1 FROM `+queueTags+` n WHERE n.queue_id = $2 AND LOWER(n.tag) = s.tag)`, tag, q.ID).Scan(&source)
	switch {
	case err == nil:
		return refuse(ErrConflict, "%s is a subject tag of %s, whose tickets were imported: [%s #N] names its ticket N", tag, source, tag)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("look up imported subject tag %s: %w", tag, err)
	}
	return nil
}

// recordRename keeps the old name or tag of r in the queue's renames,
// where it goes on meaning q.
func (q *Queue) recordRename(ctx context.Context, tx querier, r QueueRename) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO queue_renames (queue_id, kind, old_value, new_value, actor_id, created)
		VALUES ($1, $2, $3, $4, $5, $6)`, q.ID, r.What, r.Old, r.New, r.byID, micros(r.At))
	if err != nil {
		return fmt.Errorf("record the %s of queue %s: %w", r.What, q.Name, err)
	}
	return nil
}
