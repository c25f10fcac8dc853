package mailstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// checkClock is a clock the test moves.
type checkClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *checkClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *checkClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		clk := &checkClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
		s := open(t, mailstore.WithClock(clk.now))
		storetest.Desk(t, s)

		h, err := s.Check(ctx, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !h.OK() || h.SchemaVersion != h.CodeVersion || h.SchemaVersion < 1 || len(h.Integrity) != 1 || h.Integrity[0] != "ok" {
			t.Fatalf("Check on a fresh database = %+v, want healthy", h)
		}
		if h.Outbox == nil || h.Outbox.Pending != 0 {
			t.Fatalf("outbox = %+v, want empty", h.Outbox)
		}

		// A reply waits in the outbox: a backlog, not yet a problem.
		id, err := s.CreateTicket(ctx, "alice", mailstore.NewTicket{Queue: "support", Requestors: []string{"pat@example.com"}, Subject: "Printer", Text: "It burns."})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Reply(ctx, "alice", id, "On our way."); err != nil {
			t.Fatal(err)
		}
		if h, err = s.Check(ctx, time.Hour); err != nil || !h.OK() || h.Outbox.Pending == 0 {
			t.Fatalf("Check with a fresh backlog = %+v, %v; want healthy with rows pending", h, err)
		}
		// Two hours later nothing has sent it: the relay is down.
		clk.add(2 * time.Hour)
		if h, err = s.Check(ctx, time.Hour); err != nil || h.OK() || !strings.Contains(strings.Join(h.Problems, "\n"), "oldest unsent outbox row waits for 2h0m0s") {
			t.Fatalf("Check with an old backlog = %+v, %v; want the age named", h, err)
		}
		if h, err = s.Check(ctx, 0); err != nil || !h.OK() {
			t.Fatalf("Check with no age limit = %+v, %v; want healthy", h, err)
		}

		// A queue address made before '+' was refused gets no mail.
		if _, err := s.DB().ExecContext(ctx, `UPDATE queues SET comment_address = 'it-help+comment@example.org' WHERE name = 'it-help'`); err != nil {
			t.Fatal(err)
		}
		if h, err = s.Check(ctx, 0); err != nil || h.OK() || !strings.Contains(strings.Join(h.Problems, "\n"), "queue it-help: queue address it-help+comment@example.org has a '+'") {
			t.Fatalf("Check with a queue address with '+' = %+v, %v; want it named", h, err)
		}
		if _, err := s.DB().ExecContext(ctx, `UPDATE queues SET comment_address = 'it-help-comment@example.org' WHERE name = 'it-help'`); err != nil {
			t.Fatal(err)
		}

		// A schema older than the binary.
		if _, err := s.DB().ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`); err != nil {
			t.Fatal(err)
		}
		if h, err = s.Check(ctx, 0); err != nil || h.OK() || h.SchemaVersion != h.CodeVersion-1 || !strings.Contains(h.Problems[0], "run 'sak db migrate'") {
			t.Fatalf("Check with an old schema = %+v, %v; want the versions named", h, err)
		}
	})
}

// TestCheckForeignKeys breaks a reference behind SQLite's back, as a
// crash with foreign keys off or a hand edit would.
func TestCheckForeignKeys(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t)
	storetest.Desk(t, s)
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{`PRAGMA foreign_keys = OFF`, `INSERT INTO ticket_people (ticket_id, user_id, role) VALUES (4242, 1, 'requestor')`, `PRAGMA foreign_keys = ON`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	conn.Close()
	h, err := s.Check(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if h.OK() || !strings.Contains(strings.Join(h.Problems, "\n"), "foreign key check: 1 rows") {
		t.Fatalf("Check = %+v, want the dangling ticket_people row", h)
	}
}

// TestCheckEmpty: a database without sak's schema is a problem, not an
// error, and has no outbox to read (on PostgreSQL a new, empty schema);
// once migrated it has the code's version.
func TestCheckEmpty(t *testing.T) {
	for name, dsn := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return t.TempDir() + "/empty.db" },
		"postgres": func(t *testing.T) string { return storetest.PostgresDSN(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := mailstore.Open(ctx, dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			h, err := s.Check(ctx, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if h.OK() || h.SchemaVersion != 0 || h.Outbox != nil || !strings.Contains(h.Problems[0], "no sak schema") {
				t.Fatalf("Check on an empty database = %+v", h)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if v, err := s.SchemaVersion(ctx); err != nil || v != s.CodeVersion() {
				t.Fatalf("SchemaVersion after Migrate = %d, %v; want %d", v, err, s.CodeVersion())
			}
		})
	}
}
