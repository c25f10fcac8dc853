package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// The tags of a replaced tracker: threading by subject tag knows, besides
// sak's own queue tags, the tags of the trackers sak replaced. Table
// subject_tags maps such a tag (lower case) to its source, and
// imported_tickets maps each (source, old ticket id) to the sak ticket it
// became; Importer (history_import.go) fills both, and delivery asks
// importedTicket, so a reply to "[rt.example.org #1234]" years later
// still finds its ticket.

// importedTicket finds the sak ticket that ticket id of the tracker whose
// subject tag is tag became. Threading calls it for a "[TAG #ID]" whose
// TAG is an imported tracker's.
func importedTicket(ctx context.Context, q querier, tag string, id int64) (int64, bool, error) {
	var t int64
	err := q.QueryRowContext(ctx, `SELECT i.ticket_id FROM subject_tags s JOIN imported_tickets i ON i.source = s.source AND i.old_id = $2
		WHERE s.tag = LOWER($1)`, tag, id).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("look up imported subject tag: %w", err)
	}
	return t, true, nil
}
