package rt

import (
	"context"
	"strings"
	"testing"

	"sak/mailstore"
	"sak/mailstore/storetest"
)

// TestImportedRights reads an imported RT database as jonas, whose only
// team (IT-hjelp) makes him a caseworker of it-help: he lists, finds and
// counts it-help's tickets and those he owns, and no other.
func TestImportedRights(t *testing.T) {
	storetest.Each(t, func(t *testing.T, open storetest.Opener) {
		ctx := context.Background()
		e := loadExpected(t)
		s := open(t)
		importInto(t, ctx, openFixture(t, fixtureCopy(t)), s, Options{})
		jonas := s.As("jonas")

		ts, err := jonas.ListTickets(ctx, mailstore.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		inIT := 0
		for _, tk := range ts {
			switch {
			case tk.Queue == "it-help":
				inIT++
			case tk.OwnerLogin() != "jonas":
				t.Errorf("jonas lists ticket %d of %s, owned by %q", tk.ID, tk.Queue, tk.OwnerLogin())
			}
		}
		want := 0
		for _, n := range e.PerQueueStatusNotMerged["it-help"] {
			want += n
		}
		if inIT != want {
			t.Errorf("jonas lists %d tickets of it-help, want %d", inIT, want)
		}

		rows, _, err := jonas.Stats(ctx, mailstore.StatsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Queue != "it-help" || rows[0].Received != want-e.PerQueueStatusNotMerged["it-help"]["deleted"] {
			t.Errorf("jonas's stats = %+v, want it-help alone with %d received", rows, want)
		}

		// A ticket of opptak is found by root and not by jonas.
		all, err := s.As("root").ListTickets(ctx, mailstore.Filter{Queues: []string{"opptak"}, Limit: 1})
		if err != nil || len(all) == 0 {
			t.Fatalf("root lists opptak: %v, %v", all, err)
		}
		word := strings.Fields(all[0].Subject)[0]
		for as, want := range map[string]bool{"root": true, "jonas": false} {
			hits, err := s.As(as).Search(ctx, word, mailstore.SearchFilter{})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, h := range hits {
				found = found || h.ID == all[0].ID
				if as == "jonas" && h.Queue != "it-help" && h.OwnerLogin() != "jonas" {
					t.Errorf("jonas finds ticket %d of %s", h.ID, h.Queue)
				}
			}
			if found != want {
				t.Errorf("search %q as %s finds ticket %d: %v, want %v", word, as, all[0].ID, found, want)
			}
		}
		if _, err := jonas.Ticket(ctx, all[0].ID); err == nil {
			t.Errorf("jonas reads ticket %d of opptak", all[0].ID)
		}
	})
}
