package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// CheckOptions are the options of 'sak db check'.
type CheckOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	MaxAge  time.Duration
	Timeout time.Duration
}

// ErrUnhealthy is the error 'sak db check' ends with (exit status 1) when
// it found problems; the report itself is on standard output.
var ErrUnhealthy = errors.New("database check found problems")

// NewCmdCheck is 'sak db check'.
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the database: schema version, integrity, outbox backlog",
		Long: `Check the database without changing it, for monitoring scripts and
after a restore or a failover:

  - the schema version in the database against this sak's;
  - integrity: on SQLite, PRAGMA integrity_check and foreign_key_check
    (they read the whole file: minutes on a large database); on
    PostgreSQL, that the tables answer and the server is not a read-only
    standby;
  - the outbox backlog: rows waiting, rows failed for good, and the age of
    the oldest waiting row, which is a problem beyond --max-outbox-age
    (relay down, or no 'sak serve --relay' running).

Exits 0 when all is well and 1 when something is wrong; -o json prints the
whole report for a script either way.`,
		Example: `  sak db check
  SAK_DB=postgres://sak@db.example.org/sak sak db check -o json
  # Nagios-style cron check: mail the report when it fails
  sak db check --max-outbox-age 30m || mail -s "sak db check" root`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return checkRun(opts)
		},
	}
	cmd.Flags().DurationVar(&opts.MaxAge, "max-outbox-age", time.Hour, "an unsent outbox row older than this is a problem; 0 to ignore the age")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 10*time.Minute, "give up after this long")
	return cmd
}

func checkRun(opts *CheckOptions) error {
	f := opts.Factory
	ctx, cancel := context.WithTimeout(opts.Ctx, opts.Timeout)
	defer cancel()
	// The raw store: a schema of the wrong version is something to
	// report, not a reason to stop.
	s, err := f.RawStore(ctx)
	if err != nil {
		return err
	}
	h, err := s.Check(ctx, opts.MaxAge)
	if err != nil {
		return fmt.Errorf("check %s: %w", cmdutil.Sanitize(s.String()), err)
	}
	if f.JSON() {
		if err := cmdutil.PrintJSON(f.IOStreams.Out, healthJSON(h, f.Clock())); err != nil {
			return err
		}
	} else if err := printHealth(f, h); err != nil {
		return err
	}
	if !h.OK() {
		return ErrUnhealthy
	}
	return nil
}

// checkJSON is the -o json report: stable field names for scripts.
type checkJSON struct {
	OK            bool        `json:"ok"`
	Database      string      `json:"database"`
	Dialect       string      `json:"dialect"`
	SchemaVersion int         `json:"schema_version"`
	CodeVersion   int         `json:"code_version"`
	Integrity     []string    `json:"integrity"`
	Outbox        *outboxJSON `json:"outbox"` // null when it could not be read
	Problems      []string    `json:"problems"`
}

type outboxJSON struct {
	Pending          int        `json:"pending"`
	Failed           int        `json:"failed"`
	OldestPending    *time.Time `json:"oldest_pending"` // null when nothing waits
	OldestAgeSeconds float64    `json:"oldest_pending_age_seconds"`
}

func healthJSON(h *mailstore.Health, now func() time.Time) checkJSON {
	out := checkJSON{OK: h.OK(), Database: h.Database, Dialect: h.Dialect, SchemaVersion: h.SchemaVersion,
		CodeVersion: h.CodeVersion, Integrity: h.Integrity, Problems: h.Problems}
	if o := h.Outbox; o != nil {
		out.Outbox = &outboxJSON{Pending: o.Pending, Failed: o.Failed}
		if !o.Oldest.IsZero() {
			oldest := o.Oldest
			out.Outbox.OldestPending = &oldest
			out.Outbox.OldestAgeSeconds = max(now().Sub(oldest).Seconds(), 0)
		}
	}
	return out
}

func printHealth(f *cmdutil.Factory, h *mailstore.Health) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Database:   %s\n", cmdutil.Sanitize(h.Database))
	fmt.Fprintf(&b, "Schema:     version %d (this sak: %d)\n", h.SchemaVersion, h.CodeVersion)
	integrity := strings.Join(h.Integrity, "; ")
	if integrity == "" {
		integrity = "not checked"
	}
	fmt.Fprintf(&b, "Integrity:  %s\n", cmdutil.Sanitize(integrity))
	if o := h.Outbox; o != nil {
		fmt.Fprintf(&b, "Outbox:     %d waiting, %d failed", o.Pending, o.Failed)
		if !o.Oldest.IsZero() {
			fmt.Fprintf(&b, ", oldest waiting since %s", cmdutil.FormatTime(o.Oldest, f.Loc()))
		}
		b.WriteByte('\n')
	}
	if h.OK() {
		b.WriteString("Status:     ok\n")
	} else {
		for _, p := range h.Problems {
			fmt.Fprintf(&b, "Problem:    %s\n", cmdutil.Sanitize(p))
		}
	}
	_, err := fmt.Fprint(f.IOStreams.Out, b.String())
	return err
}
