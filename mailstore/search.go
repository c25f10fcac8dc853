package mailstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"
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

// searchSQL is what differs between the dialects: the subject and message
// matches (as tid, score and mid), the snippets, and how a query is
// written (matchExpr).
type searchSQL struct {
	subject, body   string
	topSubject      string // subject's best %[2]d matches among its newest %[1]d
	topBody         string // body's best %[2]d matches among its newest %[1]d
	bodySnippets    string // $1 the query; rows: message id, snippet
	subjectSnippets string // $1 the query; rows: ticket id, snippet
	quote           string // around each word
	prefix          string // after a word that matches as a prefix
	and             string // between the words
}

var (
	sqliteSearch = searchSQL{
		subject: `SELECT rowid AS tid, -bm25(tickets_fts) AS score FROM tickets_fts WHERE tickets_fts MATCH $1`,
		body: `SELECT m.ticket_id AS tid, m.id AS mid, -bm25(messages_fts) AS score
			FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid WHERE messages_fts MATCH $1`,
		// ORDER BY rank LIMIT is FTS5's own top-k: it ranks inside the
		// index and reads only the best rows. The rowid bound, the oldest
		// of the newest matches, is found by walking the index backwards
		// without ranking; FTS5 then ranks only the rows above it.
		topSubject: `SELECT rowid AS tid, -rank AS score FROM tickets_fts WHERE tickets_fts MATCH $1
			AND rowid >= (SELECT COALESCE(MIN(rowid), 0) FROM (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH $1 ORDER BY rowid DESC LIMIT %[1]d))
			ORDER BY rank LIMIT %[2]d`,
		topBody: `SELECT m.ticket_id AS tid, m.id AS mid, f.score
			FROM (SELECT rowid AS mid, -rank AS score FROM messages_fts WHERE messages_fts MATCH $1
				AND rowid >= (SELECT COALESCE(MIN(rowid), 0) FROM (SELECT rowid FROM messages_fts WHERE messages_fts MATCH $1 ORDER BY rowid DESC LIMIT %[1]d))
				ORDER BY rank LIMIT %[2]d) f
			JOIN messages m ON m.id = f.mid`,
		bodySnippets: `SELECT rowid, snippet(messages_fts, 0, '` + markStart + `', '` + markEnd + `', '…', 24)
			FROM messages_fts WHERE messages_fts MATCH $1 AND rowid IN (%s)`,
		subjectSnippets: `SELECT rowid, snippet(tickets_fts, 0, '` + markStart + `', '` + markEnd + `', '…', 24)
			FROM tickets_fts WHERE tickets_fts MATCH $1 AND rowid IN (%s)`,
		quote: `"`, prefix: "*", and: " ",
	}
	postgresSearch = searchSQL{
		subject:    pgSubject,
		body:       pgBody,
		topSubject: pgSubject + fmt.Sprintf(pgWindow, "tickets") + pgTop,
		topBody:    pgBody + fmt.Sprintf(pgWindow, "messages") + pgTop,
		bodySnippets: `SELECT id, ts_headline('simple', left(text, 100000), to_tsquery('simple', $1),
			'StartSel="` + markStart + `", StopSel="` + markEnd + `", MaxWords=24, MinWords=10, MaxFragments=1, FragmentDelimiter=" … "')
			FROM messages WHERE id IN (%s)`,
		subjectSnippets: `SELECT id, ts_headline('simple', subject, to_tsquery('simple', $1),
			'StartSel="` + markStart + `", StopSel="` + markEnd + `", HighlightAll=true')
			FROM tickets WHERE id IN (%s)`,
		quote: "'", prefix: ":*", and: " & ",
	}
)

// PostgreSQL's matches, and its best matches: the same, ranked and cut.
const (
	pgSubject = `SELECT id AS tid, ts_rank(fts, to_tsquery('simple', $1)) AS score FROM tickets WHERE fts @@ to_tsquery('simple', $1)`
	pgBody    = `SELECT ticket_id AS tid, id AS mid, ts_rank(fts, to_tsquery('simple', $1)) AS score
			FROM messages WHERE fts @@ to_tsquery('simple', $1)`
	pgWindow = ` AND id >= (SELECT COALESCE(MIN(id), 0) FROM (SELECT id FROM %s WHERE fts @@ to_tsquery('simple', $1) ORDER BY id DESC LIMIT %%[1]d) w)`
	pgTop    = ` ORDER BY score DESC, id DESC LIMIT %[2]d`
)

// searchTerm is one word of a search; prefix matches words that begin
// with it.
type searchTerm struct {
	word   string
	prefix bool
}

// isWordRune is what a search word is made of. Dots, hyphens, @ and _
// inside a word keep it whole ("e-post", "pat@example.com"), as both
// databases' tokenizers see such words.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isJoinRune(r rune) bool { return r == '.' || r == '-' || r == '_' || r == '@' }

// parseSearch splits a user's query into words. Everything else, the
// syntax of FTS5, tsquery and SQL included, separates words and is
// otherwise ignored. A word directly followed by * matches as a prefix.
func parseSearch(q string) []searchTerm {
	var terms []searchTerm
	rs := []rune(q)
	for i := 0; i < len(rs); {
		if !isWordRune(rs[i]) {
			i++
			continue
		}
		j := i
		for j < len(rs) && (isWordRune(rs[j]) || isJoinRune(rs[j]) && j+1 < len(rs) && isWordRune(rs[j+1])) {
			j++
		}
		t := searchTerm{word: string(rs[i:j])}
		if j < len(rs) && rs[j] == '*' && (j+1 == len(rs) || !isWordRune(rs[j+1])) {
			t.prefix = true
		}
		if len(terms) < 32 { // a query is a few words, not a document
			terms = append(terms, t)
		}
		i = j
	}
	return terms
}

// matchExpr renders the terms as the dialect's full-text query: every word
// must match. Words hold only letters, digits, marks and . - _ @, so the
// quotes around them cannot be escaped from.
func matchExpr(sq searchSQL, terms []searchTerm) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = sq.quote + t.word + sq.quote
		if t.prefix {
			parts[i] += sq.prefix
		}
	}
	return strings.Join(parts, sq.and)
}

// Search finds tickets by the words of query in their subject or in the
// text of their messages; every word must match, as written (case aside:
// no stemming, so "søknad" does not find "søknader", but "søknad*" does).
// Tickets whose subject matches come first, then by relevance. A hit on a
// ticket merged into another counts for the ticket it was merged into.
// With a limit and no filter, only the best of the newest matches are
// ranked (see searchCandidates and searchWindow).
func (s *Store) Search(ctx context.Context, query string, f SearchFilter) ([]SearchHit, error) {
	return s.search(ctx, query, f, nil)
}

// search is Search among the tickets u sees now; all for a nil u.
func (s *Store) search(ctx context.Context, query string, f SearchFilter, u *User) ([]SearchHit, error) {
	terms := parseSearch(query)
	if len(terms) == 0 {
		if strings.TrimSpace(query) == "" {
			return nil, refuse(ErrInvalid, "nothing to search for: give one or more words")
		}
		return nil, refuse(ErrInvalid, "nothing to search for in %q: give one or more words", query)
	}
	sq := s.d.search
	match := matchExpr(sq, terms)
	var ranks []searchRank
	var err error
	windowed := f.Limit > 0 && len(f.Queues) == 0 && len(f.Statuses) == 0
	if windowed {
		// A common word matches a large part of the mail (tens of
		// thousands of messages at a university's scale), and ranking
		// every match took most of a second, growing with the store.
		// The tickets shown come from the best matches of subjects and
		// of messages, many times more than are shown, among the newest
		// searchWindow of each: the cost stays bounded however old the
		// store grows. When they make fewer tickets than asked for,
		// every match is ranked after all. A filter may leave out any
		// of them, so a filtered search ranks every match.
		k := max(searchCandidates, 10*f.Limit)
		ranks, err = s.rankTickets(ctx, fmt.Sprintf(sq.topSubject, searchWindow, k), fmt.Sprintf(sq.topBody, searchWindow, k), match, f, u)
	}
	if err == nil && (!windowed || len(ranks) < f.Limit) {
		ranks, err = s.rankTickets(ctx, sq.subject, sq.body, match, f, u)
	}
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", query, err)
	}
	if len(ranks) == 0 {
		return []SearchHit{}, nil
	}

	// The tickets, and the snippets of their best message or subject.
	ids := make([]int64, len(ranks))
	var mids, stids []int64
	for i, r := range ranks {
		ids[i] = r.id
		if r.mid.Valid {
			mids = append(mids, r.mid.Int64)
		} else if r.stid.Valid {
			stids = append(stids, r.stid.Int64)
		}
	}
	tickets, err := s.ticketsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	bodySnips, err := s.snippets(ctx, sq.bodySnippets, match, mids)
	if err != nil {
		return nil, err
	}
	subjSnips, err := s.snippets(ctx, sq.subjectSnippets, match, stids)
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
			h.Snippet = bodySnips[r.mid.Int64]
		} else if r.stid.Valid {
			h.Snippet = subjSnips[r.stid.Int64]
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

// rankTickets ranks the tickets of the subject and body matches (queries of
// searchSQL) that u sees now (all for a nil u) as Search orders them.
func (s *Store) rankTickets(ctx context.Context, subject, body, match string, f SearchFilter, u *User) ([]searchRank, error) {
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
		best AS (SELECT tid, mid, score FROM (SELECT tid, mid, score, ROW_NUMBER() OVER (PARTITION BY tid ORDER BY score DESC, mid DESC) AS rn FROM body) b WHERE rn = 1),
		hits AS (
			SELECT tid, 1 AS subj, 2 * score AS score, CAST(NULL AS BIGINT) AS mid, tid AS stid FROM subj
			UNION ALL
			SELECT tid, 0, score, mid, NULL FROM best
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
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ranks []searchRank
	for rows.Next() {
		var r searchRank
		var subj int64
		if err := rows.Scan(&r.id, &subj, &r.score, &r.mid, &r.stid); err != nil {
			return nil, err
		}
		r.subj = subj > 0
		ranks = append(ranks, r)
	}
	return ranks, rows.Err()
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

// snippets runs one of the snippet queries for ids.
func (s *Store) snippets(ctx context.Context, query, match string, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(query, idList(ids)), match)
	if err != nil {
		return nil, fmt.Errorf("search snippets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var snip string
		if err := rows.Scan(&id, &snip); err != nil {
			return nil, fmt.Errorf("search snippets: %w", err)
		}
		out[id] = strings.Join(strings.Fields(snip), " ")
	}
	return out, rows.Err()
}

// indexQueued adds the messages and tickets that SQLite's triggers queued
// in fts_queue to the full-text index, inside tx just before it commits
// (tryTx), so that the index gets one segment per transaction rather than
// one per mail (migration 11). Rows written around the store (SQL by hand,
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
		`INSERT INTO tickets_fts (rowid, subject) SELECT t.id, t.subject FROM fts_queue q JOIN tickets t ON t.id = q.id WHERE q.kind = 't'`,
		`INSERT INTO messages_fts (rowid, text) SELECT m.id, m.text FROM fts_queue q JOIN messages m ON m.id = q.id WHERE q.kind = 'm'`,
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
	for _, table := range []string{"messages_fts", "tickets_fts"} {
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
