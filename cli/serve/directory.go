package serve

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"

	"sak/importer/ldapdir"
	"sak/mailstore"
)

// Directory sync of 'sak serve --directory-sync': how long one front
// end's lease lasts (a front end that dies mid-sync holds it this long),
// how often a front end looks whether a sync is due, and how long all
// wait after a sync that failed.
const (
	dirSyncHold  = 10 * time.Minute
	dirSyncCheck = time.Minute
	dirSyncRetry = 5 * time.Minute
)

// directorySync runs the directory sync every `every` until ctx ends: each
// front end looks every minute (or every `every`, when shorter), and the
// one that gets the lease reads the directory and syncs; the others wait
// for the next one due.
func directorySync(ctx context.Context, store *mailstore.Store, cfg ldapdir.Config, every time.Duration, log *slog.Logger) {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	holder := fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
	log = log.With("directory", cfg.URL)
	log.Info("directory sync on", "every", every, "base", cfg.Base, "filter", cfg.Filter)
	t := time.NewTicker(min(every, dirSyncCheck))
	defer t.Stop()
	for {
		syncDirectoryOnce(ctx, store, cfg, holder, every, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// syncDirectoryOnce syncs when the sync is due and this front end gets
// its lease.
func syncDirectoryOnce(ctx context.Context, store *mailstore.Store, cfg ldapdir.Config, holder string, every time.Duration, log *slog.Logger) {
	ok, err := store.ClaimDirectorySync(ctx, holder, every, dirSyncHold)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("directory sync: lease", "err", err)
		}
		return
	}
	if !ok {
		return
	}
	start := time.Now()
	var r *mailstore.DirectoryReport
	d, err := ldapdir.Read(ctx, cfg)
	if err == nil {
		r, err = store.SyncDirectoryLeased(ctx, holder, d)
	}
	// Ended by a shutdown or not, the lease is given back.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if ferr := store.FinishDirectorySync(fctx, holder, err == nil, min(every, dirSyncRetry)); ferr != nil {
		log.Error("directory sync: give back the lease", "err", ferr)
	}
	if err != nil {
		if ctx.Err() == nil {
			log.Error("directory sync failed", "err", err, "retry_in", min(every, dirSyncRetry))
		}
		return
	}
	for _, c := range r.Changes {
		level := slog.LevelInfo
		if c.Action == mailstore.DirSkip {
			level = slog.LevelWarn
		}
		args := []any{"login", c.Login, "email", c.Email}
		if len(c.Changed) > 0 {
			args = append(args, "changed", c.Changed)
		}
		if c.Reason != "" {
			args = append(args, "reason", c.Reason)
		}
		log.Log(ctx, level, "directory sync: "+c.Action, args...)
	}
	log.Info("directory synced", "users", r.Users,
		"added", r.Count(mailstore.DirAdd), "adopted", r.Count(mailstore.DirAdopt), "changed", r.Count(mailstore.DirChange),
		"disabled", r.Count(mailstore.DirDisable), "enabled", r.Count(mailstore.DirEnable), "skipped", r.Count(mailstore.DirSkip),
		"duration", time.Since(start))
}
