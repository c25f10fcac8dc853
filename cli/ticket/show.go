package ticket

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// ShowOptions are the options of 'sak ticket show'.
type ShowOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	ID      int64
}

// NewCmdShow is 'sak ticket show'.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a ticket and its history",
		Long: `Show a ticket: its queue, status, owner and people, then its whole history
oldest first, with each mail's decoded text and attachments. A ticket that
was merged shows the ticket it was merged into. Fields imported from RT that
sak has no verb for (custom fields) are shown under "Fields" and cannot be
changed.`,
		Example:           "  sak ticket show 42\n  sak ticket show '#42' -o json | jq '.transactions[] | select(.type == \"correspond\")'",
		Args:              cmdutil.ExactArgs(1),
		ValidArgsFunction: f.CompleteArgs(cmdutil.TicketWords),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ID, err = cmdutil.ParseTicketID(args[0]); err != nil {
				return err
			}
			opts.Ctx = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
}

func showRun(opts *ShowOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	id, err := d.Resolve(opts.Ctx, f.As, opts.ID)
	if err != nil {
		return err
	}
	t, err := d.Ticket(opts.Ctx, f.As, id)
	if err != nil {
		return err
	}
	txs, err := d.History(opts.Ctx, f.As, id)
	if err != nil {
		return err
	}
	if txs == nil {
		txs = []mailstore.Transaction{}
	}
	ios := f.IOStreams
	merged := ""
	if id != opts.ID {
		merged = fmt.Sprintf("ticket %d was merged into %d", opts.ID, id)
	}
	if f.JSON() {
		if merged != "" {
			fmt.Fprintf(ios.ErrOut, "sak: %s\n", merged)
		}
		return cmdutil.PrintJSON(ios.Out, mailstore.Detail{Ticket: t, Transactions: txs})
	}
	// A ticket's history is long: on a terminal it goes through the pager.
	return f.Page(func() error {
		if merged != "" {
			fmt.Fprintln(ios.Out, strings.ToUpper(merged[:1])+merged[1:]+".")
			fmt.Fprintln(ios.Out)
		}
		return printTicket(ios.Out, f, t, txs)
	})
}

func printTicket(w io.Writer, f *cmdutil.Factory, t *mailstore.Ticket, txs []mailstore.Transaction) error {
	c := cmdutil.Color{Enabled: f.IOStreams.Color}
	loc := f.Loc()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", c.Bold(fmt.Sprintf("#%d", t.ID)), c.Bold(cmdutil.Sanitize(t.Subject)))
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%-14s%s\n", name+":", value)
		}
	}
	owner := t.OwnerLogin()
	if owner == "" {
		owner = "nobody"
	}
	list := func(xs []string) string { return cmdutil.Sanitize(strings.Join(xs, ", ")) }
	field("Queue", cmdutil.Sanitize(t.Queue))
	field("Status", c.Status(t.Status))
	field("Owner", cmdutil.Sanitize(owner))
	people := func(addrs []string) string {
		out := make([]string, len(addrs))
		for i, a := range addrs {
			out[i] = t.Person(a)
		}
		return list(out)
	}
	field("Requestors", people(t.Requestors))
	field("Ccs", people(t.Ccs))
	field("Also sent to", list(t.AlsoSentTo))
	field("Watchers", list(t.Watchers))
	field("Created", cmdutil.FormatTime(t.Created, loc))
	field("Updated", cmdutil.FormatTime(t.Updated, loc))
	if t.Resolved != nil {
		field("Resolved", cmdutil.FormatTime(*t.Resolved, loc))
	}
	if t.Priority != 0 {
		field("Priority", fmt.Sprint(t.Priority))
	}
	if t.Due != nil {
		field("Due", cmdutil.FormatTime(*t.Due, loc))
	}
	if t.TimeWorked != 0 {
		field("Time worked", minutes(t.TimeWorked))
	}
	if t.TimeEstimated != 0 {
		field("Estimated", minutes(t.TimeEstimated))
	}
	for i, l := range t.Links {
		name := ""
		if i == 0 {
			name = "Links"
		}
		fmt.Fprintf(&b, "%-14s%s\n", name+strings.Repeat(":", min(len(name), 1)), cmdutil.Sanitize(LinkText(l)))
	}
	// Fields sak keeps but has no verb for (custom fields of RT).
	for i, f := range t.Fields {
		name := ""
		if i == 0 {
			name = "Fields:"
		}
		fmt.Fprintf(&b, "%-14s%s: %s\n", name, cmdutil.Sanitize(f.Name), cmdutil.Sanitize(f.Value))
	}
	b.WriteString("\n")
	b.WriteString(c.Bold("History") + "\n")
	actorWidth := 0
	for _, tx := range txs {
		actorWidth = max(actorWidth, len([]rune(actorName(tx))))
	}
	actorWidth = min(actorWidth, 24)
	prevMessage := false
	for i, tx := range txs {
		// A mail and its text stand apart from the lines around them.
		if i > 0 && (tx.Message != nil || prevMessage) {
			b.WriteString("\n")
		}
		prevMessage = tx.Message != nil
		actor := cmdutil.Truncate(cmdutil.Sanitize(actorName(tx)), actorWidth)
		fmt.Fprintf(&b, "%s  %-*s  %s\n", c.Dim(cmdutil.FormatTime(tx.Created, loc)), actorWidth, actor, describe(t.ID, tx, loc))
		if m := tx.Message; m != nil {
			printMessage(&b, c, t, m)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// minutes is a number of minutes as people read it: "90 min (1h30m)".
func minutes(n int) string {
	if n < 60 {
		return fmt.Sprintf("%d min", n)
	}
	return fmt.Sprintf("%d min (%s)", n, cmdutil.FormatDuration(time.Duration(n)*time.Minute))
}

// minuteValue is minutes as a transaction row holds them.
func minuteValue(v string) string {
	n, err := strconv.Atoi(v)
	if err != nil {
		return cmdutil.Sanitize(v)
	}
	return minutes(n)
}

// linkSays is what a link of each type says, from the linking ticket and
// from the other.
var linkSays = map[string][2]string{
	mailstore.LinkDependsOn: {"depends on", "depends on this"},
	mailstore.LinkRefersTo:  {"refers to", "refers to this"},
	mailstore.LinkMemberOf:  {"member of", "is a member of this"},
}

// LinkText is a link as a phrase: "depends on #5", "#7 depends on this".
func LinkText(l mailstore.Link) string {
	says, ok := linkSays[l.Type]
	if !ok {
		says = [2]string{l.Type, l.Type + " this"}
	}
	target := l.URI
	if l.Ticket != 0 {
		target = fmt.Sprintf("#%d", l.Ticket)
	}
	if l.Direction == "in" {
		return target + " " + says[1]
	}
	return says[0] + " " + target
}

// showTime is an RFC 3339 time of a transaction row as the CLI writes
// times in loc, or "none" for "".
func showTime(v string, loc *time.Location) string {
	if v == "" {
		return "none"
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return cmdutil.Sanitize(v)
	}
	return cmdutil.FormatTime(t, loc)
}

// actorName is who acted: a login, an address, or sak itself; and the
// sysadmin who acted for them over the API.
func actorName(tx mailstore.Transaction) string {
	if tx.Actor == "" {
		return "sak"
	}
	if tx.Agent != "" {
		return tx.Actor + " (by " + tx.Agent + ")"
	}
	return tx.Actor
}

// indent is how far message details are indented under their line.
const indent = "    "

func printMessage(b *strings.Builder, c cmdutil.Color, t *mailstore.Ticket, m *mailstore.Message) {
	from := "From: " + cmdutil.Sanitize(m.From)
	for _, fl := range m.Flags {
		from += " " + c.Red("["+cmdutil.Sanitize(fl)+"]")
	}
	b.WriteString(indent + from + "\n")
	if m.Subject != "" && !strings.Contains(m.Subject, t.Subject) { // not just "[support #42] " + the ticket's
		b.WriteString(indent + "Subject: " + cmdutil.Sanitize(m.Subject) + "\n")
	}
	for _, a := range m.Attachments {
		name := a.Name
		if name == "" {
			name = "(unnamed)"
		}
		fmt.Fprintf(b, "%sAttachment: %s (%s, %s)\n", indent, cmdutil.Sanitize(name), cmdutil.Sanitize(a.ContentType), cmdutil.HumanSize(a.Size))
	}
	if len(m.Attachments) > 0 {
		fmt.Fprintf(b, "%s%s\n", indent, c.Dim(fmt.Sprintf("(mail %d: sak ticket mail %d %d > mail.eml)", m.ID, t.ID, m.ID)))
	}
	text := strings.TrimRight(cmdutil.SanitizeText(m.Text), " \t\n")
	if strings.TrimSpace(text) == "" {
		return
	}
	b.WriteString("\n")
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString(indent + line + "\n")
	}
}

// describe is a transaction as a sentence, after its time and actor.
func describe(ticket int64, tx mailstore.Transaction, loc *time.Location) string {
	s := cmdutil.Sanitize
	var d string
	switch tx.Type {
	case mailstore.TxCreate:
		d = "created the ticket"
	case mailstore.TxCorrespond:
		if strings.Contains(tx.Actor, "@") || tx.Actor == "" {
			d = "wrote"
		} else {
			d = "replied to the requestors"
		}
	case mailstore.TxComment:
		d = "commented"
	case mailstore.TxStatus:
		d = fmt.Sprintf("changed the status from %s to %s", s(tx.Old), s(tx.New))
	case mailstore.TxTake:
		d = "took the ticket"
	case mailstore.TxSteal:
		d = "stole the ticket from " + s(tx.Old)
	case mailstore.TxGive, mailstore.TxUntake:
		switch {
		case tx.New == "" && (tx.Old == "" || tx.Old == tx.Actor):
			d = "released the ticket"
		case tx.New == "":
			d = "released the ticket (was " + s(tx.Old) + ")"
		case tx.Old == "":
			d = "gave the ticket to " + s(tx.New)
		default:
			d = fmt.Sprintf("gave the ticket to %s (was %s)", s(tx.New), s(tx.Old))
		}
	case mailstore.TxMove:
		d = fmt.Sprintf("moved the ticket from %s to %s", s(tx.Old), s(tx.New))
	case mailstore.TxMerge:
		d = fmt.Sprintf("merged #%d into #%s", tx.TicketID, s(tx.New))
	case mailstore.TxMergedFrom:
		d = "merged #" + s(tx.New) + " into this ticket"
	case mailstore.TxAddRequest:
		d = "added requestor " + s(tx.New)
	case mailstore.TxDelRequest:
		d = "removed requestor " + s(tx.Old)
	case mailstore.TxLink, mailstore.TxUnlink:
		l := mailstore.Link{Type: tx.Old, Direction: "out", URI: tx.New}
		if n, err := strconv.ParseInt(tx.New, 10, 64); err == nil {
			l.Ticket = n
		}
		d = "linked: " + s(LinkText(l))
		if tx.Type == mailstore.TxUnlink {
			d = "unlinked: " + s(LinkText(l))
		}
	case mailstore.TxSetPrefix + "subject":
		d = fmt.Sprintf("changed the subject from %q to %q", s(tx.Old), s(tx.New))
	case mailstore.TxSetPrefix + "priority", mailstore.TxSetPrefix + "due":
		field, old, new := strings.TrimPrefix(tx.Type, mailstore.TxSetPrefix), s(tx.Old), s(tx.New)
		if field == "due" {
			field, old, new = "due time", showTime(tx.Old, loc), showTime(tx.New, loc)
		}
		d = fmt.Sprintf("changed the %s from %s to %s", field, old, new)
	case mailstore.TxSetPrefix + "time_estimated":
		d = fmt.Sprintf("changed the estimate from %s to %s", minuteValue(tx.Old), minuteValue(tx.New))
	case mailstore.TxPurge:
		d = "purged the ticket: what it held was deleted"
	case mailstore.TxWatch:
		d = "started watching the ticket"
		if tx.New != tx.Actor {
			d = "made " + s(tx.New) + " watch the ticket"
		}
	case mailstore.TxUnwatch:
		d = "stopped watching the ticket"
		if tx.Old != tx.Actor {
			d = "stopped " + s(tx.Old) + " watching the ticket"
		}
	case mailstore.TxTime:
		old, _ := strconv.Atoi(tx.Old)
		total, _ := strconv.Atoi(tx.New)
		d = fmt.Sprintf("recorded %d min worked, %s in all", total-old, minutes(total))
		if tx.Note != "" {
			d += ": " + s(tx.Note)
		}
	case mailstore.TxAddCc:
		d = "added Cc " + s(tx.New)
	case mailstore.TxDelCc:
		d = "removed Cc " + s(tx.Old)
	case mailstore.TxAlsoSentTo:
		d = "the mail was also sent to queue " + s(tx.New)
	case mailstore.TxMsgidReused:
		d = fmt.Sprintf("the mail's Message-ID <%s> was used before by ticket #%s: replies naming it go there", s(tx.Note), s(tx.New))
	case mailstore.TxNote:
		d = "mail kept as an internal note"
		if tx.Note != "" {
			d += ": " + s(tx.Note)
		}
	case mailstore.TxSendFailure:
		d = "could not deliver mail to " + s(tx.New)
		if tx.Note != "" {
			d += ": " + s(tx.Note)
		}
	case mailstore.TxBounce:
		d = "a delivery report came back"
		if tx.Note != "" {
			d += ": " + s(tx.Note)
		}
	default:
		d = s(tx.Type)
		switch {
		case tx.Old != "" && tx.New != "":
			d += fmt.Sprintf(": %s → %s", s(tx.Old), s(tx.New))
		case tx.New != "":
			d += ": " + s(tx.New)
		}
		if tx.Note != "" {
			d += " (" + s(tx.Note) + ")"
		}
	}
	if tx.TicketID != ticket && tx.Type != mailstore.TxMerge {
		d += fmt.Sprintf(" [on #%d]", tx.TicketID)
	}
	if tx.Via == mailstore.ViaMail && tx.Type != mailstore.TxCorrespond && tx.Type != mailstore.TxComment && tx.Actor != "" {
		d += " by mail"
	}
	return d
}
