package mailstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestPurge fills a ticket (and one merged into it) with everything a
// ticket holds, purges it, and checks that every table is rid of it but
// for the tombstone and one purge transaction; that mail naming it makes
// a new ticket; and that refusals change nothing.
func TestPurge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		q := storetest.Desk(t, s)
		ctx := context.Background()
		db := s.DB()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		id := mustDeliver(t, s, incoming(q, "pat@example.com", "g1@example.com", "Zanzibarsubject", "My zanzibarword secret.")).Ticket
		src := mustDeliver(t, s, incoming(q, "pat@example.com", "g2@example.com", "Second", "More zanzibarword.")).Ticket
		other := mustDeliver(t, s, incoming(q, "kim@example.com", "g3@example.com", "Other", "Unrelated.")).Ticket
		must(s.AddCc(ctx, "alice", id, "boss@example.com"))
		must(s.Reply(ctx, "alice", id, "Zanzibarword answered.", mailstore.FileAttachment("note.txt", []byte("zanzibarword file"))))
		must(s.Comment(ctx, "alice", id, "Internal zanzibarword."))
		must(s.Watch(ctx, "bob", id, ""))
		must(s.LinkTicket(ctx, "alice", id, mailstore.LinkRefersTo, other))
		must(s.LinkTicket(ctx, "alice", other, mailstore.LinkDependsOn, id))
		_, err := s.AddReminder(ctx, "alice", id, time.Now().Add(time.Hour), "", "Call zanzibarword")
		must(err)
		must(s.Reply(ctx, "alice", src, "Second answer."))
		must(s.Merge(ctx, "alice", src, id))
		ids := fmt.Sprintf("(%d, %d)", id, src)
		list := func(query string) string {
			t.Helper()
			rows, err := db.QueryContext(ctx, query)
			must(err)
			defer rows.Close()
			var out []string
			for rows.Next() {
				var v string
				must(rows.Scan(&v))
				out = append(out, v)
			}
			return strings.Join(out, ",")
		}
		msgs := list(`SELECT CAST(id AS TEXT) FROM messages WHERE ticket_id IN ` + ids)
		bodies := list(`SELECT CAST(body_id AS TEXT) FROM outbox WHERE body_id IS NOT NULL AND ticket_id IN ` + ids)
		if msgs == "" || bodies == "" || list(`SELECT CAST(id AS TEXT) FROM attachments WHERE message_id IN (`+msgs+`)`) == "" {
			t.Fatalf("the ticket holds no mail (%q), outbox bodies (%q) or attachments to purge", msgs, bodies)
		}

		// A field imported from the old tracker goes too.
		if _, err := s.DB().Exec(`INSERT INTO ticket_fields (ticket_id, name, position, value) VALUES ($1, 'Kategori', 0, 'zanzibarfield')`, id); err != nil {
			t.Fatal(err)
		}
		before := historyLen(t, s, id)
		refused(t, s, "a caseworker", s.Purge(ctx, "alice", id), mailstore.ErrPermission, id, before)
		refused(t, s, "a merged ticket", s.Purge(ctx, "root", src), mailstore.ErrConflict, id, before)
		refused(t, s, "no ticket", s.Purge(ctx, "root", 999), mailstore.ErrNotFound, id, before)
		must(s.Purge(ctx, "root", id))
		refused(t, s, "purged already", s.Purge(ctx, "root", id), mailstore.ErrConflict, id, 1)

		checks := map[string]string{
			"messages":         `SELECT CAST(id AS TEXT) FROM messages WHERE ticket_id IN ` + ids,
			"attachments":      `SELECT CAST(id AS TEXT) FROM attachments WHERE message_id IN (` + msgs + `)`,
			"message_chunks":   `SELECT CAST(message_id AS TEXT) FROM message_chunks WHERE message_id IN (` + msgs + `)`,
			"message_ids":      `SELECT msgid FROM message_ids WHERE ticket_id IN ` + ids,
			"outbox":           `SELECT rcpt FROM outbox WHERE ticket_id IN ` + ids,
			"outbox_bodies":    `SELECT CAST(id AS TEXT) FROM outbox_bodies WHERE id IN (` + bodies + `)`,
			"ticket_people":    `SELECT CAST(user_id AS TEXT) FROM ticket_people WHERE ticket_id IN ` + ids,
			"ticket_also":      `SELECT CAST(queue_id AS TEXT) FROM ticket_also WHERE ticket_id IN ` + ids,
			"ticket_watchers":  `SELECT CAST(user_id AS TEXT) FROM ticket_watchers WHERE ticket_id IN ` + ids,
			"ticket_fields":    `SELECT value FROM ticket_fields WHERE ticket_id IN ` + ids,
			"links":            `SELECT target FROM links WHERE ticket_id IN ` + ids + ` OR target_ticket IN ` + ids,
			"reminders":        `SELECT text FROM reminders WHERE ticket_id IN ` + ids,
			"notices":          `SELECT kind FROM notices WHERE ticket_id IN ` + ids,
			"quarantine":       `SELECT subject FROM quarantine WHERE ticket_id IN ` + ids,
			"transactions":     `SELECT type || ':' || old_value || ':' || new_value FROM transactions WHERE ticket_id IN ` + ids + ` AND type <> 'purge'`,
			"tickets":          `SELECT subject || ':' || status FROM tickets WHERE id IN ` + ids + ` AND (subject <> '' OR status <> 'deleted')`,
			"any message text": `SELECT CAST(id AS TEXT) FROM messages WHERE text LIKE '%zanzibar%'`,
		}
		if s.Dialect() == "sqlite" {
			checks["messages_fts"] = `SELECT CAST(rowid AS TEXT) FROM messages_fts WHERE messages_fts MATCH 'zanzibarword'`
			checks["tickets_fts"] = `SELECT CAST(rowid AS TEXT) FROM tickets_fts WHERE tickets_fts MATCH 'zanzibarsubject'`
		}
		for table, query := range checks {
			if left := list(query); left != "" {
				t.Errorf("%s still holds %q of the purged tickets", table, left)
			}
		}
		for _, word := range []string{"zanzibarword", "zanzibarsubject"} {
			hits, err := s.Search(ctx, word, mailstore.SearchFilter{})
			must(err)
			if len(hits) != 0 {
				t.Errorf("search %s finds %d hits after the purge", word, len(hits))
			}
		}
		h, err := s.History(ctx, id)
		must(err)
		if len(h) != 1 || h[0].Type != mailstore.TxPurge || h[0].Actor != "root" {
			t.Errorf("history after the purge = %+v, want one purge by root", h)
		}
		tk, err := s.Ticket(ctx, id)
		must(err)
		if tk.Subject != "" || tk.Status != mailstore.StatusDeleted || len(tk.Requestors) != 0 {
			t.Errorf("tombstone = %+v", tk)
		}
		// The other ticket lost its link, not its own history.
		if ot, _ := s.Ticket(ctx, other); len(ot.Links) != 0 {
			t.Errorf("the other ticket still links to the purged one: %+v", ot.Links)
		}
		// Mail naming the purged ticket makes a new one; a change is refused.
		f := incoming(q, "pat@example.com", "g4@example.com", fmt.Sprintf("Re: [support #%d] Zanzibarsubject", id), "Again.")
		f.Tags = []mailstore.Tag{{Tag: "support", ID: id}}
		f.InReplyTo = []string{"g1@example.com"}
		if d := mustDeliver(t, s, f); d.Ticket == id || d.Ticket == src {
			t.Errorf("mail naming the purged ticket went to %d", d.Ticket)
		}
		refused(t, s, "a reply to the purged ticket", s.Reply(ctx, "root", id, "x"), mailstore.ErrConflict, id, 1)
	})
}
