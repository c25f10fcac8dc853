package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
	"sak/smtpd"
)

// MailgateOptions are the flags of 'sak mailgate'.
type MailgateOptions struct {
	Factory   *cmdutil.Factory
	Recipient string
	Queue     string
	Action    string
	Sender    string
	MaxSize   string
	Timeout   time.Duration
	LogFormat string
	LogLevel  string
	auth      authFlags
}

// ExitError ends sak with a sysexits status, as an MTA pipe transport
// understands it: 75 retries later, 67 and 65 bounce.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }
func (e *ExitError) ExitCode() int { return e.Code }
func exitErr(err error) *ExitError { return &ExitError{Code: smtpd.ExitCode(err), Err: err} }

// NewCmdMailgate makes 'sak mailgate'.
func NewCmdMailgate(f *cmdutil.Factory, runF func(*MailgateOptions) error) *cobra.Command {
	opts := &MailgateOptions{Factory: f}
	cmd := &cobra.Command{
		// A broken config file keeps the mail at the MTA (75), as any
		// failure an admin can mend does.
		Annotations: map[string]string{cmdutil.SetupExitCode: "75"},
		Use:         "mailgate (--recipient ADDR | --queue Q [--action correspond|comment])",
		Short:       "Deliver one message from standard input, for an MTA pipe transport",
		Long: `Deliver one message, read from standard input, exactly as 'sak serve' would
deliver it over SMTP: the same routing, threading and storage.

Exit status, as sysexits(3) and MTA pipe transports understand it:
  0   delivered (or already delivered: the same mail is stored once)
  75  temporary failure (EX_TEMPFAIL): the MTA keeps the mail and retries
  67  no queue has the recipient address (EX_NOUSER)
  65  the input is not a message (EX_DATAERR)`,
		Example: `  # Postfix master.cf pipe transport:
  #   sak unix - n n - - pipe flags=Rq user=sak argv=/usr/local/bin/sak mailgate --recipient ${recipient} --sender ${sender}
  sak mailgate --recipient support@example.org --sender pat@example.com < mail.eml
  sak mailgate --queue support --action comment < note.eml`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (opts.Recipient == "") == (opts.Queue == "") {
				return cmdutil.FlagErrorf("give one of --recipient or --queue")
			}
			if opts.Action != "correspond" && opts.Action != "comment" {
				return cmdutil.FlagErrorf("--action must be correspond or comment, not %q", opts.Action)
			}
			if runF != nil {
				return runF(opts)
			}
			return runMailgate(cmd, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Recipient, "recipient", "", "the envelope recipient, a queue address")
	fl.StringVar(&opts.Queue, "queue", "", "deliver to this queue instead of routing a recipient")
	fl.StringVar(&opts.Action, "action", "correspond", "with --queue: correspond or comment")
	fl.StringVar(&opts.Sender, "sender", "", "the envelope sender (reverse-path); empty for the null sender")
	fl.StringVar(&opts.MaxSize, "max-size", "25M", "largest message accepted")
	fl.DurationVar(&opts.Timeout, "timeout", 2*time.Minute, "longest the delivery may take before it counts as a temporary failure")
	fl.StringVar(&opts.LogFormat, "log-format", "text", "log format: text or json")
	fl.StringVar(&opts.LogLevel, "log-level", "warn", "log level: debug, info, warn, error")
	// The pipe transport is run by the local MTA: it is the relay. Who
	// can run the mailgate can open the database, and could act as anyone
	// there: trusting its headers gives away nothing more.
	opts.auth.register(cmd, []string{"127.0.0.1/32"}, "CIDR of the MTAs whose Authentication-Results headers are trusted (repeatable); the mailgate counts as 127.0.0.1")
	return cmd
}

func runMailgate(cmd *cobra.Command, opts *MailgateOptions) error {
	log, err := newLogger(opts.Factory.IOStreams.ErrOut, opts.LogFormat, opts.LogLevel)
	if err != nil {
		return err
	}
	maxSize, err := cmdutil.ParseSize(opts.MaxSize)
	if err != nil {
		return cmdutil.FlagErrorf("--max-size: %v", err)
	}
	auth, err := opts.auth.verifier(log)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(io.LimitReader(opts.Factory.IOStreams.In, maxSize+1))
	if err != nil {
		return &ExitError{Code: 75, Err: fmt.Errorf("read message: %w", err)}
	}
	if int64(len(raw)) > maxSize {
		return &ExitError{Code: 65, Err: fmt.Errorf("message is larger than --max-size %s", opts.MaxSize)}
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), opts.Timeout)
	defer cancel()
	// SQLite's wait for another process's lock does not see ctx, and a
	// delivery's statements each wait (the store tries a busy
	// transaction four times, and looks up the queue and the secret
	// outside it): each waits an eighth of the delivery's time, so that
	// all of them together stay within it.
	opts.Factory.StoreOptions = append(opts.Factory.StoreOptions, mailstore.WithBusyTimeout(opts.Timeout/8))
	store, err := opts.Factory.Store(ctx)
	if err != nil {
		return exitErr(err)
	}
	d := &smtpd.Deliverer{Store: store, Log: log, Verifier: auth}
	var route mailstore.Route
	if opts.Queue != "" {
		q, err := store.Queue(ctx, opts.Queue)
		if err != nil {
			return exitErr(err)
		}
		route = mailstore.Route{Queue: q, Comment: opts.Action == "comment"}
	} else if route, err = d.Route(ctx, opts.Recipient); err != nil {
		return exitErr(err)
	}
	env := &smtpd.Envelope{MailFrom: opts.Sender, Routes: []mailstore.Route{route}, Remote: net.IPv4(127, 0, 0, 1)}
	res, err := d.Deliver(ctx, env, raw)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("delivery took longer than %s: %w", opts.Timeout, err)
		}
		return exitErr(err)
	}
	if opts.Factory.JSON() {
		return cmdutil.PrintJSON(opts.Factory.IOStreams.Out, res)
	}
	return nil
}
