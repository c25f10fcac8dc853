package mailstore

import (
	"context"
	"database/sql"
	"fmt"
)

// The tags of a replaced tracker: threading by subject tag knows, besides
// sak's own queue tags, the tags of the trackers sak replaced. Table
// subject_tags maps such a tag (lower case) to its source, and
// imported_tickets maps each (source, old ticket id) to the sak ticket it
// became; Importer (history_import.go) fills both, and delivery asks
// tagLookup, so a reply to "[rt.example.org #1234]" years later
// still finds its ticket.

// tagLookup is the SQL of two columns that thread a subject tag "[TAG
// #ID]" (tag and id are the placeholders of TAG and ID): the sak ticket
// that ticket ID of the replaced tracker whose subject tag is TAG became,
// or NULL; and 1 when ticket ID is sak's and TAG is a queue's tag, now or
// before (replies carry the tag of their time), else 0.
func tagLookup(tag, id string) string {
	return `(SELECT i.ticket_id FROM subject_tags s JOIN imported_tickets i ON i.source = s.source AND i.old_id = ` + id + `
			WHERE s.tag = LOWER(` + tag + `)),
		(SELECT COUNT(*) FROM tickets WHERE id = ` + id + `
			AND EXISTS (SELECT 1 FROM ` + queueTags + ` n WHERE LOWER(n.tag) = LOWER(` + tag + `)))`
}

// tagFound is what tagLookup found.
type tagFound struct {
	imported sql.NullInt64
	ours     int64
}

// lookupTag threads a subject tag (tagLookup).
func lookupTag(ctx context.Context, q querier, t Tag) (tagFound, error) {
	var f tagFound
	if err := q.QueryRowContext(ctx, `SELECT `+tagLookup("$1", "$2"), t.Tag, t.ID).Scan(&f.imported, &f.ours); err != nil {
		return f, fmt.Errorf("look up ticket %d by subject tag %s: %w", t.ID, t.Tag, err)
	}
	return f, nil
}
