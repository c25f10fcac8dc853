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
