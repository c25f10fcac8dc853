package serve

import (
	"context"
	"log/slog"

	"sak/mailstore"
)

// firstRun says in the log how to begin when the database has no queue:
// until one exists, every recipient is refused with 550.
func firstRun(ctx context.Context, store *mailstore.Store, log *slog.Logger) {
	qs, err := store.Queues(ctx)
	if err != nil || len(qs) > 0 {
		return
	}
	log.Warn("no queue yet: all mail is refused with 550 until one exists",
		"first_run", "sak user add LOGIN --email ADDR --sysadmin; sak queue create NAME --address ADDR --as LOGIN",
		"db", store.String())
}

// sendDigests queues the caseworkers' daily digests that are due; the
// reminder ticker calls it every minute. On PostgreSQL several sak serve
// share the work, each digest leased by one of them.
func sendDigests(ctx context.Context, store *mailstore.Store, log *slog.Logger) {
	if n, err := store.SendDueDigests(mailstore.WithVia(ctx, "serve")); err != nil && ctx.Err() == nil {
		log.Error("send digests", "err", err)
	} else if n > 0 {
		log.Info("digests queued", "count", n)
	}
}
