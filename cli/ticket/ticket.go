// Package ticket holds 'sak ticket': creating, listing, showing and working
// tickets. Each verb is one file; the status changes (take, steal,
// untake, resolve, reject, stall, open) are made from one table in
// status.go.
package ticket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/cli/remind"
)

// NewCmdTicket is the 'sak ticket' group.
func NewCmdTicket(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ticket <command>",
		Short: "Create, list, show and work tickets",
		Example: `  sak ticket list --owner me
  sak ticket show 42
  sak ticket take 42
  echo "Fixed, please try again." | sak ticket reply 42`,
		Args: cmdutil.GroupArgs,
		RunE: cmdutil.GroupRun,
	}
	cmd.AddCommand(NewCmdCreate(f, nil), NewCmdList(f, nil), NewCmdShow(f, nil))
	for _, v := range StatusVerbs {
		cmd.AddCommand(NewCmdStatus(f, v, nil))
	}
	cmd.AddCommand(remind.NewCmdRemind(f, nil), remind.NewCmdReminders(f, nil))
	cmd.AddCommand(NewCmdGive(f, nil), NewCmdMove(f, nil), NewCmdMerge(f, nil), NewCmdComment(f, nil), NewCmdReply(f, nil), NewCmdPromote(f, nil), NewCmdMail(f, nil), NewCmdCc(f, nil))
	cmd.AddCommand(NewCmdEdit(f, nil), NewCmdLink(f, nil), NewCmdUnlink(f, nil), NewCmdRequestor(f, nil))
	cmd.AddCommand(NewCmdWatch(f, nil), NewCmdUnwatch(f, nil), NewCmdTime(f, nil), NewCmdPurge(f, nil))
	return cmd
}

// afterChange reports a change to ticket id: one confirmation line, or
// with -o json the ticket as it is now. id is followed through merges, and
// say makes the line from the ticket's current number.
func afterChange(ctx context.Context, f *cmdutil.Factory, d cmdutil.Desk, id int64, say func(id int64) string) error {
	now, err := d.Resolve(ctx, f.As, id)
	if err != nil {
		return err
	}
	if f.JSON() {
		t, err := d.Ticket(ctx, f.As, now)
		if err != nil {
			return err
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, t)
	}
	line := say(now)
	if now != id {
		line = fmt.Sprintf("(ticket %d was merged into %d) %s", id, now, line)
	}
	_, err = fmt.Fprintln(f.IOStreams.Out, line)
	return err
}

// maxText is the most text 'comment' and 'reply' read from stdin.
const maxText = 10 << 20

// errEmptyText is the refusal of an empty comment or reply.
var errEmptyText = errors.New("nothing to send: the text is empty (give it with -m TEXT or on stdin)")

// readFiles reads the files given with --attach.
func readFiles(paths []string) ([]cmdutil.File, error) {
	var files []cmdutil.File
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("attach %s: %w", p, err)
		}
		files = append(files, cmdutil.File{Name: filepath.Base(p), Data: data})
	}
	return files, nil
}

// readText is the text of a comment or reply: -m's value when given, else
// stdin. An empty text is refused.
func readText(ios *cmdutil.IOStreams, message string, given bool) (string, error) {
	text := message
	if !given {
		if ios.InIsTTY {
			fmt.Fprintln(ios.ErrOut, "Type the text, then Ctrl-D on a line of its own to send it (Ctrl-C cancels).")
		}
		b, err := io.ReadAll(io.LimitReader(ios.In, maxText+1))
		if err != nil {
			return "", fmt.Errorf("read text from stdin: %w", err)
		}
		if len(b) > maxText {
			return "", fmt.Errorf("the text on stdin is longer than %d MB", maxText>>20)
		}
		text = string(b)
	}
	if strings.TrimSpace(text) == "" {
		return "", errEmptyText
	}
	return text, nil
}
