package importcmd_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"sak/cli/clitest"
	"sak/cli/importcmd"
	"sak/importer/archive"
)

// BenchmarkImportMbox imports a generated mbox into a fresh SQLite store
// per iteration and reports messages/s. The archive has
// SAK_BENCH_MESSAGES messages (default 2,000): threads of a new mail and
// two replies (References, subject tag), about 1.5 kB each. For a run
// with peak memory:
//
//	go test -c -o /tmp/importcmd.test ./cli/importcmd
//	SAK_BENCH_MESSAGES=100000 /usr/bin/time -v /tmp/importcmd.test \
//	    -test.run '^$' -test.bench BenchmarkImportMbox -test.benchtime 1x
//
// and -test.count N for several runs to compare with benchstat.
func BenchmarkImportMbox(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("SAK_BENCH_MESSAGES")); err == nil && v > 0 {
		n = v
	}
	path := generateMbox(b, n)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ResetTimer()
	var read int
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		e := clitest.SQLite(b)
		e.Seed()
		f, _, stderr := e.Factory("root")
		f.Output = "json"
		opts := &importcmd.Options{Factory: f, Kind: importcmd.KindMbox}
		cmd := importcmd.NewCmdMbox(f, func(o *importcmd.Options) error { opts = o; return nil })
		cmd.SetArgs([]string{path, "--queue", "support", "--progress-interval", "0"})
		if err := cmd.Execute(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := importcmd.Run(context.Background(), opts); err != nil {
			b.Fatalf("%v\n%s", err, stderr)
		}
		elapsed += time.Since(start)
		read += n
		b.StopTimer()
		f.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(read)/elapsed.Seconds(), "messages/s")
}

// generateMbox writes n messages to an mbox in the benchmark's temporary
// directory, streaming.
func generateMbox(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.mbox")
	fh, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(fh, 1<<20)
	w := &archive.MboxWriter{W: bw}
	text := "Hello,\n\nI cannot log in to the student portal since this morning. I have tried\n" +
		"resetting my password twice, and the page says my account is locked.\n\n" +
		"From what I understand this should not happen after a reset. Could you\n" +
		"have a look? My student number is in the signature.\n\nBest regards\n"
	threads := (n + 2) / 3
	for i := 0; i < n; i++ {
		thread, k := i%threads, i/threads // all first mails, then the replies
		date := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
		from := fmt.Sprintf("Student %d <s%d@student.example.com>", thread, thread)
		var raw []byte
		switch k {
		case 0:
			raw = fmt.Appendf(nil, "From: %s\nTo: support@example.org\nSubject: Cannot log in (%d)\nMessage-ID: <b%d.0@student.example.com>\nDate: %s\nContent-Type: text/plain; charset=utf-8\n\n%s",
				from, thread, thread, date.Format(time.RFC1123Z), text)
		case 1:
			raw = fmt.Appendf(nil, "From: %s\nTo: support@example.org\nSubject: Re: Cannot log in (%d)\nMessage-ID: <b%d.1@student.example.com>\nIn-Reply-To: <b%d.0@student.example.com>\nReferences: <b%d.0@student.example.com>\nDate: %s\n\nAny news?\n\n> %s",
				from, thread, thread, thread, thread, date.Format(time.RFC1123Z), text)
		default:
			raw = fmt.Appendf(nil, "From: %s\nTo: support@example.org\nSubject: [support #%d] still locked\nMessage-ID: <b%d.%d@student.example.com>\nDate: %s\n\nStill locked.\n",
				from, firstTicket+thread, thread, k, date.Format(time.RFC1123Z))
		}
		if err := w.Write(fmt.Sprintf("s%d@student.example.com", thread), date, raw); err != nil {
			b.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}
