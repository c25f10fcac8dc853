package mailstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Snippet marks: a search hit's snippet has each matching word between
// SnippetStart and SnippetEnd. They are plain characters, safe on a
// terminal.
const (
	SnippetStart = "["
	SnippetEnd   = "]"
)

// The databases mark words with two Unicode noncharacters, which no mail
// text holds, so that the first marked word is told apart from brackets
// in the text (SnippetMark); marked makes them SnippetStart and SnippetEnd.
const (
	markStart = "\uFDD0"
	markEnd   = "\uFDD1"
)

var unmark = strings.NewReplacer(markStart, SnippetStart, markEnd, SnippetEnd)

// marked puts SnippetStart and SnippetEnd in place of the database's
// marks, and returns where the first marked word starts, or -1. No mark
// comes before the first start mark, so its offset does not move.
func marked(snip string) (string, int) {
	return unmark.Replace(snip), strings.Index(snip, markStart)
}

// SearchFilter narrows a search; zero values select everything.
type SearchFilter struct {
	Queues   []string
	Statuses []string
	Limit    int // 0: every hit
}

// SearchHit is a ticket that matches a search.
type SearchHit struct {
	Ticket
	// Score is the relevance: higher is better. It compares hits of one
	// search only, and differs between SQLite and PostgreSQL.
	Score float64
	// SubjectMatch is true when the ticket's subject holds every word.
	SubjectMatch bool
	// Snippet is a piece of the best matching message, or of the subject
	// when no message matches, with the words marked by SnippetStart and
	// SnippetEnd, on one line.
	Snippet string
	// SnippetMark is the byte offset in Snippet of the SnippetStart of
	// its first marked word; -1 when none is marked. Brackets of the text
	// itself look the same.
	SnippetMark int
}

// searchSQL is what differs between the dialects: the matches of each
// of the four searched documents (a ticket's subject, a message's text, an
// attachment's name, a person's address and name) as id and score, every
// one or the best among the newest; and how a query is written
// (matchExpr).
type searchSQL struct {
	subject, body, people          string
	topSubject, topBody, topPeople string // the best %[2]d among the newest %[1]d
	quote                          string // around each word
	prefix                         string // after a word that matches as a prefix
	next                           string // between the words of a phrase
	and                            string // between the groups
}

// newSearchSQL completes a dialect's searchSQL, given its query syntax,
// from its query of the matches
// of a document (by its table, with $1 the query, as id and score), and of
// the best %[2]d among the newest %[1]d of them.
func newSearchSQL(sq searchSQL, match, top func(doc string) string, subject, messages, attachments, people string) searchSQL {
	body := func(m func(string) string) string {
		return `SELECT m.ticket_id AS tid, m.id AS mid, f.score FROM (` + m(messages) + `) f JOIN messages m ON m.id = f.id
			UNION ALL
			SELECT m.ticket_id, m.id, f.score FROM (` + m(attachments) + `) f JOIN attachments a ON a.id = f.id JOIN messages m ON m.id = a.message_id`
	}
	sq.subject = `SELECT id AS tid, score FROM (` + match(subject) + `) f`
	sq.topSubject = `SELECT id AS tid, score FROM (` + top(subject) + `) f`
	sq.body, sq.topBody = body(match), body(top)
	// A person matches every ticket they are a requestor or Cc of; the
	// newest of them when the best are asked for.
	sq.people = `SELECT p.ticket_id AS tid, f.score FROM (` + match(people) + `) f JOIN ticket_people p ON p.user_id = f.id`
	sq.topPeople = `SELECT tid, score FROM (SELECT p.ticket_id AS tid, f.score FROM (` + top(people) + `) f JOIN ticket_people p ON p.user_id = f.id
		ORDER BY p.ticket_id DESC LIMIT %[2]d) pp`
	return sq
}

var (
	// ORDER BY rank LIMIT is FTS5's own top-k: it ranks inside the index
	// and reads only the best rows. The rowid bound, the oldest of the
	// newest matches, is found by walking the index backwards without
	// ranking; FTS5 then ranks only the rows above it.
	// FTS5: "one two"* is a phrase whose last word is a prefix, and
	// phrases side by side must all match.
	sqliteSearch = newSearchSQL(searchSQL{quote: `"`, prefix: "*", next: " ", and: " "},
		func(t string) string {
			// LIMIT -1 keeps SQLite from flattening the matches into
			// the join around them, where bm25 cannot be used.
			return fmt.Sprintf(`SELECT rowid AS id, -bm25(%[1]s) AS score FROM %[1]s WHERE %[1]s MATCH $1 LIMIT -1`, t)
		},
		func(t string) string {
			return fmt.Sprintf(`SELECT rowid AS id, -rank AS score FROM %[1]s WHERE %[1]s MATCH $1
				AND rowid >= (SELECT COALESCE(MIN(rowid), 0) FROM (SELECT rowid FROM %[1]s WHERE %[1]s MATCH $1 ORDER BY rowid DESC LIMIT %%[1]d))
				ORDER BY rank LIMIT %%[2]d`, t)
		},
		"tickets_fts", "messages_fts", "attachments_fts", "users_fts")

	postgresSearch = newSearchSQL(searchSQL{quote: "'", prefix: ":*", next: " <-> ", and: " & "},
		func(t string) string {
			return fmt.Sprintf(`SELECT id, ts_rank(fts, to_tsquery('simple', $1)) AS score FROM %s WHERE fts @@ to_tsquery('simple', $1)`, t)
		},
		func(t string) string {
			return fmt.Sprintf(`SELECT id, ts_rank(fts, to_tsquery('simple', $1)) AS score FROM %[1]s WHERE fts @@ to_tsquery('simple', $1)
				AND id >= (SELECT COALESCE(MIN(id), 0) FROM (SELECT id FROM %[1]s WHERE fts @@ to_tsquery('simple', $1) ORDER BY id DESC LIMIT %%[1]d) w)
				ORDER BY score DESC, id DESC LIMIT %%[2]d`, t)
		},
		"tickets", "messages", "attachments", "users")
)

// matchExpr renders the groups as the dialect's full-text query: every
// group must match, a phrase's words one after the other. Words hold only
// letters, digits and marks, so the quotes around them cannot be escaped
// from. On SQLite a quoted string of several words is a phrase.
func matchExpr(sq searchSQL, groups []searchGroup) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		if sq.quote == `"` {
			parts[i] = `"` + strings.Join(g.words, " ") + `"`
		} else {
			ws := make([]string, len(g.words))
			for k, w := range g.words {
				ws[k] = sq.quote + w + sq.quote
			}
			parts[i] = strings.Join(ws, sq.next)
		}
		if g.prefix {
			parts[i] += sq.prefix
		}
	}
	return strings.Join(parts, sq.and)
}

// Search finds tickets by the words of query in their subject, in the text
// of their messages, in the names of the files attached, or in the
// addresses and names of their requestors and Ccs. Every word must match
// in one of these; words are compared folded (see fold: "vitnemal" finds
// "vitnemål", "sjo" finds "sjø"); a word of autoPrefix letters or more
// matches the words it begins ("søknad" finds "søknaden"), as does a word
// followed by *; words in double quotes match whole and in their order
// (a phrase), and so do words joined by . - _ @ ("pat@example.com").
// Tickets whose subject matches come first, then by relevance. A hit on a
// ticket merged into another counts for the ticket it was merged into.
// With a limit and no filter, only the best of the newest matches are
// ranked (see searchCandidates and searchWindow).
func (s *Store) Search(ctx context.Context, query string, f SearchFilter) ([]SearchHit, error) {
	return s.search(ctx, query, f, nil)
}

// search is Search among the tickets u sees now; all for a nil u.
func (s *Store) search(ctx context.Context, query string, f SearchFilter, u *User) ([]SearchHit, error) {
	groups := parseSearch(query)
	if len(groups) == 0 {
		if strings.TrimSpace(query) == "" {
			return nil, refuse(ErrInvalid, "nothing to search for: give one or more words")
		}
		return nil, refuse(ErrInvalid, "nothing to search for in %q: give one or more words", query)
	}
	sq := s.d.search
	match := matchExpr(sq, groups)
	var ranks []searchRank
	var err error
	windowed := f.Limit > 0 && len(f.Queues) == 0 && len(f.Statuses) == 0
	if windowed {
		// A common word matches a large part of the mail (tens of
		// thousands of messages at a university's scale), and ranking
		// every match took most of a second, growing with the store.
		// The tickets shown come from the best matches of subjects, of
		// messages and of the rest, many times more than are shown,
		// among the newest searchWindow of each: the cost stays bounded
		// however old the store grows. When they make fewer tickets
		// than asked for, every match is ranked after all. A filter may
		// leave out any of them, so a filtered search ranks every match.
		k := max(searchCandidates, 10*f.Limit)
		top := func(q string) string { return fmt.Sprintf(q, searchWindow, k) }
		ranks, err = s.rankTickets(ctx, top(sq.topSubject), top(sq.topBody), top(sq.topPeople), match, f, u)
	}
	if err == nil && (!windowed || len(ranks) < f.Limit) {
		ranks, err = s.rankTickets(ctx, sq.subject, sq.body, sq.people, match, f, u)
	}
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", query, err)
	}
	if len(ranks) == 0 {
		return []SearchHit{}, nil
	}

	// The tickets, and the snippets of their best message, or of the
	// names of its files, or of the subject, or of the people.
	ids := make([]int64, len(ranks))
	var mids []int64
	for i, r := range ranks {
		ids[i] = r.id
		if r.mid.Valid {
			mids = append(mids, r.mid.Int64)
		}
	}
	tickets, err := s.ticketsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	texts, names, err := s.snippetTexts(ctx, mids)
	if err != nil {
		return nil, err
	}
	hits := make([]SearchHit, 0, len(ranks))
	for _, r := range ranks {
		t, ok := tickets[r.id]
		if !ok {
			continue // deleted since: gone
		}
		h := SearchHit{Ticket: *t, Score: r.score, SubjectMatch: r.subj}
		if r.mid.Valid {
			h.Snippet = snippet(texts[r.mid.Int64], groups, false)
			if h.Snippet == "" {
				h.Snippet = snippet(strings.Join(names[r.mid.Int64], ", "), groups, true)
			}
		}
		if h.Snippet == "" && r.stid.Valid {
			h.Snippet = snippet(t.Subject, groups, true)
		}
		if h.Snippet == "" {
			h.Snippet = snippet(strings.Join(append(append([]string{}, t.Requestors...), t.Ccs...), ", "), groups, true)
		}
		h.Snippet, h.SnippetMark = marked(h.Snippet)
		hits = append(hits, h)
	}
	return hits, nil
}

// searchCandidates is the fewest best matches of subjects and of messages
// an unfiltered search with a limit ranks (see Search).
const searchCandidates = 200

// searchWindow is how many of the newest matching subjects, and of the
// newest matching messages, an unfiltered search with a limit ranks: a
// word in more mail than this (a few in a thousand of all mail at the seed
// scale) is ranked among its most recently stored uses (by row id: mail
// imported from RT after sak started counts as stored then). A variable
// for the tests.
var searchWindow = 20000

// searchRank is a ticket's place in a search.
type searchRank struct {
	id        int64
	subj      bool
	score     float64
	mid, stid sql.NullInt64
}

// rankTickets ranks the tickets of the subject, body and people matches
// (queries of searchSQL) that u sees now (all for a nil u) as Search
// orders them.
func (s *Store) rankTickets(ctx context.Context, subject, body, people, match string, f SearchFilter, u *User) ([]searchRank, error) {
	args := []any{match}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where, err := s.queueStatusWhere(ctx, arg, f.Queues, f.Statuses)
	if err != nil {
		return nil, err
	}
	where = append(where, seesNow(u, "t", arg)...)
	// The best message of each ticket, the subject weighted double, and
	// a hit on a merged ticket moved to the ticket it was merged into.
	q := `WITH subj AS (` + subject + `),
		body AS (` + body + `),
		people AS (` + people + `),
		best AS (SELECT tid, mid, score FROM (SELECT tid, mid, score, ROW_NUMBER() OVER (PARTITION BY tid ORDER BY score DESC, mid DESC) AS rn FROM body) b WHERE rn = 1),
		hits AS (
			SELECT tid, 1 AS subj, 2 * score AS score, CAST(NULL AS BIGINT) AS mid, tid AS stid FROM subj
			UNION ALL
			SELECT tid, 0, score, mid, NULL FROM best
			UNION ALL
			SELECT tid, 0, MAX(score), NULL, NULL FROM people GROUP BY tid
		)
		SELECT t.id, MAX(h.subj), SUM(h.score), MAX(h.mid), MAX(h.stid)
		FROM hits h JOIN tickets x ON x.id = h.tid JOIN tickets t ON t.id = COALESCE(x.merged_into, x.id)`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " GROUP BY t.id ORDER BY 2 DESC, 3 DESC, 1 DESC"
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit)
	}
	var ranks []searchRank
	err = s.withSearchMemory(ctx, func(db querier) error {
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r searchRank
			var subj int64
			if err := rows.Scan(&r.id, &subj, &r.score, &r.mid, &r.stid); err != nil {
				return err
			}
			r.subj = subj > 0
			ranks = append(ranks, r)
		}
		return rows.Err()
	})
	return ranks, err
}

// searchWorkMem is the work_mem a search on PostgreSQL runs with at the
// least: with the default 4 MB the bitmap of a common word's matches went
// lossy at the seed scale and every row of a lossy page was read again,
// its search vector from TOAST (BENCHMARKS.md, issue 23: `sak search
// vitnemål` over 700,000 tickets 1.45-1.86 s -> 1.04-1.11 s).
const searchWorkMem = 32 << 20

// withSearchMemory runs fn on the database; on PostgreSQL in a
// transaction whose work_mem is raised to searchWorkMem where the
// session's is lower (a DBA's larger setting stays).
func (s *Store) withSearchMemory(ctx context.Context, fn func(querier) error) error {
	if s.d.name != "postgres" {
		return fn(s.db)
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT set_config('work_mem', $1, true) WHERE pg_size_bytes(current_setting('work_mem')) < $2`,
		fmt.Sprintf("%dkB", searchWorkMem>>10), int64(searchWorkMem)); err != nil {
		return fmt.Errorf("raise work_mem: %w", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// ticketsByID reads tickets with their people.
func (s *Store) ticketsByID(ctx context.Context, ids []int64) (map[int64]*Ticket, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+ticketCols+ticketFrom+` WHERE t.id IN (`+idList(ids)+`)`)
	if err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	defer rows.Close()
	var ts []*Ticket
	byID := map[int64]*Ticket{}
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("read tickets: %w", err)
		}
		ts = append(ts, t)
		byID[t.ID] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	rows.Close()
	return byID, s.fillPeople(ctx, ts)
}

// snippetTexts reads the indexed text of the messages (the first
// 100,000 characters, as PostgreSQL indexes them) and the names of their
// files, for snippets.
func (s *Store) snippetTexts(ctx context.Context, mids []int64) (map[int64]string, map[int64][]string, error) {
	texts, names := map[int64]string{}, map[int64][]string{}
	if len(mids) == 0 {
		return texts, names, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, substr(text, 1, 100000) FROM messages WHERE id IN (`+idList(mids)+`)`)
	if err != nil {
		return nil, nil, fmt.Errorf("search snippets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			return nil, nil, fmt.Errorf("search snippets: %w", err)
		}
		texts[id] = text
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("search snippets: %w", err)
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT message_id, name FROM attachments WHERE message_id IN (`+idList(mids)+`) ORDER BY id`)
	if err != nil {
		return nil, nil, fmt.Errorf("search snippets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, nil, fmt.Errorf("search snippets: %w", err)
		}
		names[id] = append(names[id], name)
	}
	return texts, names, rows.Err()
}

// sqliteFold is fold in SQLite's SQL, before its tokenizer removes the
// diacritics (remove_diacritics 2) and lowers the case: ø and æ have
// none to remove. Migration 22 writes it out too.
func sqliteFold(x string) string {
	return `replace(replace(replace(replace(` + x + `, 'ø', 'o'), 'Ø', 'o'), 'æ', 'ae'), 'Æ', 'ae')`
}

// indexQueued adds the messages, tickets, attachments and people that
// SQLite's triggers queued in fts_queue to the full-text index, folded,
// inside tx just before it commits (tryTx), so that the index gets one
// segment per transaction rather than one per mail (migration 11). Rows written around the store (SQL by hand,
// or a sak of schema version 10 still running after the migration) wait
// in the queue, unsearchable, until the store's next transaction.
// PostgreSQL indexes each row itself.
func (s *Store) indexQueued(ctx context.Context, tx *sql.Tx) error {
	if !s.d.ftsQueue {
		return nil
	}
	c := cachedTx{tx: tx, s: s}
	var queued bool
	if err := c.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM fts_queue)`).Scan(&queued); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if !queued {
		return nil
	}
	for _, q := range []string{
		`INSERT INTO tickets_fts (rowid, subject) SELECT t.id, ` + sqliteFold("t.subject") + ` FROM fts_queue q JOIN tickets t ON t.id = q.id WHERE q.kind = 't'`,
		`INSERT INTO messages_fts (rowid, text) SELECT m.id, ` + sqliteFold("m.text") + ` FROM fts_queue q JOIN messages m ON m.id = q.id WHERE q.kind = 'm'`,
		`INSERT INTO attachments_fts (rowid, name) SELECT a.id, ` + sqliteFold("a.name") + ` FROM fts_queue q JOIN attachments a ON a.id = q.id WHERE q.kind = 'a'`,
		`INSERT INTO users_fts (rowid, person) SELECT u.id, ` + sqliteFold("u.email || ' ' || u.name") + ` FROM fts_queue q JOIN users u ON u.id = q.id WHERE q.kind = 'u'`,
		`DELETE FROM fts_queue`,
	} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	}
	return nil
}

// SearchIndex is what OptimizeSearch did to one full-text index.
type SearchIndex struct {
	Table          string `json:"table"`
	SegmentsBefore int    `json:"segments_before"`
	SegmentsAfter  int    `json:"segments_after"`
	Steps          int    `json:"steps"`
}

// optimizeStep is how many pages one merge step writes, in a transaction
// of its own: about 4 MB, a fraction of a second during which deliveries
// wait for the write lock.
const optimizeStep = 1000

// OptimizeSearch merges each of SQLite's full-text indexes into one
// segment. New mail is indexed once per transaction, each time as a new
// segment; FTS5 merges them as they come, but keeps tens of them at the
// seed scale, and a search reads every one: a common word ranked twice as
// fast on a merged index. The merge runs in steps of their own
// transactions, so a running 'sak serve' keeps delivering; it stops when a
// step finds nothing left to merge, or after writing about twice the
// index (mail delivered meanwhile adds segments of its own). PostgreSQL's
// indexes need no such step: it returns nothing.
func (s *Store) OptimizeSearch(ctx context.Context) ([]SearchIndex, error) {
	if !s.d.ftsQueue {
		return nil, nil
	}
	var out []SearchIndex
	for _, table := range []string{"messages_fts", "tickets_fts", "attachments_fts", "users_fts"} {
		ix := SearchIndex{Table: table}
		var pages int
		var err error
		if ix.SegmentsBefore, pages, err = s.searchSegments(ctx, table); err != nil {
			return out, err
		}
		for limit := 2*pages/optimizeStep + 2; ix.Steps < limit; {
			var changed int64
			err := s.inTx(ctx, func(tx *sql.Tx) error {
				var before, after int64
				if err := tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&before); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s (%[1]s, rank) VALUES ('merge', %d)`, table, -optimizeStep)); err != nil {
					return err
				}
				err := tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&after)
				changed = after - before
				return err
			})
			if err != nil {
				return out, fmt.Errorf("merge search index %s: %w", table, err)
			}
			ix.Steps++
			if changed < 2 { // FTS5's sign that nothing was left to merge
				break
			}
		}
		if ix.SegmentsAfter, _, err = s.searchSegments(ctx, table); err != nil {
			return out, err
		}
		out = append(out, ix)
	}
	return out, nil
}

// searchSegments counts the segments of an FTS5 index and the pages they
// hold, from the rowids of its data table: FTS5 numbers a segment's pages
// from its segment id shifted left by 37 bits (FTS5_SEGMENT_ROWID), and
// keeps its own records below that.
func (s *Store) searchSegments(ctx context.Context, table string) (segments, pages int, err error) {
	err = s.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(DISTINCT id >> 37), COUNT(*) FROM %s_data WHERE id >> 37 > 0`, table)).Scan(&segments, &pages)
	if err != nil {
		return 0, 0, fmt.Errorf("read search index %s: %w", table, err)
	}
	return segments, pages, nil
}
