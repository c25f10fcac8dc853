package smtpd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// FuzzDeliver runs arbitrary bytes through parsing, threading and storing:
// nothing may panic, every usable input not quarantined is stored with
// its exact bytes, and the stored text is valid UTF-8 (checkStored).
func FuzzDeliver(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.eml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	s := storetest.Open(f, fuzzDB(f))
	storetest.Desk(f, s)
	d := &Deliverer{Store: s}
	ctx := context.Background()
	route, err := d.Route(ctx, "support@example.org")
	if err != nil {
		f.Fatal(err)
	}
	comment, err := d.Route(ctx, "it-help-comment@example.org")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		env := &Envelope{MailFrom: "fuzz@example.net", Routes: []mailstore.Route{route, comment}}
		res, err := d.Deliver(ctx, env, raw)
		if errors.Is(err, ErrUnusable) {
			return
		}
		if err != nil {
			t.Fatalf("Deliver: %v", err)
		}
		if res.Quarantine != 0 {
			return // held back, not on a ticket
		}
		checkStored(t, s, "fuzz input", res.Ticket, raw)
	})
}

// fuzzDB puts the fuzz store on a memory file system when there is one:
// every delivery commits with fsync, which on a disk makes fuzzing (and
// its minimising of inputs) crawl.
func fuzzDB(f *testing.F) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "sak-fuzz-")
		if err == nil {
			f.Cleanup(func() { os.RemoveAll(dir) })
			return filepath.Join(dir, "sak.db")
		}
	}
	return filepath.Join(f.TempDir(), "sak.db")
}
