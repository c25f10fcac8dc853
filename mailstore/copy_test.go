package mailstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestCopyTo: a SQLite store copied into PostgreSQL is the same store
// there: every table's rows, each ticket and its history, search (whose
// vectors PostgreSQL computes as the rows arrive), and new tickets go on
// from the copied numbers. A destination that holds anything is refused.
func TestCopyTo(t *testing.T) {
	ctx := context.Background()
	src := storetest.SQLite(t)
	q := storetest.Desk(t, src)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	for i := 0; i < 5; i++ {
		in := incoming(q, fmt.Sprintf("student%d@example.net", i), fmt.Sprintf("copy%d@example.net", i), fmt.Sprintf("Vitnemål nummer %d", i), "Hvor er vitnemålet mitt?")
		in.Attachments = []mailstore.Attachment{{Name: "søknad.pdf", ContentType: "application/pdf", Size: 3, Body: []byte("pdf")}}
		ids = append(ids, mustDeliver(t, src, in).Ticket)
	}
	must(src.Take(ctx, "alice", ids[0]))
	must(src.Reply(ctx, "alice", ids[0], "Det er sendt i posten."))
	must(src.Comment(ctx, "alice", ids[1], "Sjekk arkivet."))
	must(src.LinkTicket(ctx, "alice", ids[1], mailstore.LinkDependsOn, ids[0]))
	_, err := src.AddReminder(ctx, "alice", ids[2], time.Now().Add(48*time.Hour), "", "Ring studenten")
	must(err)
	_, err = src.CreateGroup(ctx, "root", "opptak-team", "Opptak")
	must(err)

	dst := storetest.Postgres(t)
	tables := map[string]int64{}
	must(src.CopyTo(ctx, dst, func(table string, rows int64) { tables[table] = rows }))
	checkVectors(t, dst)
	// The planner has statistics of the copied rows (only ANALYZE makes
	// pg_stats rows; autovacuum takes a minute to come).
	for _, table := range []string{"tickets", "messages", "transactions"} {
		var n int
		must(dst.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = $1`, table).Scan(&n))
		if n == 0 {
			t.Errorf("%s: no planner statistics after the copy", table)
		}
	}

	for table, rows := range tables {
		var n int64
		must(src.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n))
		if n != rows {
			t.Errorf("%s: %d rows copied, the source has %d", table, rows, n)
		}
		must(dst.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n))
		if n != rows {
			t.Errorf("%s: %d rows copied, the destination has %d", table, rows, n)
		}
	}
	for _, table := range []string{"tickets", "messages", "attachments", "transactions", "users", "queues", "outbox", "links", "reminders", "groups"} {
		if tables[table] == 0 {
			t.Errorf("table %s: no rows copied (%v)", table, tables)
		}
	}
	asJSON := func(s *mailstore.Store, id int64) string {
		t.Helper()
		tk, err := s.Ticket(ctx, id)
		must(err)
		h, err := s.History(ctx, id)
		must(err)
		b, err := json.Marshal([]any{tk, h})
		must(err)
		return string(b)
	}
	for _, id := range ids {
		if a, b := asJSON(src, id), asJSON(dst, id); a != b {
			t.Errorf("ticket %d differs after the copy:\nsqlite   %s\npostgres %s", id, a, b)
		}
	}
	for _, word := range []string{"vitnemal", "søknad.pdf", "student3@example.net"} {
		hits, err := dst.Search(ctx, word, mailstore.SearchFilter{})
		must(err)
		if len(hits) == 0 {
			t.Errorf("search %q on the copy finds nothing", word)
		}
	}
	next, err := dst.CreateTicket(ctx, "alice", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com"}, Subject: "After the move"})
	must(err)
	if next != ids[len(ids)-1]+1 {
		t.Errorf("the first ticket after the copy is %d, want %d", next, ids[len(ids)-1]+1)
	}

	// Once more into the same database: refused, nothing changed.
	var before int64
	must(dst.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&before))
	if err := src.CopyTo(ctx, dst, nil); !errors.Is(err, mailstore.ErrConflict) {
		t.Errorf("a copy into a database with tickets: %v, want a conflict", err)
	}
	var after int64
	must(dst.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&after))
	if after != before {
		t.Errorf("the refused copy changed the tickets: %d -> %d", before, after)
	}
	// Only into PostgreSQL.
	if err := dst.CopyTo(ctx, storetest.SQLite(t), nil); !errors.Is(err, mailstore.ErrInvalid) {
		t.Errorf("a copy into SQLite: %v, want it refused", err)
	}
}
