package rt

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"sak/mailstore/storetest"
)

// synthetic makes an RT database of about n tickets by copying the
// fixture's tickets, with their transactions, attachments, role groups and
// links, under new ids (and new Message-IDs, so that no mail is a
// duplicate of another); everything else is the fixture's.
func synthetic(tb testing.TB, n int) string {
	tb.Helper()
	p := fixtureCopy(tb)
	db, err := sql.Open("sqlite", p)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	max := func(q string) int64 {
		var v int64
		if err := db.QueryRow(q).Scan(&v); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
		return v
	}
	nt, nx, na := max(`SELECT MAX(id) FROM Tickets`), max(`SELECT MAX(id) FROM Transactions`), max(`SELECT MAX(id) FROM Attachments`)
	ng, nm, nl := max(`SELECT MAX(id) FROM Groups`), max(`SELECT MAX(id) FROM GroupMembers`), max(`SELECT MAX(id) FROM Links`)
	const uri = "fsck.com-rt://rt.bench/ticket/"
	tx, err := db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TEMP TABLE t AS SELECT * FROM Tickets`,
		`CREATE TEMP TABLE x AS SELECT * FROM Transactions WHERE ObjectType = 'RT::Ticket'`,
		`CREATE TEMP TABLE a AS SELECT * FROM Attachments`,
		`CREATE TEMP TABLE g AS SELECT * FROM Groups WHERE Domain = 'RT::Ticket-Role'`,
		`CREATE TEMP TABLE m AS SELECT gm.* FROM GroupMembers gm JOIN Groups gr ON gr.id = gm.GroupId WHERE gr.Domain = 'RT::Ticket-Role'`,
		`CREATE TEMP TABLE l AS SELECT * FROM Links WHERE Base LIKE 'fsck.com-rt://%/ticket/%'`,
	} {
		if _, err := tx.Exec(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	for k := int64(1); k*nt < int64(n); k++ {
		ot, ox, oa, og, om, ol := k*nt, k*nx, k*na, k*ng, k*nm, k*nl
		c := "c" + strconv.FormatInt(k, 10) + "."
		// Insert shifted copies straight from the temp tables.
		for _, q := range []string{
			fmt.Sprintf(`INSERT INTO Tickets SELECT id + %d, EffectiveId + %[1]d, IsMerged, Queue, Type, Owner, Subject, InitialPriority, FinalPriority, Priority,
				TimeEstimated, TimeWorked, Status, SLA, TimeLeft, Told, Starts, Started, Due, Resolved, LastUpdatedBy, LastUpdated, Creator, Created FROM t`, ot),
			fmt.Sprintf(`INSERT INTO Transactions SELECT id + %d, ObjectType, ObjectId + %d, TimeTaken, Type, Field, OldValue, NewValue, ReferenceType, OldReference, NewReference,
				Data, Creator, Created FROM x`, ox, ot),
			fmt.Sprintf(`INSERT INTO Attachments SELECT id + %d, TransactionId + %d, CASE WHEN Parent = 0 THEN 0 ELSE Parent + %[1]d END, MessageId, Subject, Filename,
				ContentType, ContentEncoding, Content, replace(Headers, 'Message-ID: <', 'Message-ID: <%[3]s'), Creator, Created FROM a`, oa, ox, c),
			fmt.Sprintf(`INSERT INTO Groups SELECT id + %d, Name, Description, Domain, Instance + %d, Creator, Created, LastUpdatedBy, LastUpdated FROM g`, og, ot),
			fmt.Sprintf(`INSERT INTO GroupMembers SELECT id + %d, GroupId + %d, MemberId, Creator, Created, LastUpdatedBy, LastUpdated FROM m`, om, og),
			fmt.Sprintf(`INSERT INTO Links SELECT id + %d, '%s' || (CAST(substr(Base, %d) AS INTEGER) + %d), '%[2]s' || (CAST(substr(Target, %[3]d) AS INTEGER) + %[4]d),
				Type, LocalTarget + %[4]d, LocalBase + %[4]d, LastUpdatedBy, LastUpdated, Creator, Created FROM l`, ol, uri, len(uri)+1, ot),
		} {
			if _, err := tx.Exec(q); err != nil {
				tb.Fatalf("%s: %v", q, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkImport imports a synthetic RT database of SAK_RT_BENCH_TICKETS
// tickets (default 10,000) into a fresh SQLite store, or PostgreSQL with
// SAK_RT_BENCH_POSTGRES=1, and reports tickets/s and mails/s:
//
//	go test -run '^$' -bench Import -benchtime 1x ./importer/rt/
func BenchmarkImport(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("SAK_RT_BENCH_TICKETS")); err == nil && v > 0 {
		n = v
	}
	path := synthetic(b, n)
	rdb := openFixture(b, path)
	var tickets, mails int
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		open := storetest.SQLite
		if os.Getenv("SAK_RT_BENCH_POSTGRES") != "" {
			open = storetest.Postgres
		}
		s := open(b)
		b.StartTimer()
		start := time.Now()
		sum, err := Import(context.Background(), rdb, s, Options{BatchSize: 200})
		if err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		tickets += sum.Tickets
		mails += sum.Mails
	}
	b.ReportMetric(float64(tickets)/elapsed.Seconds(), "tickets/s")
	b.ReportMetric(float64(mails)/elapsed.Seconds(), "mails/s")
	b.ReportMetric(float64(tickets)/float64(b.N), "tickets")
}
