package rt

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"sak/internal/testcorpus"
	"sak/mailstore"
)

// fixtureDir is ../shared/fixtures/rt5; without it the test skips (fails
// under CI).
func fixtureDir(t testing.TB) string {
	t.Helper()
	dir := testcorpus.Dir(t, "fixtures/rt5")
	if _, err := os.Stat(filepath.Join(dir, "rt5-sample.sqlite")); err != nil {
		t.Fatalf("the RT fixture: %v", err)
	}
	return dir
}

// fixtureCopy copies the fixture database into the test's directory
// (SQLite may want to write -shm files next to it).
func fixtureCopy(t testing.TB) string {
	t.Helper()
	src, err := os.Open(filepath.Join(fixtureDir(t), "rt5-sample.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p := filepath.Join(t.TempDir(), "rt.sqlite")
	dst, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// expected is the part of expected.json the tests check.
type expected struct {
	RTName                   string                    `json:"rtname"`
	TicketsTotal             int                       `json:"tickets_total"`
	TicketsNotMerged         int                       `json:"tickets_not_merged"`
	TicketsPerQueue          map[string]int            `json:"tickets_per_queue"`
	TicketsPerStatus         map[string]int            `json:"tickets_per_status"`
	TicketsPerStatusNotMerge map[string]int            `json:"tickets_per_status_not_merged"`
	PerQueueStatusNotMerged  map[string]map[string]int `json:"tickets_per_queue_and_status_not_merged"`
	Merged                   []struct {
		ID         int64 `json:"id"`
		MergedInto int64 `json:"merged_into"`
	} `json:"merged"`
	TxnPerType       map[string]int                 `json:"ticket_transactions_per_type"`
	SetPerField      map[string]int                 `json:"ticket_set_transactions_per_field"`
	Correspond       int                            `json:"correspond_transactions"`
	Comment          int                            `json:"comment_transactions"`
	OwnerChanges     int                            `json:"owner_changes"`
	StatusChanges    int                            `json:"status_changes"`
	TxnPerTicket     map[string]int                 `json:"ticket_transactions_per_ticket"`
	TimeTaken        int                            `json:"time_taken_minutes_sum_transactions"`
	TimeWorked       int                            `json:"time_worked_minutes_total"`
	AttachmentsTotal int                            `json:"attachments_total"`
	Filenames        []string                       `json:"filenames_excluding_email_records"`
	PerEncoding      map[string]int                 `json:"attachments_per_content_encoding"`
	Requestors       []string                       `json:"requestor_addresses"`
	Ccs              []string                       `json:"ticket_cc_addresses"`
	AdminCcs         []string                       `json:"ticket_admincc_addresses"`
	QueueAdminCc     []struct{ Queue, User string } `json:"queue_admincc"`
	Privileged       []struct {
		Name     string `json:"name"`
		RealName string `json:"real_name"`
		Email    string `json:"email"`
	} `json:"privileged_users"`
	UserGroups []struct {
		Group   string   `json:"group"`
		Members []string `json:"members"`
	} `json:"user_groups"`
	Links []struct {
		Base   int64  `json:"base"`
		Type   string `json:"type"`
		Target int64  `json:"target"`
	} `json:"ticket_links"`
	FieldValues []struct {
		Ticket int64  `json:"ticket"`
		Field  string `json:"field"`
		Value  string `json:"value"`
	} `json:"custom_field_values"`
	MailCreated   int `json:"mail_created_tickets"`
	MailFollowups int `json:"mail_followups"`
}

func loadExpected(t testing.TB) *expected {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir(t), "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e expected
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return &e
}

func openFixture(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func importInto(t testing.TB, ctx context.Context, db *DB, s *mailstore.Store, opts Options) *Summary {
	t.Helper()
	sum, err := Import(ctx, db, s, opts)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return sum
}
