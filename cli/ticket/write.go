package ticket

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// WriteOptions are the options of 'sak ticket reply' and 'sak ticket
// comment': the two ways a caseworker writes on a ticket.
type WriteOptions struct {
	Factory    *cmdutil.Factory
	Ctx        context.Context
	Kind       string // "reply" or "comment"
	ID         int64
	Message    string
	MessageSet bool // -m was given
	Attach     []string
}

// writeKind is what tells a reply from a comment in the command's words.
type writeKind struct {
	short, long, example, text string
}

var writeKinds = map[string]writeKind{
	"reply": {
		short: "Answer a ticket's requestors by mail",
		long: `Answer a ticket: the text is mailed from the queue's address to the
requestors and Ccs, and kept on the ticket. A new ticket becomes open. The
text is -m's value; without -m, on a terminal, it is written in your
editor ($VISUAL, else $EDITOR, else vi) below the message it answers;
otherwise it is read from stdin. Lines that start with '#' are left out,
and an empty text sends nothing.`,
		example: `  sak ticket reply 42
  sak ticket reply 42 -m "The printer is fixed; please try again."
  sak ticket reply 42 < answer.txt
  sak ticket reply 42 -m "Fill in the form, please." --attach skjema.pdf`,
		text: "the reply's `text` (default: your editor on a terminal, else stdin)",
	},
	"comment": {
		short: "Add an internal comment to a ticket",
		long: `Add an internal comment to a ticket. It is mailed to the owner and the
queue's watchers, never to the requestors. The text is -m's value;
without -m, on a terminal, it is written in your editor ($VISUAL, else
$EDITOR, else vi); otherwise it is read from stdin. Lines that start with
'#' are left out, and an empty text adds nothing.`,
		example: `  sak ticket comment 42
  sak ticket comment 42 -m "Called Pat, the printer is out of warranty."
  sak ticket comment 42 < notes.txt`,
		text: "the comment's `text` (default: your editor on a terminal, else stdin)",
	},
}

// NewCmdReply is 'sak ticket reply'.
func NewCmdReply(f *cmdutil.Factory, runF func(*WriteOptions) error) *cobra.Command {
	return newCmdWrite(f, "reply", runF)
}

// NewCmdComment is 'sak ticket comment'.
func NewCmdComment(f *cmdutil.Factory, runF func(*WriteOptions) error) *cobra.Command {
	return newCmdWrite(f, "comment", runF)
}

func newCmdWrite(f *cmdutil.Factory, kind string, runF func(*WriteOptions) error) *cobra.Command {
	opts := &WriteOptions{Factory: f, Kind: kind}
	k := writeKinds[kind]
	cmd := &cobra.Command{
		Use:               kind + " ID [-m TEXT]",
		Short:             k.short,
		Long:              k.long,
		Example:           k.example,
		Args:              cmdutil.ExactArgs(1),
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			opts.Ctx, opts.MessageSet = cmd.Context(), cmd.Flags().Changed("message")
			if runF != nil {
				return runF(opts)
			}
			return writeRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Message, "message", "m", "", k.text)
	cmd.Flags().StringArrayVar(&opts.Attach, "attach", nil, "attach `FILE` (repeat the flag for more; about 7 MiB of files in all)")
	return cmd
}

func writeRun(opts *WriteOptions) error {
	f := opts.Factory
	files, err := readFiles(opts.Attach)
	if err != nil {
		return err
	}
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	var text string
	if !opts.MessageSet && f.IOStreams.InIsTTY {
		text, err = editText(opts, d)
	} else {
		text, err = readText(f.IOStreams, opts.Message, opts.MessageSet)
	}
	if err != nil {
		return err
	}
	if opts.Kind == "comment" {
		if err := d.Comment(opts.Ctx, f.As, opts.ID, text, files); err != nil {
			return err
		}
		return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
			return fmt.Sprintf("Comment added to ticket %d.", id)
		})
	}
	rcpts, err := d.Reply(opts.Ctx, f.As, opts.ID, text, files)
	if err != nil {
		return err
	}
	return afterChange(opts.Ctx, f, d, opts.ID, func(id int64) string {
		if len(rcpts) == 0 {
			return fmt.Sprintf("Reply added to ticket %d; it has nobody to mail it to.", id)
		}
		return fmt.Sprintf("Reply to ticket %d queued for %s.", id, cmdutil.Sanitize(strings.Join(rcpts, ", ")))
	})
}

// editText is the text of a comment or reply written in the editor, in a
// template that says where it goes and quotes the message it answers (a
// reply the last mail with the requestors, a comment the last message of
// any kind) as lines that are left out, as 'git commit' does.
func editText(opts *WriteOptions, d cmdutil.Desk) (string, error) {
	f := opts.Factory
	id, err := d.Resolve(opts.Ctx, f.As, opts.ID)
	if err != nil {
		return "", err
	}
	t, err := d.Ticket(opts.Ctx, f.As, id)
	if err != nil {
		return "", err
	}
	txs, err := d.History(opts.Ctx, f.As, id)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n# Write your %s on ticket %d (%s) above these lines.\n", opts.Kind, id, oneLine(t.Subject))
	if opts.Kind == "reply" {
		fmt.Fprintf(&b, "# It is mailed to %s.\n", oneLine(strings.Join(append(slices.Clone(t.Requestors), t.Ccs...), ", ")))
	} else {
		b.WriteString("# It is mailed to the owner and the queue's watchers, never to the requestors.\n")
	}
	fmt.Fprintf(&b, "# Lines that start with '#' are left out; an empty %s is not sent.\n", opts.Kind)
	for i := len(txs) - 1; i >= 0; i-- {
		m := txs[i].Message
		if m == nil || (opts.Kind == "reply" && txs[i].Type == mailstore.TxComment) {
			continue
		}
		when := txs[i].Created
		if m.Date != nil {
			when = *m.Date
		}
		fmt.Fprintf(&b, "#\n# On %s, %s wrote:\n", cmdutil.FormatTime(when, f.Loc()), oneLine(m.From))
		cmdutil.QuoteComment(&b, cmdutil.SanitizeText(m.Text))
		break
	}
	text, err := f.Edit(fmt.Sprintf("ticket-%d-%s.txt", id, opts.Kind), b.String())
	if err != nil {
		return "", err
	}
	if text == "" {
		return "", fmt.Errorf("nothing sent: the %s is empty, so ticket %d is as it was", opts.Kind, id)
	}
	return text, nil
}

// oneLine is s on one line, safe to show.
func oneLine(s string) string {
	return cmdutil.Sanitize(strings.Join(strings.Fields(s), " "))
}
