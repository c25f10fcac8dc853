package mailstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// fixedClock is a settable clock, safe for concurrent readers.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newTicket(t testing.TB, s *mailstore.Store, actor, queue, subject, text string) int64 {
	t.Helper()
	id, err := s.CreateTicket(context.Background(), actor, mailstore.NewTicket{Queue: queue, Requestors: []string{"pat@example.com"}, Subject: subject, Text: text})
	if err != nil {
		t.Fatalf("CreateTicket(%q): %v", subject, err)
	}
	return id
}

func hitIDs(hits []mailstore.SearchHit) []int64 {
	ids := []int64{}
	for _, h := range hits {
		ids = append(ids, h.ID)
	}
	return ids
}

// sameSet: a and b hold the same ids, in any order.
func sameSet(a, b []int64) bool {
	seen := map[int64]int{}
	for _, id := range a {
		seen[id]++
	}
	for _, id := range b {
		seen[id]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		storetest.Desk(t, s)

		printer := newTicket(t, s, "alice", "support", "Printer on fire", "It burns.")
		mustDo(t, s.Reply(ctx, "alice", printer, "First answer: have you tried turning it off?"))
		mustDo(t, s.Reply(ctx, "bob", printer, "Second answer: we are looking at it."))
		mustDo(t, s.Reply(ctx, "alice", printer, "Third answer [3]: the toner cartridge was empty\nand has been replaced."))
		order := newTicket(t, s, "bob", "support", "Toner order for the third floor", "Please order more.")
		it := newTicket(t, s, "carol", "it-help", "Laptop", "My laptop needs toner too, apparently.")
		norsk := newTicket(t, s, "alice", "support", "Søknad om opptak", "Huset ligger ved sjø og fjell. Jeg ønsker å søke, og liker blåbærsyltetøy.")
		plain := newTicket(t, s, "alice", "support", "Soknad", "Huset ligger ved sjo.")

		search := func(t *testing.T, q string, f mailstore.SearchFilter) []mailstore.SearchHit {
			t.Helper()
			hits, err := s.Search(ctx, q, f)
			if err != nil {
				t.Fatalf("Search(%q, %+v): %v", q, f, err)
			}
			return hits
		}

		t.Run("word in the body of the third reply", func(t *testing.T) {
			hits := search(t, "cartridge", mailstore.SearchFilter{})
			if got := hitIDs(hits); !sameIDs(got, []int64{printer}) {
				t.Fatalf("Search(cartridge) = %v, want [%d]", got, printer)
			}
			h := hits[0]
			if h.Subject != "Printer on fire" || h.Queue != "support" || h.Status != mailstore.StatusOpen || h.SubjectMatch {
				t.Errorf("hit = %+v, want the open support ticket 'Printer on fire', matched in the body", h)
			}
			if !strings.Contains(h.Snippet, "[cartridge]") || strings.Contains(h.Snippet, "\n") {
				t.Errorf("snippet = %q, want [cartridge] marked, on one line", h.Snippet)
			}
			// The text's own brackets come first; the mark finds the word.
			if h.SnippetMark < 0 || !strings.HasPrefix(h.Snippet[h.SnippetMark:], "[cartridge]") {
				t.Errorf("snippet %q marks its word at %d", h.Snippet, h.SnippetMark)
			}
			if len(h.Requestors) != 1 || h.Requestors[0] != "pat@example.com" {
				t.Errorf("requestors = %v", h.Requestors)
			}
		})

		t.Run("subject match ranks above body match", func(t *testing.T) {
			hits := search(t, "toner", mailstore.SearchFilter{})
			got := hitIDs(hits)
			if len(got) != 3 || got[0] != order {
				t.Fatalf("Search(toner) = %v, want %d (subject) first of three", got, order)
			}
			if !hits[0].SubjectMatch || hits[1].SubjectMatch || hits[2].SubjectMatch {
				t.Errorf("subject matches = %v %v %v, want true false false", hits[0].SubjectMatch, hits[1].SubjectMatch, hits[2].SubjectMatch)
			}
			// No message of the order ticket says toner: the snippet is the subject.
			if !strings.Contains(hits[0].Snippet, "[Toner]") {
				t.Errorf("subject snippet = %q, want [Toner] marked", hits[0].Snippet)
			}
			if hits[0].Score <= 0 {
				t.Errorf("score = %v, want > 0", hits[0].Score)
			}
			// Every word must match.
			if got := hitIDs(search(t, "toner third", mailstore.SearchFilter{})); !sameIDs(got, []int64{order, printer}) {
				t.Errorf("Search(toner third) = %v, want [%d %d]", got, order, printer)
			}
			if got := hitIDs(search(t, "toner", mailstore.SearchFilter{Limit: 1})); !sameIDs(got, []int64{order}) {
				t.Errorf("Search(toner, limit 1) = %v, want [%d]", got, order)
			}
		})

		t.Run("queue and status filters", func(t *testing.T) {
			if got := hitIDs(search(t, "toner", mailstore.SearchFilter{Queues: []string{"it-help"}})); !sameIDs(got, []int64{it}) {
				t.Errorf("Search(toner, it-help) = %v, want [%d]", got, it)
			}
			if got := hitIDs(search(t, "toner", mailstore.SearchFilter{Statuses: []string{mailstore.StatusOpen}})); !sameIDs(got, []int64{printer}) {
				t.Errorf("Search(toner, open) = %v, want [%d]", got, printer)
			}
			if got := hitIDs(search(t, "toner", mailstore.SearchFilter{Queues: []string{"support"}, Statuses: []string{mailstore.StatusNew}})); !sameIDs(got, []int64{order}) {
				t.Errorf("Search(toner, support, new) = %v, want [%d]", got, order)
			}
			_, err := s.Search(ctx, "toner", mailstore.SearchFilter{Queues: []string{"nope"}})
			if !errors.Is(err, mailstore.ErrUnknownQueue) {
				t.Errorf("Search in unknown queue: err = %v, want ErrUnknownQueue", err)
			}
			_, err = s.Search(ctx, "toner", mailstore.SearchFilter{Statuses: []string{"nope"}})
			if !errors.Is(err, mailstore.ErrInvalid) {
				t.Errorf("Search with unknown status: err = %v, want ErrInvalid", err)
			}
		})

		t.Run("Norwegian words", func(t *testing.T) {
			// Folded: ø is o, æ is ae, å is a, either way round; a word
			// of four letters or more finds the words it begins.
			both := []int64{plain, norsk}
			for _, tc := range []struct {
				q    string
				want []int64
			}{
				{"sjø", both},
				{"sjo", both},
				{"søknad", both},
				{"SØKNAD", both},
				{"soknad", both},
				{"blåbærsyltetøy", []int64{norsk}},
				{"blabaersyltetoy", []int64{norsk}},
				{"blåbær", []int64{norsk}},
				{"ønsker å", []int64{norsk}},
				{"søk*", both},
				{"sjø*", both},
				{"lig", []int64{}}, // three letters: whole words only
				{"ligg", both},
			} {
				hits := search(t, tc.q, mailstore.SearchFilter{})
				if got := hitIDs(hits); !sameSet(got, tc.want) {
					t.Errorf("Search(%q) = %v, want %v", tc.q, got, tc.want)
				}
			}
			// The snippet shows the text as written, the word found marked.
			for _, h := range search(t, "sjo", mailstore.SearchFilter{}) {
				want := map[int64]string{norsk: "[sjø]", plain: "[sjo]"}[h.ID]
				if !strings.Contains(h.Snippet, want) {
					t.Errorf("Search(sjo): snippet of %d = %q, want %s marked", h.ID, h.Snippet, want)
				}
			}
		})

		t.Run("query syntax is harmless", func(t *testing.T) {
			for _, q := range []string{`foo" OR 1=1 --`, "a*b", "NEAR(", "'", `"`, "--", "toner) OR (it", `'; DROP TABLE tickets; --`,
				"toner:*", "!toner", "toner & !laptop", "\u0301", "a\u0301", "٣", "ﬁ", "\u200d", strings.Repeat("x", 3000), strings.Repeat("a ", 100), "^toner", "toner NOT laptop", "*", "a AND", "col:toner", "{toner}", `\`, "toner\x00"} {
				hits, err := s.Search(ctx, q, mailstore.SearchFilter{})
				if err != nil && !errors.Is(err, mailstore.ErrInvalid) {
					t.Errorf("Search(%q): err = %v, want nil or a refusal", q, err)
				}
				for _, h := range hits {
					if h.ID == 0 {
						t.Errorf("Search(%q): empty hit", q)
					}
				}
			}
			// Operators are words: "toner NOT laptop" needs the word "not".
			if got := hitIDs(search(t, "toner NOT laptop", mailstore.SearchFilter{})); len(got) != 0 {
				t.Errorf("Search(toner NOT laptop) = %v, want none", got)
			}
			if got := hitIDs(search(t, `toner" OR "laptop`, mailstore.SearchFilter{})); len(got) != 0 {
				t.Errorf(`Search(toner" OR "laptop) = %v, want none`, got)
			}
			if _, err := s.Ticket(ctx, printer); err != nil {
				t.Fatalf("tickets table after the attempts: %v", err)
			}
		})

		t.Run("empty query is refused", func(t *testing.T) {
			for _, q := range []string{"", "   ", "'", "*"} {
				_, err := s.Search(ctx, q, mailstore.SearchFilter{})
				if !errors.Is(err, mailstore.ErrInvalid) {
					t.Errorf("Search(%q): err = %v, want ErrInvalid", q, err)
				}
			}
		})

		t.Run("merged ticket hits count for its target", func(t *testing.T) {
			dup := newTicket(t, s, "alice", "support", "Printer still burning", "The toaster next to it is fine.")
			mustDo(t, s.Merge(ctx, "alice", dup, printer))
			if got := hitIDs(search(t, "toaster", mailstore.SearchFilter{})); !sameIDs(got, []int64{printer}) {
				t.Errorf("Search(toaster) after merge = %v, want [%d]", got, printer)
			}
		})

		t.Run("hits count for the last ticket of a chain of merges", func(t *testing.T) {
			a := newTicket(t, s, "alice", "support", "Kettle", "The kettle whistles a waltz.")
			b := newTicket(t, s, "alice", "support", "Kettle again", "Same kettle.")
			c := newTicket(t, s, "alice", "support", "Kitchen", "Everything in the kitchen.")
			mustDo(t, s.Merge(ctx, "alice", a, b))
			mustDo(t, s.Merge(ctx, "alice", b, c))
			if got := hitIDs(search(t, "waltz", mailstore.SearchFilter{})); !sameIDs(got, []int64{c}) {
				t.Errorf("Search(waltz) after merging %d into %d into %d = %v, want [%d]", a, b, c, got, c)
			}
			if tk, err := s.Ticket(ctx, a); err != nil || tk.MergedInto == nil || *tk.MergedInto != c {
				t.Errorf("ticket %d after the merges: %+v, %v; want merged into %d", a, tk, err, c)
			}
		})
	})
}

// TestSearchManyMatches searches a word found in more messages than an
// unfiltered search with a limit ranks (it ranks the best matches only):
// a filter, and best matches that make too few tickets, still give every
// ticket that should be shown.
func TestSearchManyMatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		storetest.Desk(t, s)
		weak := "A long letter about many things: the weather, the canteen, the library hours, the parking, and at last a diploma (vitnemål) question."
		// One ticket holds the best 250 matches; three others match once,
		// weakly; one of those is in it-help.
		strong := newTicket(t, s, "alice", "support", "Printer", "vitnemål vitnemål vitnemål")
		for i := 0; i < 250; i++ {
			mustDo(t, s.Comment(ctx, "alice", strong, "vitnemål vitnemål"))
		}
		var others []int64
		for _, q := range []string{"support", "support", "it-help"} {
			others = append(others, newTicket(t, s, "root", q, "Question", weak))
		}
		got, err := s.Search(ctx, "vitnemål", mailstore.SearchFilter{Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if ids := hitIDs(got); len(ids) != 3 || ids[0] != strong {
			t.Errorf("Search(vitnemål, limit 3) = %v, want %d and two of %v", ids, strong, others)
		}
		got, err = s.Search(ctx, "vitnemål", mailstore.SearchFilter{Limit: 5, Queues: []string{"it-help"}})
		if err != nil {
			t.Fatal(err)
		}
		if ids := hitIDs(got); !sameIDs(ids, []int64{others[2]}) {
			t.Errorf("Search(vitnemål, it-help) = %v, want [%d]", ids, others[2])
		}
		all, err := s.Search(ctx, "vitnemål", mailstore.SearchFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 4 {
			t.Errorf("Search(vitnemål) without a limit = %v, want 4 tickets", hitIDs(all))
		}
	})
}

// TestSearchIndexQueue follows SQLite's new rows through fts_queue: a
// transaction of the store indexes what is queued before it commits, and
// rows changed or deleted while queued leave a sound index.
func TestSearchIndexQueue(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t)
	storetest.Desk(t, s)
	db := s.DB()
	queued := func() int {
		t.Helper()
		var n int
		mustDo(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM fts_queue`).Scan(&n))
		return n
	}
	find := func(word string) []int64 {
		t.Helper()
		hits, err := s.Search(ctx, word, mailstore.SearchFilter{})
		mustDo(t, err)
		return hitIDs(hits)
	}
	// sound checks the index's own structure, and with content also that
	// it holds every row of its table as it is.
	sound := func(content int) {
		t.Helper()
		for _, tab := range []string{"messages_fts", "tickets_fts"} {
			if _, err := db.ExecContext(ctx, `INSERT INTO `+tab+` (`+tab+`, rank) VALUES ('integrity-check', $1)`, content); err != nil {
				t.Errorf("%s integrity-check: %v", tab, err)
			}
		}
		// The rows FTS5 counts for bm25 (its averages record starts
		// with the count, one byte while under 128): a 'delete' of a row
		// never indexed would count one too few.
		for tab, kind := range map[string]string{"tickets": "t", "messages": "m"} {
			var avg []byte
			mustDo(t, db.QueryRowContext(ctx, `SELECT block FROM `+tab+`_fts_data WHERE id = 1`).Scan(&avg))
			var rows, queued int
			mustDo(t, db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM `+tab+`), (SELECT COUNT(*) FROM fts_queue WHERE kind = $1)`, kind).Scan(&rows, &queued))
			if len(avg) == 0 || int(avg[0]) != rows-queued {
				t.Errorf("%s_fts counts %v rows, want %d", tab, avg, rows-queued)
			}
		}
	}

	q, err := s.Queue(ctx, "support")
	mustDo(t, err)
	d, err := s.Deliver(ctx, &mailstore.Incoming{
		Mail:   mailstore.Mail{Raw: []byte("Subject: Husleie\r\n\r\nkvittering\r\n"), MessageID: "q1@example.com", From: "pat@example.com", Subject: "Husleie", Text: "kvittering"},
		Routes: []mailstore.Route{{Queue: q}},
	})
	mustDo(t, err)
	if n := queued(); n != 0 {
		t.Errorf("after a delivery %d rows are queued, want 0", n)
	}
	for _, w := range []string{"husleie", "kvittering"} {
		if ids := find(w); !sameIDs(ids, []int64{d.Ticket}) {
			t.Errorf("Search(%s) = %v, want [%d]", w, ids, d.Ticket)
		}
	}

	// Written around the store, in one transaction: a ticket made and
	// renamed, a message made and deleted, an indexed message changed.
	tx, err := db.BeginTx(ctx, nil)
	mustDo(t, err)
	var tid int64
	mustDo(t, tx.QueryRowContext(ctx, `INSERT INTO tickets (queue_id, subject, status, created, updated)
		SELECT queue_id, 'gammel', 'new', 0, 0 FROM tickets WHERE id = $1 RETURNING id`, d.Ticket).Scan(&tid))
	_, err = tx.ExecContext(ctx, `UPDATE tickets SET subject = 'fersk' WHERE id = $1`, tid)
	mustDo(t, err)
	var mid int64
	mustDo(t, tx.QueryRowContext(ctx, `INSERT INTO messages (ticket_id, txn_id, size, sha256, text, raw)
		SELECT ticket_id, txn_id, 1, 'x', 'flyktig', x'00' FROM messages WHERE ticket_id = $1 RETURNING id`, d.Ticket).Scan(&mid))
	_, err = tx.ExecContext(ctx, `DELETE FROM messages WHERE id = $1`, mid)
	mustDo(t, err)
	_, err = tx.ExecContext(ctx, `UPDATE messages SET text = 'endret' WHERE ticket_id = $1`, d.Ticket)
	mustDo(t, err)
	mustDo(t, tx.QueryRowContext(ctx, `INSERT INTO messages (ticket_id, txn_id, size, sha256, text, raw)
		SELECT ticket_id, txn_id, 1, 'y', 'utkast', x'00' FROM messages WHERE ticket_id = $1 RETURNING id`, d.Ticket).Scan(&mid))
	_, err = tx.ExecContext(ctx, `UPDATE messages SET text = 'ferdig' WHERE id = $1`, mid)
	mustDo(t, err)
	_, err = tx.ExecContext(ctx, `INSERT INTO tickets (queue_id, subject, status, created, updated) SELECT queue_id, 'kortlivet', 'new', 0, 0 FROM tickets WHERE id = $1`, d.Ticket)
	mustDo(t, err)
	_, err = tx.ExecContext(ctx, `DELETE FROM tickets WHERE subject = 'kortlivet'`)
	mustDo(t, err)
	mustDo(t, tx.Commit())
	// The new ticket renamed, the new message edited, and the indexed
	// message edited: it left the index to be indexed again.
	if n := queued(); n != 3 {
		t.Errorf("after the renamed ticket and the edited messages %d rows are queued, want 3", n)
	}
	for tab, words := range map[string]string{"tickets_fts": "fersk OR gammel", "messages_fts": "ferdig OR utkast"} {
		var indexed int
		mustDo(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+tab+` WHERE `+tab+` MATCH $1`, words).Scan(&indexed))
		if indexed != 0 {
			t.Errorf("a queued row is in %s %d times before the queue is indexed", tab, indexed)
		}
	}
	sound(0)

	// The store's next transaction indexes the queue.
	mustDo(t, s.Comment(ctx, "alice", d.Ticket, "a note"))
	if n := queued(); n != 0 {
		t.Errorf("after the store's next transaction %d rows are queued, want 0", n)
	}
	for w, want := range map[string][]int64{"fersk": {tid}, "gammel": {}, "flyktig": {}, "kvittering": {}, "endret": {d.Ticket},
		"ferdig": {d.Ticket}, "utkast": {}, "kortlivet": {}} {
		if ids := find(w); !sameIDs(ids, want) {
			t.Errorf("Search(%s) = %v, want %v", w, ids, want)
		}
	}
	sound(1)

	// An indexed ticket deleted around the store leaves the index too.
	_, err = db.ExecContext(ctx, `DELETE FROM tickets WHERE id = $1`, tid)
	mustDo(t, err)
	if ids := find("fersk"); len(ids) != 0 {
		t.Errorf("Search(fersk) after the ticket was deleted = %v", ids)
	}
	sound(1)
}

// TestOptimizeSearch merges the segments that one transaction after
// another leaves in SQLite's full-text indexes into one, and search finds
// the same tickets after it.
func TestOptimizeSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		storetest.Desk(t, s)
		var want []int64
		for i := 0; i < 30; i++ {
			id := newTicket(t, s, "alice", "support", fmt.Sprintf("Stipend %d", i), fmt.Sprintf("søknad nummer %d", i))
			if i%3 == 0 {
				mustDo(t, s.Comment(ctx, "alice", id, "lånekassen"))
				want = append([]int64{id}, want...) // newest first, as equal hits are
			}
		}
		find := func(word string) []int64 {
			t.Helper()
			hits, err := s.Search(ctx, word, mailstore.SearchFilter{})
			mustDo(t, err)
			return hitIDs(hits)
		}
		before := [][]int64{find("stipend"), find("søknad"), find("lånekassen")}
		if len(before[0]) != 30 || len(before[1]) != 30 || !sameIDs(before[2], want) {
			t.Fatalf("before: %d, %d and %v found, want 30, 30 and %v", len(before[0]), len(before[1]), before[2], want)
		}
		got, err := s.OptimizeSearch(ctx)
		mustDo(t, err)
		if s.Dialect() == "postgres" {
			if len(got) != 0 {
				t.Errorf("OptimizeSearch on PostgreSQL = %+v, want nothing done", got)
			}
			return
		}
		if len(got) != 4 {
			t.Fatalf("OptimizeSearch = %+v, want the four indexes", got)
		}
		for _, ix := range got {
			if ix.Table == "attachments_fts" { // nothing attached: empty
				if ix.SegmentsAfter != 0 {
					t.Errorf("OptimizeSearch: %+v, want nothing in it", ix)
				}
				continue
			}
			if ix.SegmentsBefore < 2 || ix.SegmentsAfter != 1 || ix.Steps < 1 {
				t.Errorf("OptimizeSearch: %+v, want several segments merged into 1", ix)
			}
			if _, err := s.DB().ExecContext(ctx, `INSERT INTO `+ix.Table+` (`+ix.Table+`, rank) VALUES ('integrity-check', 1)`); err != nil {
				t.Errorf("%s integrity-check: %v", ix.Table, err)
			}
		}
		for i, w := range []string{"stipend", "søknad", "lånekassen"} {
			if ids := find(w); !sameIDs(ids, before[i]) {
				t.Errorf("Search(%s) after merging = %v, want %v", w, ids, before[i])
			}
		}
	})
}

// TestSearchWindow: an unfiltered search with a limit ranks the newest
// matches only; a filter, no limit, or a window that makes fewer tickets
// than asked for ranks every match.
func TestSearchWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		storetest.Desk(t, s)
		mailstore.SetSearchWindow(t, 5)
		var strong, weak []int64
		for i := 0; i < 3; i++ { // the oldest, and the best
			strong = append(strong, newTicket(t, s, "alice", "support", "Old", "karakter karakter karakter karakter"))
		}
		for i := 0; i < 10; i++ {
			weak = append(weak, newTicket(t, s, "alice", "support", "New", "A long letter about the weather, the canteen and the library, and one karakter."))
		}
		search := func(f mailstore.SearchFilter) []int64 {
			t.Helper()
			hits, err := s.Search(ctx, "karakter", f)
			mustDo(t, err)
			return hitIDs(hits)
		}
		newest := map[int64]bool{}
		for _, id := range weak[5:] {
			newest[id] = true
		}
		if ids := search(mailstore.SearchFilter{Limit: 3}); len(ids) != 3 || !newest[ids[0]] || !newest[ids[1]] || !newest[ids[2]] {
			t.Errorf("limit 3 = %v, want three of the newest five %v", ids, weak[5:])
		}
		for _, f := range []mailstore.SearchFilter{{}, {Limit: 3, Queues: []string{"support"}}, {Limit: 6}} {
			if ids := search(f); len(ids) < 3 || !sameIDs(ids[:3], []int64{strong[2], strong[1], strong[0]}) {
				t.Errorf("%+v = %v, want the three best %v first", f, ids, strong)
			}
		}
	})
}

// TestSearchWordsPhrasesPeopleFiles: search folds accents, finds words by
// their beginning, phrases only in their order, tickets by their people's
// addresses and by the names of files attached.
func TestSearchWordsPhrasesPeopleFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		storetest.Desk(t, s)
		mk := func(requestor, subject, text string) int64 {
			t.Helper()
			id, err := s.CreateTicket(ctx, "alice", mailstore.NewTicket{Queue: "support", Requestors: []string{requestor}, Subject: subject, Text: text})
			mustDo(t, err)
			return id
		}
		a := mk("kari.nordmann@example.org", "Vitnemål", "Jeg sendte søknaden i går. Økser åtte ganger i skogen.")
		b := mk("ola@example.net", "Ved", "Åtte økser i boden, og en sag.")
		mustDo(t, s.Comment(ctx, "alice", a, "Se vedlegget.", mailstore.FileAttachment("Karakterutskrift_2024.pdf", []byte("%PDF-1.4"))))
		search := func(q string) []mailstore.SearchHit {
			t.Helper()
			hits, err := s.Search(ctx, q, mailstore.SearchFilter{})
			if err != nil {
				t.Fatalf("Search(%q): %v", q, err)
			}
			return hits
		}
		for _, tc := range []struct {
			q    string
			want []int64
		}{
			{"vitnemal", []int64{a}},
			{"VITNEMÅL", []int64{a}},
			{"søknad", []int64{a}},       // finds søknaden
			{`"søknad"`, []int64{}},      // quoted: the whole word only
			{`"søknaden"`, []int64{a}},   //
			{`"økser åtte"`, []int64{a}}, // in this order only
			{`"åtte økser"`, []int64{b}},
			{`"okser atte"`, []int64{a}},
			{"økser åtte", []int64{a, b}}, // unquoted: any order
			{`"åtte sag"`, []int64{}},
			{"kari.nordmann@example.org", []int64{a}},
			{"KARI.NORDMANN@EXAMPLE.ORG", []int64{a}},
			{"ola@example.net", []int64{b}},
			{"ola@example.org", []int64{}},
			{"nordmann", []int64{a}},
			{"karakterutskrift", []int64{a}},
			{"karakterutskrift_2024.pdf", []int64{a}},
			{"karakter", []int64{a}},
			{"utskrift", []int64{}},
		} {
			if got := hitIDs(search(tc.q)); !sameSet(got, tc.want) {
				t.Errorf("Search(%q) = %v, want %v", tc.q, got, tc.want)
			}
		}
		for q, want := range map[string]string{
			`"økser åtte"`:              "[Økser] [åtte]",
			"karakterutskrift":          "[Karakterutskrift]_2024.pdf",
			"kari.nordmann@example.org": "[kari].[nordmann]@[example].[org]",
			"vitnemal":                  "[Vitnemål]",
		} {
			hits := search(q)
			if len(hits) != 1 || !strings.Contains(hits[0].Snippet, want) || hits[0].SnippetMark < 0 {
				t.Errorf("Search(%q) = %+v, want one hit with %q in its snippet", q, hits, want)
			}
		}
		// A requestor added later is found; one removed is not.
		mustDo(t, s.AddRequestor(ctx, "alice", b, "per@example.com"))
		if got := hitIDs(search("per@example.com")); !sameSet(got, []int64{b}) {
			t.Errorf("Search(per@example.com) after adding him = %v, want [%d]", got, b)
		}
	})
}

// TestFoldAgrees: fold, which folds the words of a query and of snippets,
// folds every Latin letter as the databases fold what they index:
// SQLite's tokenizer after sqliteFold, PostgreSQL's sak_fold.
func TestFoldAgrees(t *testing.T) {
	var letters []string
	for _, rg := range [][2]rune{{'A', 'z'}, {0xC0, 0x24F}, {0x1E00, 0x1EFF}} {
		for r := rg[0]; r <= rg[1]; r++ {
			if unicode.IsLetter(r) {
				letters = append(letters, string(r))
			}
		}
	}
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		got := mailstore.IndexedWords(t, s, letters)
		bad := 0
		if len(got) != len(letters) {
			t.Fatalf("%d words indexed for %d letters", len(got), len(letters))
		}
		for i, l := range letters {
			if want := mailstore.Fold(l); got[i] != want {
				bad++
				if bad <= 10 {
					t.Errorf("%q (%U) is indexed as %q, folded as %q", l, []rune(l)[0], got[i], want)
				}
			}
		}
		if bad > 10 {
			t.Errorf("and %d more", bad-10)
		}
	})
}

// TestSearchMigration22: the tickets, mail, files and people of a store
// made before schema version 22 are found folded after it, by their
// people and files too, and the store goes on indexing new mail.
func TestSearchMigration22(t *testing.T) {
	ctx := context.Background()
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			var dsn string
			if db == "sqlite" {
				dsn = t.TempDir() + "/sak.db"
			} else {
				dsn = storetest.PostgresDSN(t)
			}
			s, err := mailstore.Open(ctx, dsn)
			mustDo(t, err)
			t.Cleanup(func() { s.Close() })
			mustDo(t, mailstore.MigrateTo(ctx, s, 21))
			for _, q := range []string{
				`INSERT INTO queues (id, name, address, comment_address, tag, created) VALUES (1, 'support', 'support@example.org', 'support-comment@example.org', 'S', 0)`,
				`INSERT INTO users (id, login, email, name, created) VALUES (1, NULL, 'kari.nordmann@example.org', 'Kari Nordmann', 0)`,
				`INSERT INTO tickets (id, queue_id, subject, status, created, updated) VALUES (1, 1, 'Vitnemål', 'new', 0, 0)`,
				`INSERT INTO ticket_people (ticket_id, user_id, role) VALUES (1, 1, 'requestor')`,
				`INSERT INTO transactions (id, ticket_id, created, type) VALUES (1, 1, 0, 'create')`,
				`INSERT INTO messages (id, ticket_id, txn_id, size, sha256, text, raw) VALUES (1, 1, 1, 1, 'x', 'Økser åtte ganger i skogen.', '')`,
				`INSERT INTO attachments (message_id, name, content_type, size) VALUES (1, 'Karakterutskrift.pdf', 'application/pdf', 1)`,
			} {
				if _, err := s.DB().ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if db == "postgres" {
				for _, tab := range []string{"queues", "users", "tickets", "transactions", "messages"} {
					_, err := s.DB().ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+tab+`', 'id'), 10)`)
					mustDo(t, err)
				}
			}
			mustDo(t, s.Migrate(ctx))
			for _, q := range []string{"vitnemal", `"okser atte"`, "kari.nordmann@example.org", "karakterutskrift.pdf", "skog"} {
				hits, err := s.Search(ctx, q, mailstore.SearchFilter{})
				mustDo(t, err)
				if got := hitIDs(hits); !sameIDs(got, []int64{1}) {
					t.Errorf("Search(%q) after migrating = %v, want [1]", q, got)
				}
			}
			_, err = s.AddUser(ctx, "", mailstore.NewUser{Login: "root", Email: "root@example.org", Name: "Root", Sysadmin: true})
			mustDo(t, err)
			id, err := s.CreateTicket(ctx, "root", mailstore.NewTicket{Queue: "support", Requestors: []string{"ola@example.net"}, Subject: "Stipend", Text: "Lånekassen svarer ikke."})
			mustDo(t, err)
			for _, q := range []string{"lanekassen", "ola@example.net"} {
				hits, err := s.Search(ctx, q, mailstore.SearchFilter{})
				mustDo(t, err)
				if got := hitIDs(hits); !sameIDs(got, []int64{id}) {
					t.Errorf("Search(%q) of a ticket made after migrating = %v, want [%d]", q, got, id)
				}
			}
		})
	}
}
