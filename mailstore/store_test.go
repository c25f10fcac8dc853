package mailstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

func TestSQLite(t *testing.T)   { runStoreSuite(t, storetest.SQLite) }
func TestPostgres(t *testing.T) { runStoreSuite(t, storetest.Postgres) }

// world is a small organisation: two queues and their people.
type world struct {
	s       *mailstore.Store
	support *mailstore.Queue
	ithelp  *mailstore.Queue
}

func setup(t *testing.T, s *mailstore.Store) *world {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.AddUser(ctx, "", mailstore.NewUser{Login: "root", Email: "root@example.org", Name: "Root", Sysadmin: true})
	must(err)
	for _, u := range []string{"alice", "bob", "carol", "mona", "walt", "dave"} {
		_, err := s.AddUser(ctx, "root", mailstore.NewUser{Login: u, Email: u + "@example.org", Name: strings.ToUpper(u[:1]) + u[1:]})
		must(err)
	}
	w := &world{s: s}
	w.support, err = s.CreateQueue(ctx, "root", mailstore.NewQueue{Name: "support", Address: "support@example.org"})
	must(err)
	w.ithelp, err = s.CreateQueue(ctx, "root", mailstore.NewQueue{Name: "it-help", Address: "it-help@example.org", Tag: "IT"})
	must(err)
	must(s.Grant(ctx, "root", "support", "alice", mailstore.RoleCaseworker))
	must(s.Grant(ctx, "root", "support", "bob", mailstore.RoleCaseworker))
	must(s.Grant(ctx, "root", "it-help", "carol", mailstore.RoleCaseworker))
	must(s.Grant(ctx, "root", "support", "mona", mailstore.RoleManager))
	must(s.GrantRole(ctx, "root", "support", mailstore.RoleGrant{User: "walt", Role: mailstore.RoleWatcher, Notify: mailstore.NotifyNew})) // told of new tickets, not of answers
	return w
}

func (w *world) ticket(t *testing.T) int64 {
	t.Helper()
	id, err := w.s.CreateTicket(context.Background(), "alice", mailstore.NewTicket{Queue: "support", Requestors: []string{"Pat <pat@example.com>"}, Subject: "Printer on fire", Text: "It burns."})
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	return id
}

func (w *world) get(t *testing.T, id int64) *mailstore.Ticket {
	t.Helper()
	tk, err := w.s.Ticket(context.Background(), id)
	if err != nil {
		t.Fatalf("mailstore.Ticket(%d): %v", id, err)
	}
	return tk
}

func (w *world) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := w.s.DB().QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func wantErr(t *testing.T, what string, err, kind error, contains string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: err = %v, want %v", what, err, kind)
	}
	if !strings.Contains(err.Error(), contains) {
		t.Fatalf("%s: err = %q, want it to say %q", what, err, contains)
	}
}

func runStoreSuite(t *testing.T, open storetest.Opener) {
	ctx := context.Background()

	t.Run("migrate is idempotent and versions are checked", func(t *testing.T) {
		s := open(t)
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if err := s.CheckSchema(ctx); err != nil {
			t.Fatalf("CheckSchema: %v", err)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil || v != s.CodeVersion() {
			t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, s.CodeVersion())
		}
		if _, err := s.DB().Exec(`INSERT INTO schema_migrations (version, applied) VALUES (99, 0)`); err != nil {
			t.Fatal(err)
		}
		err = s.CheckSchema(ctx)
		wantErr(t, "CheckSchema on newer schema", err, mailstore.ErrSchema, fmt.Sprintf("version 99 is newer than this sak's version %d", s.CodeVersion()))
		wantErr(t, "Migrate on newer schema", s.Migrate(ctx), mailstore.ErrSchema, "upgrade sak")
	})

	t.Run("unknown ticket", func(t *testing.T) {
		_, err := open(t).Ticket(ctx, 999)
		wantErr(t, "mailstore.Ticket(999)", err, mailstore.ErrNotFound, "no ticket 999")
	})

	t.Run("bootstrap and user permissions", func(t *testing.T) {
		s := open(t)
		_, err := s.AddUser(ctx, "", mailstore.NewUser{Login: "alice", Email: "alice@example.org"})
		wantErr(t, "first user not sysadmin", err, mailstore.ErrPermission, "--sysadmin")
		if _, err := s.AddUser(ctx, "", mailstore.NewUser{Login: "root", Email: "root@example.org", Sysadmin: true}); err != nil {
			t.Fatalf("bootstrap: %v", err)
		}
		_, err = s.AddUser(ctx, "", mailstore.NewUser{Login: "eve", Email: "eve@example.org", Sysadmin: true})
		wantErr(t, "second bootstrap", err, mailstore.ErrUnknownUser, "--as")
		if _, err := s.AddUser(ctx, "root", mailstore.NewUser{Login: "alice", Email: "Alice@Example.org"}); err != nil {
			t.Fatal(err)
		}
		_, err = s.AddUser(ctx, "alice", mailstore.NewUser{Login: "eve", Email: "eve@example.org"})
		wantErr(t, "non-admin adds", err, mailstore.ErrPermission, "only a sysadmin")
		_, err = s.AddUser(ctx, "root", mailstore.NewUser{Login: "alice2", Email: "alice@example.org"})
		wantErr(t, "address taken", err, mailstore.ErrConflict, "address of user alice")
		_, err = s.AddUser(ctx, "root", mailstore.NewUser{Login: "Bad Login", Email: "x@example.org"})
		wantErr(t, "bad login", err, mailstore.ErrInvalid, "not valid")
		_, err = s.AddUser(ctx, "root", mailstore.NewUser{Login: "x", Email: "not-an-address"})
		wantErr(t, "bad address", err, mailstore.ErrInvalid, "not a mail address")
		wantErr(t, "disable last sysadmin", s.DisableUser(ctx, "root", "root"), mailstore.ErrConflict, "last sysadmin")
		if err := s.DisableUser(ctx, "root", "alice"); err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateQueue(ctx, "alice", mailstore.NewQueue{Name: "q", Address: "q@example.org"})
		wantErr(t, "disabled acts", err, mailstore.ErrDisabled, "alice is disabled")
		us, err := s.Users(ctx)
		if err != nil || len(us) != 2 || us[0].Login != "alice" || !us[0].Disabled || us[0].Email != "alice@example.org" {
			t.Fatalf("Users = %+v, %v", us, err)
		}
	})

	t.Run("queues and roles", func(t *testing.T) {
		s := open(t)
		w := setup(t, s)
		if w.support.CommentAddress != "support-comment@example.org" || w.support.Tag != "support" {
			t.Fatalf("support = %+v", w.support)
		}
		_, err := s.CreateQueue(ctx, "alice", mailstore.NewQueue{Name: "x", Address: "x@example.org"})
		wantErr(t, "caseworker creates queue", err, mailstore.ErrPermission, "only a sysadmin")
		_, err = s.CreateQueue(ctx, "root", mailstore.NewQueue{Name: "support", Address: "s2@example.org"})
		wantErr(t, "duplicate queue", err, mailstore.ErrConflict, "exists already")
		_, err = s.CreateQueue(ctx, "root", mailstore.NewQueue{Name: "other", Address: "support-comment@example.org"})
		wantErr(t, "address taken", err, mailstore.ErrConflict, "address of queue support")
		// A +detail would route the queue's mail elsewhere: mail to
		// support+comment@ is routed as mail to support@.
		_, err = s.CreateQueue(ctx, "root", mailstore.NewQueue{Name: "other", Address: "it+help@example.org"})
		wantErr(t, "correspond address with +", err, mailstore.ErrInvalid, "has a '+'")
		_, err = s.CreateQueue(ctx, "root", mailstore.NewQueue{Name: "other", Address: "other@example.org", CommentAddress: "Other+Comment@example.org"})
		wantErr(t, "comment address with +", err, mailstore.ErrInvalid, "other+comment@example.org has a '+'")
		im, err := s.NewImporter(ctx, "rt.example.org")
		if err != nil {
			t.Fatal(err)
		}
		rq, created, err := im.ImportQueue(ctx, mailstore.ImportQueue{Name: "general", Address: "general@example.org", CommentAddress: "general+comment@example.org"})
		if err != nil || !created || rq.CommentAddress != "general-comment@example.org" {
			t.Fatalf("RT queue with comment address general+comment@: %+v, %v, %v", rq, created, err)
		}
		_, _, err = im.ImportQueue(ctx, mailstore.ImportQueue{Name: "rtq", Address: "rt+q@example.org"})
		wantErr(t, "RT correspond address with +", err, mailstore.ErrInvalid, "has a '+'")
		q, comment, err := s.QueueByAddress(ctx, "support-comment@example.org")
		if err != nil || q.Name != "support" || !comment {
			t.Fatalf("QueueByAddress = %v, %v, %v", q, comment, err)
		}
		_, _, err = s.QueueByAddress(ctx, "nobody@example.org")
		wantErr(t, "unknown address", err, mailstore.ErrUnknownQueue, "nobody@example.org")

		// Managers grant on their own queue only; caseworkers not at all.
		if err := s.Grant(ctx, "mona", "support", "dave", mailstore.RoleCaseworker); err != nil {
			t.Fatalf("manager grants: %v", err)
		}
		wantErr(t, "manager on other queue", s.Grant(ctx, "mona", "it-help", "dave", mailstore.RoleCaseworker), mailstore.ErrPermission, "only its managers")
		wantErr(t, "caseworker grants", s.Grant(ctx, "alice", "support", "dave", mailstore.RoleWatcher), mailstore.ErrPermission, "only its managers")
		wantErr(t, "grant twice", s.Grant(ctx, "mona", "support", "dave", mailstore.RoleCaseworker), mailstore.ErrConflict, "already")
		wantErr(t, "bad role", s.Grant(ctx, "root", "support", "dave", "boss"), mailstore.ErrInvalid, "not one of")
		wantErr(t, "unknown queue", s.Grant(ctx, "root", "nope", "dave", mailstore.RoleWatcher), mailstore.ErrUnknownQueue, "sak queue list")
		wantErr(t, "unknown user", s.Grant(ctx, "root", "support", "nope", mailstore.RoleWatcher), mailstore.ErrUnknownUser, "sak user list")
		if err := s.Revoke(ctx, "mona", "support", "dave", ""); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		wantErr(t, "revoke again", s.Revoke(ctx, "mona", "support", "dave", ""), mailstore.ErrConflict, "no role")
		ms, err := s.Members(ctx, "support")
		if err != nil || len(ms) != 4 {
			t.Fatalf("Members = %+v, %v", ms, err)
		}
	})

	t.Run("create ticket", func(t *testing.T) {
		s := open(t)
		w := setup(t, s)
		id := w.ticket(t)
		tk := w.get(t, id)
		if tk.Status != mailstore.StatusNew || tk.Queue != "support" || tk.Owner != nil || len(tk.Requestors) != 1 || tk.Requestors[0] != "pat@example.com" {
			t.Fatalf("ticket = %+v", tk)
		}
		_, err := s.CreateTicket(ctx, "carol", mailstore.NewTicket{Queue: "support", Requestors: []string{"x@example.com"}, Subject: "s"})
		wantErr(t, "other queue's caseworker", err, mailstore.ErrPermission, "not a caseworker")
		_, err = s.CreateTicket(ctx, "alice", mailstore.NewTicket{Queue: "nope", Requestors: []string{"x@example.com"}, Subject: "s"})
		wantErr(t, "unknown queue", err, mailstore.ErrUnknownQueue, "nope")
		_, err = s.CreateTicket(ctx, "alice", mailstore.NewTicket{Queue: "support", Requestors: []string{"x@example.com"}, Subject: " "})
		wantErr(t, "no subject", err, mailstore.ErrInvalid, "subject")
		if n := w.count(t, `SELECT COUNT(*) FROM tickets`); n != 1 {
			t.Fatalf("refused creates left %d tickets, want 1", n)
		}
		h, err := s.History(ctx, id)
		if err != nil || len(h) != 1 || h[0].Type != mailstore.TxCreate || h[0].Actor != "alice" || h[0].Message == nil || h[0].Message.Text != "It burns." {
			t.Fatalf("History = %+v, %v", h, err)
		}
	})

	t.Run("permission matrix", func(t *testing.T) {
		s := open(t)
		w := setup(t, s)
		for _, tc := range []struct {
			actor string
			kind  error
		}{
			{"pat@example.com", mailstore.ErrUnknownUser}, // a requestor has no login
			{"carol", mailstore.ErrNotFound},              // caseworker of another queue: sees nothing
			{"walt", mailstore.ErrPermission},             // a watcher only
			{"alice", nil},                                // caseworker
			{"mona", nil},                                 // manager
			{"root", nil},                                 // sysadmin
		} {
			id := w.ticket(t)
			err := s.Take(ctx, tc.actor, id)
			if tc.kind == nil && err != nil || tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Errorf("Take as %s: err = %v, want %v", tc.actor, err, tc.kind)
			}
			err = s.SetStatus(ctx, tc.actor, id, "resolve")
			if tc.kind == nil && err != nil || tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Errorf("resolve as %s: err = %v, want %v", tc.actor, err, tc.kind)
			}
		}
	})

	t.Run("take steal give move status", func(t *testing.T) {
		s := open(t)
		w := setup(t, s)
		id := w.ticket(t)
		wantErr(t, "steal unowned", s.Steal(ctx, "bob", id), mailstore.ErrConflict, "take it instead")
		if err := s.Take(ctx, "alice", id); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "take again", s.Take(ctx, "alice", id), mailstore.ErrConflict, "yours already")
		wantErr(t, "take owned", s.Take(ctx, "bob", id), mailstore.ErrConflict, fmt.Sprintf("ticket %d is owned by alice: steal it instead", id))
		if err := s.Steal(ctx, "bob", id); err != nil {
			t.Fatal(err)
		}
		if o := w.get(t, id).OwnerLogin(); o != "bob" {
			t.Fatalf("owner after steal = %q", o)
		}
		wantErr(t, "give to non-caseworker", s.Give(ctx, "bob", id, "carol"), mailstore.ErrPermission, "carol is not a caseworker of queue support")
		wantErr(t, "give to unknown", s.Give(ctx, "bob", id, "zed"), mailstore.ErrUnknownUser, "zed")
		if err := s.Give(ctx, "bob", id, "alice"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "move to unknown", s.Move(ctx, "alice", id, "nope"), mailstore.ErrUnknownQueue, "nope")
		wantErr(t, "move to same", s.Move(ctx, "alice", id, "support"), mailstore.ErrConflict, "already")
		wantErr(t, "move by other queue", s.Move(ctx, "carol", id, "it-help"), mailstore.ErrNotFound, fmt.Sprintf("no ticket %d", id))
		wantErr(t, "move by watcher", s.Move(ctx, "walt", id, "it-help"), mailstore.ErrPermission, "not a caseworker")
		if err := s.Move(ctx, "alice", id, "it-help"); err != nil {
			t.Fatal(err)
		}
		// In it-help now: alice is no caseworker there, carol is.
		wantErr(t, "resolve after move", s.SetStatus(ctx, "alice", id, "resolve"), mailstore.ErrPermission, "it-help")
		if err := s.SetStatus(ctx, "carol", id, "resolve"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "resolve twice", s.SetStatus(ctx, "carol", id, "resolve"), mailstore.ErrConflict, "resolved already")
		tk := w.get(t, id)
		if tk.Status != mailstore.StatusResolved || tk.Resolved == nil || tk.Queue != "it-help" || tk.OwnerLogin() != "alice" {
			t.Fatalf("ticket = %+v", tk)
		}
		for _, v := range []string{"open", "stall", "reject", "open"} {
			if err := s.SetStatus(ctx, "carol", id, v); err != nil {
				t.Fatalf("%s: %v", v, err)
			}
		}
		if tk := w.get(t, id); tk.Status != mailstore.StatusOpen || tk.Resolved != nil {
			t.Fatalf("after reopen: %+v", tk)
		}
		h, err := s.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, x := range h {
			types = append(types, x.Type+":"+x.Actor+":"+x.Old+">"+x.New)
		}
		want := "create:alice:>,take:alice:>alice,steal:bob:alice>bob,give:bob:bob>alice,move:alice:support>it-help,status:carol:new>resolved,status:carol:resolved>open,status:carol:open>stalled,status:carol:stalled>rejected,status:carol:rejected>open"
		if got := strings.Join(types, ","); got != want {
			t.Fatalf("history =\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("actions are all or nothing", func(t *testing.T) {
		s := open(t)
		w := setup(t, s)
		id := w.ticket(t)
		before := w.count(t, `SELECT COUNT(*) FROM transactions`)
		err := s.Act(ctx, "alice", id, mailstore.Action{Name: "take"}, mailstore.Action{Name: "resolve"}, mailstore.Action{Name: "move", Arg: "nope"})
		wantErr(t, "third action fails", err, mailstore.ErrUnknownQueue, "nope")
		tk := w.get(t, id)
		if tk.Owner != nil || tk.Status != mailstore.StatusNew {
			t.Fatalf("refused actions changed the ticket: %+v", tk)
		}
		if after := w.count(t, `SELECT COUNT(*) FROM transactions`); after != before {
			t.Fatalf("refused actions wrote %d transaction rows", after-before)
		}
	})

	t.Run("take race has one winner", func(t *testing.T) {
		s := open(t)
		w := setup(t, s)
		workers := []string{"alice", "bob", "mona", "root"}
		for round := 0; round < 5; round++ {
			id := w.ticket(t)
			var wg sync.WaitGroup
			errs := make([]error, 8)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = s.Take(ctx, workers[i%len(workers)], id)
				}()
			}
			wg.Wait()
			wins := 0
			for _, err := range errs {
				switch {
				case err == nil:
					wins++
				case errors.Is(err, mailstore.ErrConflict):
				default:
					t.Fatalf("round %d: take failed with %v", round, err)
				}
			}
			if wins != 1 {
				t.Fatalf("round %d: %d takes won, want 1 (%v)", round, wins, errs)
			}
			if n := w.count(t, `SELECT COUNT(*) FROM transactions WHERE ticket_id = $1 AND type = 'take'`, id); n != 1 {
				t.Fatalf("round %d: %d take rows", round, n)
			}
		}
	})

	t.Run("merge forwards", func(t *testing.T) {
		s := open(t)
		w := setup(t, s)
		a, b := w.ticket(t), w.ticket(t)
		wantErr(t, "merge into self", s.Merge(ctx, "alice", a, a), mailstore.ErrInvalid, "itself")
		wantErr(t, "merge by outsider", s.Merge(ctx, "carol", a, b), mailstore.ErrNotFound, fmt.Sprintf("no ticket %d", a))
		if err := s.Merge(ctx, "alice", a, b); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "merge twice", s.Merge(ctx, "alice", a, b), mailstore.ErrConflict, "merged into")
		// Acting on the merged ticket acts on its target.
		if err := s.Take(ctx, "bob", a); err != nil {
			t.Fatal(err)
		}
		if o := w.get(t, b).OwnerLogin(); o != "bob" {
			t.Fatalf("owner of target = %q, want bob", o)
		}
		if r, err := s.Resolve(ctx, a); err != nil || r != b {
			t.Fatalf("Resolve(%d) = %d, %v; want %d", a, r, err, b)
		}
		ts, err := s.ListTickets(ctx, mailstore.Filter{})
		if err != nil || len(ts) != 1 || ts[0].ID != b {
			t.Fatalf("list after merge = %+v, %v", ts, err)
		}
		h, err := s.History(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		creates := 0
		for _, x := range h {
			if x.Type == mailstore.TxCreate {
				creates++
			}
		}
		if creates != 2 {
			t.Fatalf("merged history holds %d creates, want 2", creates)
		}
	})

	t.Run("reply and comment write the outbox", func(t *testing.T) {
		s := open(t)
		w := setup(t, s)
		id := w.ticket(t)
		if err := s.Take(ctx, "bob", id); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "empty reply", s.Reply(ctx, "alice", id, "  \n"), mailstore.ErrInvalid, "empty")
		wantErr(t, "outsider reply", s.Reply(ctx, "carol", id, "hi"), mailstore.ErrNotFound, fmt.Sprintf("no ticket %d", id))
		wantErr(t, "watcher reply", s.Reply(ctx, "walt", id, "hi"), mailstore.ErrPermission, "not a caseworker")
		if err := s.Reply(ctx, "alice", id, "We are on it."); err != nil {
			t.Fatal(err)
		}
		rows, err := s.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
		if err != nil || len(rows) != 1 || rows[0].Rcpt != "pat@example.com" || rows[0].Kind != mailstore.KindCorrespond || rows[0].MailFrom != "support@example.org" {
			t.Fatalf("outbox after reply = %+v, %v", rows, err)
		}
		raw, err := s.OutboxRaw(ctx, rows[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{fmt.Sprintf("Subject: [support #%d] Printer on fire", id), `From: "Alice" <support@example.org>`, "We are on it."} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("reply mail lacks %q:\n%s", want, raw)
			}
		}
		_, loop, _ := strings.Cut(string(raw), mailstore.LoopHeader+": ")
		loop, _, _ = strings.Cut(loop, "\r\n")
		if own, err := s.OwnMail(ctx, rows[0].MessageID, loop); err != nil || !own {
			t.Errorf("reply mail's %s %q is not sak's own (%v):\n%s", mailstore.LoopHeader, loop, err, raw)
		}
		if st := w.get(t, id).Status; st != mailstore.StatusOpen {
			t.Fatalf("status after first reply = %s, want open", st)
		}
		// The reply's Message-ID threads back to the ticket.
		if n := w.count(t, `SELECT COUNT(*) FROM message_ids WHERE msgid = $1 AND ticket_id = $2`, rows[0].MessageID, id); n != 1 {
			t.Fatalf("reply Message-ID not indexed")
		}
		if err := s.Comment(ctx, "alice", id, "Internal: check the toner."); err != nil {
			t.Fatal(err)
		}
		rows, err = s.Outbox(ctx, mailstore.OutboxFilter{Ticket: id})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows[1:] {
			got = append(got, r.Kind+":"+r.Rcpt)
		}
		// Owner bob and watcher walt; never the requestor, never alice herself.
		if strings.Join(got, ",") != "comment:bob@example.org,comment:walt@example.org" {
			t.Fatalf("comment recipients = %v", got)
		}
	})
}

func TestQueueAddress(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Foo+bar@Example.ORG", "foo@example.org"},
		{"foo@example.org", "foo@example.org"},
		{" Support+Comment@Sak.Example.NO ", "support@sak.example.no"},
		{"a+b+c@x.no", "a@x.no"},
		{"plain", "plain"},
		{"MAILER-DAEMON", "mailer-daemon"},
		{"odd+@x", "odd@x"},
		{"", ""},
	} {
		if got := mailstore.QueueAddress(tc.in); got != tc.want {
			t.Errorf("QueueAddress(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzQueueAddress(f *testing.F) {
	for _, s := range []string{"Foo+bar@Example.ORG", " a +b", "+@x", "İ+x@Y", "\xff@\xfe", "a@b@c+d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		n := mailstore.QueueAddress(addr)
		if n2 := mailstore.QueueAddress(n); n2 != n {
			t.Errorf("QueueAddress(%q) = %q, but QueueAddress(%q) = %q", addr, n, n, n2)
		}
	})
}
