package rt

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
	"sak/parse"
)

// counts reads what the tests compare between imports: rows per table.
func counts(t *testing.T, db *sql.DB) map[string]int {
	t.Helper()
	c := map[string]int{}
	for _, table := range []string{"tickets", "transactions", "messages", "attachments", "ticket_people", "links", "users", "queues", "queue_roles", "groups", "group_members", "group_roles", "message_ids", "imported_tickets", "outbox"} {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		c[table] = n
	}
	var merged int
	if err := db.QueryRow(`SELECT COUNT(*) FROM tickets WHERE merged_into IS NOT NULL`).Scan(&merged); err != nil {
		t.Fatal(err)
	}
	c["merged"] = merged
	return c
}

func groupCount(t *testing.T, db *sql.DB, q string, args ...any) map[string]int {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	m := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		m[k] = n
	}
	return m
}

func strs(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func one(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n sql.NullInt64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n.Int64
}

func nonZero(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

func TestImportFixture(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		e := loadExpected(t)
		rtPath := fixtureCopy(t)
		rdb := openFixture(t, rtPath)
		s := open(t)
		sum := importInto(t, ctx, rdb, s, Options{BatchSize: 7})
		db := s.DB()

		if sum.Source != e.RTName || sum.Offset != 0 {
			t.Errorf("source %q offset %d, want %q 0", sum.Source, sum.Offset, e.RTName)
		}
		if sum.Tickets != e.TicketsTotal || sum.Queues != 3 || sum.Users != 7 {
			t.Errorf("summary tickets %d queues %d users %d, want %d 3 7", sum.Tickets, sum.Queues, sum.Users, e.TicketsTotal)
		}
		// Tickets, per queue and status, merged or not.
		if n := one(t, db, `SELECT COUNT(*) FROM tickets`); n != int64(e.TicketsTotal) {
			t.Errorf("tickets = %d, want %d", n, e.TicketsTotal)
		}
		if n := one(t, db, `SELECT COUNT(*) FROM tickets WHERE merged_into IS NULL`); n != int64(e.TicketsNotMerged) {
			t.Errorf("tickets not merged = %d, want %d", n, e.TicketsNotMerged)
		}
		perQueue := groupCount(t, db, `SELECT q.name, COUNT(*) FROM tickets t JOIN queues q ON q.id = t.queue_id GROUP BY q.name`)
		if want := nonZero(e.TicketsPerQueue); !reflect.DeepEqual(perQueue, want) {
			t.Errorf("tickets per queue = %v, want %v", perQueue, want)
		}
		if got := groupCount(t, db, `SELECT status, COUNT(*) FROM tickets GROUP BY status`); !reflect.DeepEqual(got, e.TicketsPerStatus) {
			t.Errorf("tickets per status = %v, want %v", got, e.TicketsPerStatus)
		}
		if got := groupCount(t, db, `SELECT status, COUNT(*) FROM tickets WHERE merged_into IS NULL GROUP BY status`); !reflect.DeepEqual(got, e.TicketsPerStatusNotMerge) {
			t.Errorf("tickets per status not merged = %v, want %v", got, e.TicketsPerStatusNotMerge)
		}
		for q, want := range e.PerQueueStatusNotMerged {
			got := groupCount(t, db, `SELECT t.status, COUNT(*) FROM tickets t JOIN queues q ON q.id = t.queue_id WHERE q.name = $1 AND t.merged_into IS NULL GROUP BY t.status`, q)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("queue %s per status = %v, want %v", q, got, want)
			}
		}
		for _, m := range e.Merged {
			if got := one(t, db, `SELECT merged_into FROM tickets WHERE id = $1`, m.ID); got != m.MergedInto {
				t.Errorf("ticket %d merged into %d, want %d", m.ID, got, m.MergedInto)
			}
		}
		if h, err := s.History(ctx, 12); err != nil {
			t.Error(err)
		} else if got, want := len(h), e.TxnPerTicket["12"]+e.TxnPerTicket["13"]; got != want {
			t.Errorf("history of 12 has %d transactions, want %d (with merged 13)", got, want)
		}
		// RT records the merge on the surviving ticket as a MergedInto
		// link to itself; which ticket was merged comes from the link.
		if n := one(t, db, `SELECT COUNT(*) FROM transactions WHERE ticket_id = 12 AND type = $1 AND new_value = '13'`, mailstore.TxMergedFrom); n != 1 {
			t.Errorf("ticket 12 has %d merged-from transactions naming 13, want 1", n)
		}

		// Transactions: every RT ticket transaction but the SetWatcher
		// Owner twins of Set Owner.
		byType := groupCount(t, db, `SELECT type, COUNT(*) FROM transactions GROUP BY type`)
		for typ, want := range map[string]int{
			mailstore.TxCreate:      e.TxnPerType["Create"],
			mailstore.TxCorrespond:  e.Correspond,
			mailstore.TxComment:     e.Comment,
			mailstore.TxStatus:      e.StatusChanges,
			mailstore.TxSent:        e.TxnPerType["EmailRecord"] + e.TxnPerType["CommentEmailRecord"],
			mailstore.TxMove:        e.SetPerField["Queue"],
			mailstore.TxCustomField: e.TxnPerType["CustomField"],
			"set-due":               e.SetPerField["Due"],
			"set-priority":          e.SetPerField["Priority"],
			"set-timeestimated":     e.SetPerField["TimeEstimated"],
			"set-timeworked":        e.SetPerField["TimeWorked"],
		} {
			if byType[typ] != want {
				t.Errorf("%s transactions = %d, want %d", typ, byType[typ], want)
			}
		}
		if got := byType[mailstore.TxTake] + byType[mailstore.TxSteal] + byType[mailstore.TxGive]; got != e.OwnerChanges {
			t.Errorf("owner changes = %d (%v), want %d", got, byType, e.OwnerChanges)
		}
		if byType[mailstore.TxSteal] != 2 || byType[mailstore.TxGive] != 2 {
			t.Errorf("steals %d gives %d, want 2 2 (16, 24; 28, 36 forced)", byType[mailstore.TxSteal], byType[mailstore.TxGive])
		}
		if got := byType[mailstore.TxLink] + byType[mailstore.TxMerge] + byType[mailstore.TxMergedFrom]; got != e.TxnPerType["AddLink"] || byType[mailstore.TxMerge] != 1 || byType[mailstore.TxMergedFrom] != 1 {
			t.Errorf("links %d merge %d merged-from %d, want %d in all", byType[mailstore.TxLink], byType[mailstore.TxMerge], byType[mailstore.TxMergedFrom], e.TxnPerType["AddLink"])
		}
		if got := byType[mailstore.TxAddRequest] + byType[mailstore.TxAddCc] + byType[mailstore.TxAddAdminCc]; got != e.TxnPerType["AddWatcher"] {
			t.Errorf("watchers added = %d, want %d", got, e.TxnPerType["AddWatcher"])
		}
		total := 0
		for typ, n := range e.TxnPerType {
			if typ != "SetWatcher" {
				total += n
			}
		}
		if n := one(t, db, `SELECT COUNT(*) FROM transactions`); n != int64(total) {
			t.Errorf("transactions = %d, want %d", n, total)
		}
		twins := groupCount(t, rdb.db, `SELECT CAST(ObjectId AS TEXT), COUNT(*) FROM Transactions WHERE ObjectType = 'RT::Ticket' AND Type = 'SetWatcher' GROUP BY ObjectId`)
		perTicket := groupCount(t, db, `SELECT CAST(ticket_id AS TEXT), COUNT(*) FROM transactions GROUP BY ticket_id`)
		for id, want := range e.TxnPerTicket {
			if perTicket[id] != want-twins[id] {
				t.Errorf("ticket %s has %d transactions, want %d", id, perTicket[id], want-twins[id])
			}
		}
		if n := one(t, db, `SELECT COUNT(*) FROM transactions WHERE via <> 'import'`); n != 0 {
			t.Errorf("%d transactions not via import", n)
		}
		if n := one(t, db, `SELECT SUM(time_taken) FROM transactions`); n != int64(e.TimeTaken) {
			t.Errorf("time taken = %d, want %d", n, e.TimeTaken)
		}
		if n := one(t, db, `SELECT SUM(time_worked) FROM tickets`); n != int64(e.TimeWorked) {
			t.Errorf("time worked = %d, want %d", n, e.TimeWorked)
		}
		// Actors and times as in RT.
		var actor string
		var created int64
		if err := db.QueryRow(`SELECT u.login, x.created FROM transactions x JOIN users u ON u.id = x.actor_id WHERE x.ticket_id = 36 AND x.type = 'give'`).Scan(&actor, &created); err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2024, 7, 8, 8, 55, 5, 0, time.UTC); actor != "root" || !time.UnixMicro(created).Equal(want) {
			t.Errorf("give on 36 by %s at %v, want root at %v", actor, time.UnixMicro(created).UTC(), want)
		}
		if n := one(t, db, `SELECT COUNT(*) FROM transactions x JOIN tickets t ON t.id = x.ticket_id WHERE x.created < t.created`); n != 0 {
			t.Errorf("%d transactions older than their ticket", n)
		}

		// Mail: every transaction with attachments has its mail.
		if n := one(t, db, `SELECT COUNT(*) FROM messages`); n != 215 {
			t.Errorf("messages = %d, want 215", n)
		}
		incoming := one(t, db, `SELECT COUNT(*) FROM messages m JOIN transactions x ON x.id = m.txn_id WHERE m.headers LIKE '%X-Rt-Interface: Email%'`)
		if incoming != int64(e.MailCreated+e.MailFollowups) {
			t.Errorf("mails that came in = %d, want %d", incoming, e.MailCreated+e.MailFollowups)
		}
		names := strs(t, db, `SELECT name FROM attachments WHERE name <> '' ORDER BY name`)
		wantNames := append([]string{}, e.Filenames...)
		sort.Strings(wantNames)
		if !reflect.DeepEqual(names, wantNames) {
			t.Errorf("attachment names = %q, want %q", names, wantNames)
		}
		if n := one(t, db, `SELECT COUNT(*) FROM outbox`); n != 0 {
			t.Errorf("outbox has %d rows: an import sends nothing", n)
		}

		// People.
		reqs := strs(t, db, `SELECT DISTINCT u.email FROM ticket_people p JOIN users u ON u.id = p.user_id WHERE p.role = 'requestor' ORDER BY 1`)
		if !reflect.DeepEqual(reqs, e.Requestors) {
			t.Errorf("requestors = %q, want %q", reqs, e.Requestors)
		}
		ccs := strs(t, db, `SELECT DISTINCT u.email FROM ticket_people p JOIN users u ON u.id = p.user_id WHERE p.role = 'cc' ORDER BY 1`)
		if !reflect.DeepEqual(ccs, e.Ccs) {
			t.Errorf("ccs = %q, want %q", ccs, e.Ccs)
		}
		var logins []string
		for _, p := range e.Privileged {
			u, err := s.User(ctx, p.Name)
			if err != nil {
				t.Errorf("caseworker %s: %v", p.Name, err)
				continue
			}
			if u.Email != p.Email || u.Name != p.RealName || u.Sysadmin {
				t.Errorf("caseworker %s = %+v, want %s %q", p.Name, u, p.Email, p.RealName)
			}
			logins = append(logins, p.Name)
		}
		if u, err := s.User(ctx, "root"); err != nil || !u.Sysadmin {
			t.Errorf("root = %+v, %v; want a sysadmin (SuperUser)", u, err)
		}
		teams := map[string]string{"Support team": "support", "Opptak": "opptak", "IT-hjelp": "it-help"}
		for _, g := range e.UserGroups {
			ms, err := s.Members(ctx, teams[g.Group])
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				if m.Role == mailstore.RoleCaseworker {
					got = append(got, m.Login)
				}
			}
			if !reflect.DeepEqual(got, g.Members) {
				t.Errorf("caseworkers of %s = %q, want %q", teams[g.Group], got, g.Members)
			}
		}
		for _, w := range e.QueueAdminCc {
			ms, _ := s.Members(ctx, w.Queue)
			found := false
			for _, m := range ms {
				found = found || (m.Role == mailstore.RoleWatcher && m.Login == w.User)
			}
			if !found {
				t.Errorf("%s is not a watcher of %s: %+v", w.User, w.Queue, ms)
			}
		}

		// Links, due dates, subject tags.
		links := strs(t, db, `SELECT CAST(ticket_id AS TEXT) || ' ' || type || ' ' || CAST(target_ticket AS TEXT) FROM links ORDER BY ticket_id`)
		var wantLinks []string
		for _, l := range e.Links {
			wantLinks = append(wantLinks, fmt.Sprintf("%d %s %d", l.Base, l.Type, l.Target))
		}
		if !reflect.DeepEqual(links, wantLinks) {
			t.Errorf("links = %q, want %q", links, wantLinks)
		}
		if due := one(t, db, `SELECT due FROM tickets WHERE id = 14`); !time.UnixMicro(due).Equal(time.Date(2022, 12, 27, 14, 0, 0, 0, time.UTC)) {
			t.Errorf("due of 14 = %v", time.UnixMicro(due).UTC())
		}
		if n := one(t, db, `SELECT COUNT(*) FROM tickets WHERE due IS NOT NULL`); n != 4 {
			t.Errorf("%d tickets with a due date, want 4", n)
		}
		if q, _ := s.Queue(ctx, "support"); q == nil || q.Tag != "support.example.org" || q.CommentAddress != "support-comment@example.org" {
			t.Errorf("queue support = %+v", q)
		}
		tags := strs(t, db, `SELECT tag FROM subject_tags ORDER BY tag`)
		if !reflect.DeepEqual(tags, []string{"rt.bench", "support.example.org"}) {
			t.Errorf("subject tags = %q", tags)
		}

		// Norwegian text survives: subjects, names, descriptions, and
		// mail that came in as ISO-8859-1.
		tk, err := s.Ticket(ctx, 5)
		if err != nil || tk.Subject != "Faktura for mye – spørsmål om beløp" {
			t.Errorf("ticket 5 = %+v, %v", tk, err)
		}
		if q, _ := s.Queue(ctx, "opptak"); q == nil || q.Description != "Opptak og søknader – spørsmål fra søkere til studieprogrammene" {
			t.Errorf("queue opptak = %+v", q)
		}
		h, err := s.History(ctx, 7)
		if err != nil || len(h) == 0 || h[0].Message == nil {
			t.Fatalf("history of 7: %v %v", h, err)
		}
		if !strings.Contains(h[0].Message.Text, "Bjørnstjerne Bjørnsons gate") || !strings.Contains(h[0].Message.Text, "Sæterdal") {
			t.Errorf("text of ticket 7 = %q", h[0].Message.Text)
		}
		raw, err := s.RawMessage(ctx, h[0].Message.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m := parse.Parse(raw); m.From == nil || m.From.Name != "Ingrid Sæterdal" || m.Subject != "Endring av adresse på kontoen" {
			t.Errorf("parsed mail of 7: from %+v subject %q", m.From, m.Subject)
		}

		// A second run adds nothing.
		before := counts(t, db)
		again := importInto(t, ctx, rdb, s, Options{})
		if again.Tickets != 0 || again.TicketsUpdated != 0 || again.Transactions != 0 || again.Mails != 0 {
			t.Errorf("second run: %+v", again)
		}
		if after := counts(t, db); !reflect.DeepEqual(before, after) {
			t.Errorf("second run changed counts: %v, was %v", after, before)
		}
	})
}

// TestImportResume interrupts an import after some batches and runs it
// again: the end is the same as one run.
func TestImportResume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		rdb := openFixture(t, fixtureCopy(t))
		whole := open(t)
		importInto(t, context.Background(), rdb, whole, Options{})
		want := counts(t, whole.DB())

		s := open(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, err := Import(ctx, rdb, s, Options{BatchSize: 4, Progress: func(p Progress) {
			if p.Done >= 12 {
				cancel()
			}
		}})
		if err == nil {
			t.Fatal("interrupted import: no error")
		}
		if n := one(t, s.DB(), `SELECT COUNT(*) FROM tickets`); n != 12 {
			t.Errorf("after interruption: %d tickets, want 12", n)
		}
		sum := importInto(t, context.Background(), rdb, s, Options{BatchSize: 4})
		if sum.Tickets != 30 {
			t.Errorf("resumed run imported %d tickets, want 30", sum.Tickets)
		}
		if got := counts(t, s.DB()); !reflect.DeepEqual(got, want) {
			t.Errorf("after resuming: %v, want %v", got, want)
		}
	})
}

// TestImportDelta imports an older state of the RT database, then the
// whole: the second run brings only what is new, and the end is the same
// as one import of the whole.
func TestImportDelta(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		full := openFixture(t, fixtureCopy(t))
		whole := open(t)
		importInto(t, ctx, full, whole, Options{})
		want := counts(t, whole.DB())

		oldPath := fixtureCopy(t)
		w, err := sql.Open("sqlite", oldPath)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`DELETE FROM Attachments WHERE TransactionId > 400`,
			`DELETE FROM Transactions WHERE id > 400`,
			`DELETE FROM Tickets WHERE id > 25`,
		} {
			if _, err := w.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		w.Close()
		s := open(t)
		first := importInto(t, ctx, openFixture(t, oldPath), s, Options{RTName: "rt.bench"})
		if first.Tickets != 25 {
			t.Errorf("first run: %d tickets, want 25", first.Tickets)
		}
		second := importInto(t, ctx, full, s, Options{})
		if second.Tickets != 17 || second.FromTransaction != 400 {
			t.Errorf("delta run: %d new tickets from transaction %d, want 17 from 400", second.Tickets, second.FromTransaction)
		}
		if second.Transactions >= want["transactions"]/2 {
			t.Errorf("delta run imported %d transactions: not only what is new", second.Transactions)
		}
		if got := counts(t, s.DB()); !reflect.DeepEqual(got, want) {
			t.Errorf("after delta: %v, want %v", got, want)
		}
	})
}

// TestImportOffset imports into a store that has tickets: RT ticket N
// becomes N+offset, and old subject tags still find it.
func TestImportOffset(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t)
	storetest.Desk(t, s)
	for i := 0; i < 3; i++ {
		if _, err := s.CreateTicket(ctx, "alice", mailstore.NewTicket{Queue: "support", Requestors: []string{"x@example.com"}, Subject: "before"}); err != nil {
			t.Fatal(err)
		}
	}
	rdb := openFixture(t, fixtureCopy(t))
	sum := importInto(t, ctx, rdb, s, Options{QueueMap: map[string]string{"support": "support"}})
	if sum.Offset != 3 || sum.Tickets != 42 || sum.Queues != 1 || sum.QueuesExisting != 2 {
		t.Errorf("summary = %+v", sum)
	}
	tk, err := s.Ticket(ctx, 13+3)
	if err != nil || tk.MergedInto == nil || *tk.MergedInto != 15 {
		t.Errorf("ticket 16 (RT 13) = %+v, %v", tk, err)
	}
	if q, _ := s.Queue(ctx, "support"); q.Address != "support@example.org" || q.Tag != "support" {
		t.Errorf("existing queue changed: %+v", q)
	}
	if q, _ := s.Queue(ctx, "opptak"); q.Tag != "opptak" {
		t.Errorf("queue opptak tag = %q: RT's numbers are not sak's", q.Tag)
	}
	// A fresh ticket gets an id above the imported ones.
	id, err := s.CreateTicket(ctx, "alice", mailstore.NewTicket{Queue: "support", Requestors: []string{"x@example.com"}, Subject: "after"})
	if err != nil || id != 46 {
		t.Errorf("new ticket %d, %v; want 46", id, err)
	}
}

// TestReplyThreads: mail answering RT's mail threads to the imported
// ticket, by the queue's own subject tag, by RT's References, and by the
// $rtname tag.
//
// NOTE for the lead: the "[rt.bench #7]" case fails until the change to
// (o *op) thread in mailstore/deliver.go reported with issue 12 is applied
// (look up imported subject tags with importedTicket).
func TestReplyThreads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		s := open(t)
		importInto(t, ctx, openFixture(t, fixtureCopy(t)), s, Options{})
		support, err := s.Queue(ctx, "support")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name    string
			subject string
			refs    []string
			want    int64
		}{
			{"queue tag", "Re: [support.example.org #5] Faktura for mye", nil, 5},
			{"RT's References", "Re: old mail", []string{"RT-Ticket-9@rt.bench"}, 9},
			{"rtname tag (needs the deliver.go change)", "Re: [rt.bench #7] Endring av adresse på kontoen", nil, 7},
		} {
			t.Run(tc.name, func(t *testing.T) {
				raw := []byte("From: Ingrid Sæterdal <ingrid.saeterdal@example.net>\r\nTo: support@example.org\r\nSubject: " + tc.subject +
					"\r\nMessage-ID: <reply." + tc.name + "@example.net>\r\n\r\nTakk!\r\n")
				in := &mailstore.Incoming{
					Mail:       mailstore.Mail{Raw: raw, MessageID: "reply." + tc.name + "@example.net", From: "ingrid.saeterdal@example.net", Subject: tc.subject, Text: "Takk!"},
					MailFrom:   "ingrid.saeterdal@example.net",
					Routes:     []mailstore.Route{{Queue: support}},
					References: tc.refs,
					Quiet:      true,
				}
				for _, tag := range parse.TicketTags(tc.subject) {
					in.Tags = append(in.Tags, mailstore.Tag{Tag: tag.Tag, ID: tag.ID})
				}
				d, err := s.Deliver(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				if d.Created || d.Ticket != tc.want {
					t.Errorf("delivered to ticket %d (created %v), want %d", d.Ticket, d.Created, tc.want)
				}
			})
		}
	})
}
