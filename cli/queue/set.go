package queue

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// SetOptions are the options of 'sak queue set'.
type SetOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Name    string
	Change  mailstore.QueueChange
	// SignatureFile is read into Change.Signature ("-" for stdin).
	SignatureFile string
}

// NewCmdSet is 'sak queue set'.
func NewCmdSet(f *cmdutil.Factory, runF func(*SetOptions) error) *cobra.Command {
	opts := &SetOptions{Factory: f}
	var lang, digest, addr, comment, name, tag string
	var resolved bool
	cmd := &cobra.Command{
		Use:     "set NAME [--lang nb|en|nb+en] [--signature-file F] [--notify-resolved[=false]] [--digest-default HH:MM|off] [--address A] [--comment-address A] [--name N] [--tag T]",
		Aliases: []string{"edit"},
		Short:   "Set how a queue's mail is written, its addresses, name and tag",
		Long: `Set the language of the mail sak writes for a queue: nb (Norwegian
bokmål), en (English) or nb+en (the acknowledgement and the resolve notice
in both, Norwegian first; mail to caseworkers in Norwegian). New queues
write nb+en; queues from before sak had templates write en.

--signature-file sets the signature that closes mail to requestors (the
file "-" reads it from standard input; an empty file sets the queue's name
again). --notify-resolved mails requestors a short notice when their ticket
is resolved. --digest-default is the time of the daily digest of the
queue's caseworkers who chose none ('sak user set LOGIN --digest').

--address and --comment-address change the queue's addresses; each must be
no other queue's and no user's. Mail to an old address is refused from then
on, as mail to no queue: tell the senders first.

--name renames the queue; its addresses, tickets and roles stay as they
are, and so does its subject tag. --tag changes the subject tag of the
mail sak writes ("[TAG #ID]"). A queue keeps its old names and tags: the
history says what it said, a caseworker still sees the tickets moved out
of the queue before, the old name still finds the queue ('sak mailgate
--queue OLD' keeps delivering), and replies with the old tag still thread
to their tickets. So a name or tag that is or was another queue's, in any
case, is refused. 'sak queue show' lists the renames.

The queue's managers and sysadmins may; only sysadmins change addresses,
name and tag. 'sak queue edit' is the same command.`,
		Example: `  sak queue set opptak --lang nb+en --signature-file opptak-signatur.txt
  sak queue set support --notify-resolved --digest-default 07:30
  sak queue edit support --address help@example.org --comment-address help-comment@example.org
  sak queue edit support --name helpdesk --tag HD`,
		Args:              cmdutil.ExactArgs(1),
		ValidArgsFunction: completeQueues(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Name = cmd.Context(), args[0]
			fl := cmd.Flags()
			if fl.Changed("lang") {
				opts.Change.Lang = &lang
			}
			if fl.Changed("notify-resolved") {
				opts.Change.NotifyResolved = &resolved
			}
			if fl.Changed("digest-default") {
				opts.Change.DigestDefault = &digest
			}
			if fl.Changed("address") {
				opts.Change.Address = &addr
			}
			if fl.Changed("comment-address") {
				opts.Change.CommentAddress = &comment
			}
			if fl.Changed("name") {
				opts.Change.Name = &name
			}
			if fl.Changed("tag") {
				opts.Change.Tag = &tag
			}
			if opts.Change == (mailstore.QueueChange{}) && opts.SignatureFile == "" {
				return cmdutil.FlagErrorf("%s: nothing to set: give --lang, --signature-file, --notify-resolved, --digest-default, --address, --comment-address, --name or --tag", cmd.CommandPath())
			}
			if runF != nil {
				return runF(opts)
			}
			return setRun(opts)
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "", "the `language` of the queue's mail: nb, en or nb+en")
	cmd.Flags().StringVar(&opts.SignatureFile, "signature-file", "", "read the signature from `FILE` (- for stdin)")
	cmd.Flags().BoolVar(&resolved, "notify-resolved", false, "mail requestors when their ticket is resolved")
	cmd.Flags().StringVar(&addr, "address", "", "the queue's new correspond `ADDRESS` (sysadmins)")
	cmd.Flags().StringVar(&comment, "comment-address", "", "the queue's new comment `ADDRESS` (sysadmins)")
	cmd.Flags().StringVar(&name, "name", "", "the queue's new `NAME` (sysadmins)")
	cmd.Flags().StringVar(&tag, "tag", "", "the queue's new subject `TAG` (sysadmins)")
	cmd.Flags().StringVar(&digest, "digest-default", "", "daily digest `time` (HH:MM, or off) of caseworkers who chose none")
	return cmd
}

func setRun(opts *SetOptions) error {
	f := opts.Factory
	if opts.SignatureFile != "" {
		sig, err := readFile(f, opts.SignatureFile)
		if err != nil {
			return err
		}
		opts.Change.Signature = &sig
	}
	s, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	q, err := s.SetQueue(opts.Ctx, f.As, opts.Name, opts.Change)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, q)
	}
	out := f.IOStreams.Out
	if opts.Change.Name != nil {
		fmt.Fprintf(out, "Queue %s is called %s now; the old name still finds it.\n", cmdutil.Sanitize(opts.Name), cmdutil.Sanitize(q.Name))
	}
	if opts.Change.Tag != nil {
		fmt.Fprintf(out, "Mail sak writes for %s is tagged [%s #ID] now; replies with the queue's old tags still thread.\n", cmdutil.Sanitize(q.Name), cmdutil.Sanitize(q.Tag))
	}
	_, err = fmt.Fprintf(out, "Queue %s (%s, comments %s): mail in %s, resolve notice %s, digest default %s.\n",
		cmdutil.Sanitize(q.Name), cmdutil.Sanitize(q.Address), cmdutil.Sanitize(q.CommentAddress), q.Lang, onOff(q.NotifyResolved), or(q.DigestDefault, "off"))
	return err
}

// readFile reads a file named on the command line, "-" for stdin.
func readFile(f *cmdutil.Factory, name string) (string, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(f.IOStreams.In)
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	return string(b), nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
