// Package rtimport holds 'sak import rt': moving a Request Tracker
// database, history and mail included, into sak.
package rtimport

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/importer/rt"
)

// RTOptions are the options of 'sak import rt'.
type RTOptions struct {
	Factory   *cmdutil.Factory
	Ctx       context.Context
	From      string            // RT's database: sqlite:PATH, a path, or postgres://…
	QueueMap  map[string]string // RT queue name → sak queue name
	Since     time.Time
	RTName    string
	BatchSize int
}

// NewCmdImportRT is 'sak import rt'.
func NewCmdImportRT(f *cmdutil.Factory, runF func(*RTOptions) error) *cobra.Command {
	opts := &RTOptions{Factory: f}
	var queueMap []string
	var since string
	cmd := &cobra.Command{
		Use:   "rt --from DSN [--queue-map RT=SAK,...] [--since DATE] [--rtname NAME]",
		Short: "Import a Request Tracker database: queues, caseworkers, tickets, history and mail",
		Long: `Import a Request Tracker (RT 4 or 5) database into sak, reading RT's own
tables read-only: SQLite (sqlite:PATH or a file path) or PostgreSQL
(postgres://…).

What comes over: queues (addresses, subject tag, description); privileged
users as caseworkers; RT's user-defined groups (teams) as groups of them;
the queue rights of users and groups mapped to roles (OwnTicket,
TakeTicket, ReplyToTicket: caseworker; AdminQueue, ModifyQueueWatchers:
manager; queue AdminCc: watcher; SuperUser: sysadmin), a group's granted
to the group; requestors and Ccs;
tickets with status, owner, priority, due date, times, merges and links;
every transaction with its actor and time; and every mail, rebuilt from
RT's attachments, attachments included. Nothing is sent. Only a sysadmin
may import, except into a store that has no sysadmin yet.

Ticket numbers stay RT's when sak has no tickets yet. Otherwise RT ticket N
becomes N+OFFSET, OFFSET being sak's highest ticket id at the first import;
it is printed, and kept for later runs. RT's $rtname (found in the database
unless --rtname is given) and the queues' own subject tags keep threading
replies to old mail to the imported tickets.

The import is resumable and incremental: run it again after an
interruption, or after RT got more mail, and it imports only what is new.
--since imports only tickets RT updated from DATE on.`,
		Example: `  sak import rt --from /var/lib/rt5/rt5.sqlite
  sak import rt --from postgres://rt@db/rt5 --queue-map General=support,IT=it-help
  sak import rt --from sqlite:rt.db --since 2024-01-01 -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if opts.From == "" {
				return cmdutil.FlagErrorf("--from is required: the RT database to import")
			}
			m, err := rt.ParseQueueMap(queueMap)
			if err != nil {
				return cmdutil.FlagErrorf("--queue-map: %v", err)
			}
			opts.QueueMap = m
			if since != "" {
				now := f.Clock()
				if opts.Since, err = cmdutil.ParsePast(since, now(), f.Loc()); err != nil {
					return cmdutil.FlagErrorf("--since: %v", err)
				}
			}
			if opts.BatchSize < 1 {
				return cmdutil.FlagErrorf("--batch must be at least 1")
			}
			if runF != nil {
				return runF(opts)
			}
			return runRT(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.From, "from", "", "the RT database: `DSN` (sqlite:PATH, a path, postgres://…)")
	fl.StringSliceVar(&queueMap, "queue-map", nil, "import RT queues into these sak queues: `RT=SAK,...`")
	fl.StringVar(&since, "since", "", "only tickets RT updated from `DATE` on")
	fl.StringVar(&opts.RTName, "rtname", "", "RT's $rtname (default: found in the database)")
	fl.IntVar(&opts.BatchSize, "batch", 100, "tickets per database transaction")
	return cmd
}

func runRT(opts *RTOptions) error {
	f := opts.Factory
	ctx := opts.Ctx
	ios := f.IOStreams
	// Importing RT is how a new installation begins: it may make the
	// database (RT's SuperUser becomes its first sysadmin).
	f.MayCreate = true
	s, err := f.Store(ctx)
	if err != nil {
		return err
	}
	// It adds queues, users and rights: a sysadmin's work (DESIGN.md),
	// unless the store has none yet and the import brings them.
	if err := s.RequireSysadminOrFirst(ctx, f.As, "import an RT database"); err != nil {
		return err
	}
	db, err := rt.Open(ctx, opts.From)
	if err != nil {
		return err
	}
	defer db.Close()
	log := slog.New(slog.NewTextHandler(ios.ErrOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
	every := 10 * time.Second
	if ios.IsTTY {
		every = 2 * time.Second
	}
	sum, err := rt.Import(ctx, db, s, rt.Options{RTName: opts.RTName, QueueMap: opts.QueueMap, Since: opts.Since,
		BatchSize: opts.BatchSize, Log: log, LogEvery: every, Now: f.Now})
	if err != nil {
		if sum != nil && sum.Tickets > 0 {
			fmt.Fprintf(ios.ErrOut, "sak: %d tickets were imported; run the same command again to go on\n", sum.Tickets)
		}
		return fmt.Errorf("import RT: %w", err)
	}
	if f.JSON() {
		return cmdutil.PrintJSON(ios.Out, sum)
	}
	w := ios.Out
	fmt.Fprintf(w, "RT %s imported (transactions %d to %d)", cmdutil.Sanitize(sum.Source), sum.FromTransaction, sum.ToTransaction)
	if sum.Offset != 0 {
		fmt.Fprintf(w, "; RT ticket N is sak ticket N+%d", sum.Offset)
	}
	fmt.Fprintln(w)
	t := cmdutil.NewTable(ios, cmdutil.Column{Header: "WHAT", Flex: true, Min: 12}, cmdutil.Column{Header: "COUNT", Right: true})
	for _, r := range []struct {
		what string
		n    int
	}{
		{"queues", sum.Queues}, {"queues existing", sum.QueuesExisting}, {"users", sum.Users}, {"groups", sum.Groups}, {"roles", sum.Roles},
		{"tickets", sum.Tickets}, {"tickets updated", sum.TicketsUpdated}, {"transactions", sum.Transactions},
		{"mails", sum.Mails}, {"attachments", sum.Attachments},
	} {
		t.AddRow(r.what, fmt.Sprint(r.n))
	}
	for _, r := range sum.SkipReasons() {
		t.AddRow("skipped: "+r, fmt.Sprint(sum.Skipped[r]))
	}
	if err := t.Render(w); err != nil {
		return err
	}
	for _, n := range sum.Notes {
		fmt.Fprintf(w, "note: %s\n", cmdutil.Sanitize(n))
	}
	if sum.Seconds > 0 {
		fmt.Fprintf(w, "%.1f s: %.1f tickets/s, %.1f mails/s\n", sum.Seconds, sum.TicketsPerSecond, sum.MailsPerSecond)
	}
	return nil
}
