package ticket

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// DefaultLimit is how many tickets 'ticket list' shows unless told.
const DefaultLimit = 50

// ListOptions are the options of 'sak ticket list'.
type ListOptions struct {
	Factory   *cmdutil.Factory
	Ctx       context.Context
	Queues    []string
	Statuses  []string
	Owner     string // a login, "me" or "nobody"
	Requestor string
	Limit     int
	// All lists tickets of every status; without it or Statuses, the
	// work that waits (new and open, stalled with a reminder due).
	All bool
	// CreatedTo and UpdatedTo select tickets created, or last updated,
	// before them (--older-than, --updated-before); zero: any time.
	CreatedTo time.Time
	UpdatedTo time.Time
	// Sort is the order, one of mailstore.Sorts ("" newest first);
	// Reverse turns it round.
	Sort    string
	Reverse bool
	// Page is the page of Limit tickets to show, from 1; After shows the
	// tickets that come after ticket After instead (0: from the start).
	Page  int
	After int64
}

// NewCmdList is 'sak ticket list'.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	var olderThan, updatedBefore string
	cmd := &cobra.Command{
		Use:     "list [--queue Q] [--status S,...] [--owner LOGIN|me|nobody] [--requestor ADDR] [--sort KEY] [--limit N] [--page N | --after ID]",
		Aliases: []string{"ls"},
		Short:   "List tickets, newest first",
		Long: `List tickets, newest first. Filters combine: a ticket is listed when it
matches all of them. Without --status or --all, the list is the work that
waits: new and open tickets, and stalled ones with a reminder due. Merged
tickets are not listed; their history shows on the ticket they were merged
into.

--sort orders the list: created and id newest first, updated last changed
first, priority highest first, due soonest first (tickets with no due time
last); tickets that tie go by number. --reverse turns the list round.

The list shows --limit tickets a page. A list cut there says so on stderr,
with how many there are in all and how to see the next page: --page N, or
--after ID for the tickets after the last one shown (a page that stays put
while new tickets come in).`,
		Example: `  sak ticket list --owner me --status new,open
  sak ticket list --queue support --owner nobody
  sak ticket list --queue support --sort due --limit 20 --page 2
  sak ticket list --sort updated --reverse --after 4711
  sak ticket list --requestor pat@example.com --all --limit 0
  sak ticket list --status open -o json | jq -r '.[] | "\(.id) \(.subject)"'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			for _, st := range opts.Statuses {
				if !validStatus(st) {
					return cmdutil.FlagErrorf("invalid status %q: use %s", st, strings.Join(mailstore.Statuses, ", "))
				}
			}
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("invalid limit %d: give a number of tickets, or 0 for all", opts.Limit)
			}
			if opts.Sort != "" && !slices.Contains(mailstore.Sorts, opts.Sort) {
				return cmdutil.FlagErrorf("cannot sort by %q: use --sort %s", opts.Sort, strings.Join(mailstore.Sorts, "|"))
			}
			switch fl := cmd.Flags(); {
			case fl.Changed("page") && fl.Changed("after"):
				return cmdutil.FlagErrorf("--page and --after both say where the list starts: give one of them")
			case fl.Changed("page") && opts.Page < 1:
				return cmdutil.FlagErrorf("invalid page %d: pages count from 1", opts.Page)
			case fl.Changed("page") && opts.Limit == 0:
				return cmdutil.FlagErrorf("--page needs pages: give --limit N as well, not 0")
			case fl.Changed("after") && opts.After < 1:
				return cmdutil.FlagErrorf("invalid --after %d: give the number of the last ticket you saw", opts.After)
			}
			now := f.Clock()
			if olderThan != "" {
				d, err := cmdutil.ParseDuration(olderThan)
				if err != nil {
					return cmdutil.FlagErrorf("--older-than: %v", err)
				}
				opts.CreatedTo = now().Add(-d)
			}
			if updatedBefore != "" {
				t, err := cmdutil.ParsePast(updatedBefore, now(), f.Loc())
				if err != nil {
					return cmdutil.FlagErrorf("--updated-before: %v", err)
				}
				opts.UpdatedTo = t
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVarP(&opts.Queues, "queue", "q", nil, "only tickets in these `queues`")
	fl.StringSliceVarP(&opts.Statuses, "status", "s", nil, "only tickets with these `statuses`: "+strings.Join(mailstore.Statuses, ","))
	fl.StringVar(&opts.Owner, "owner", "", "only tickets owned by `LOGIN`; 'me' for yours, 'nobody' for unowned")
	fl.StringVarP(&opts.Requestor, "requestor", "r", "", "only tickets with this requestor `address`")
	fl.IntVarP(&opts.Limit, "limit", "L", DefaultLimit, "show at most `N` tickets; 0 for all")
	fl.StringVar(&opts.Sort, "sort", "", "order by `KEY`: "+strings.Join(mailstore.Sorts, ", ")+" (default newest first)")
	fl.BoolVar(&opts.Reverse, "reverse", false, "turn the order round")
	fl.IntVar(&opts.Page, "page", 1, "show page `N` of --limit tickets")
	fl.Int64Var(&opts.After, "after", 0, "show the tickets that come after ticket `ID` in the order")
	fl.BoolVarP(&opts.All, "all", "a", false, "tickets of every status, not only the work that waits (--status chooses others)")
	fl.StringVar(&olderThan, "older-than", "", "only tickets created more than `DURATION` ago: 2d, 3h, 1w, 1d12h")
	fl.StringVar(&updatedBefore, "updated-before", "", "only tickets not updated since `TIME`: a duration back from now (2w), or a date (2025-01-01)")
	_ = cmd.RegisterFlagCompletionFunc("queue", f.Complete(-1, cmdutil.QueueWords))
	_ = cmd.RegisterFlagCompletionFunc("owner", f.Complete(-1, func(ctx context.Context, f *cmdutil.Factory, d cmdutil.Desk) []string {
		return append([]string{"me\tyour tickets", "nobody\tunowned tickets"}, cmdutil.LoginWords(ctx, f, d)...)
	}))
	_ = cmd.RegisterFlagCompletionFunc("sort", cobra.FixedCompletions(mailstore.Sorts, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(mailstore.Statuses, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func validStatus(st string) bool {
	for _, s := range mailstore.Statuses {
		if s == st {
			return true
		}
	}
	return false
}

// filter turns the options into the store's filter.
func (opts *ListOptions) filter() mailstore.Filter {
	fl := mailstore.Filter{Queues: opts.Queues, Statuses: opts.Statuses, Requestor: opts.Requestor, Limit: opts.Limit,
		CreatedTo: opts.CreatedTo, UpdatedTo: opts.UpdatedTo, Waiting: !opts.All && len(opts.Statuses) == 0,
		Sort: opts.Sort, Reverse: opts.Reverse, After: opts.After}
	if opts.Page > 1 {
		fl.Offset = (opts.Page - 1) * opts.Limit
	}
	switch opts.Owner {
	case "":
	case "nobody":
		fl.NoOwner = true
	case "me":
		fl.Owner = opts.Factory.As
	default:
		fl.Owner = opts.Owner
	}
	return fl
}

func listRun(opts *ListOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	if opts.Owner == "me" && f.As == "" {
		return fmt.Errorf("--owner me needs to know who you are: give --as LOGIN or set SAK_USER")
	}
	// One ticket more than the page tells whether the list goes on.
	fl := opts.filter()
	if fl.Limit > 0 {
		fl.Limit++
	}
	ts, err := d.ListTickets(opts.Ctx, f.As, fl)
	if err != nil {
		return err
	}
	more := opts.Limit > 0 && len(ts) > opts.Limit
	if more {
		ts = ts[:opts.Limit]
	}
	if f.JSON() {
		if ts == nil {
			ts = []mailstore.Ticket{}
		}
		return cmdutil.PrintJSON(f.IOStreams.Out, ts)
	}
	ios := f.IOStreams
	if len(ts) == 0 {
		msg := "No tickets match."
		switch {
		case opts.After > 0:
			msg = fmt.Sprintf("No tickets come after ticket %d.", opts.After)
		case opts.Page > 1:
			msg = fmt.Sprintf("No tickets on page %d: the list ends before it.", opts.Page)
		case !opts.All && len(opts.Statuses) == 0:
			msg = "No tickets wait (new, open, or stalled with a reminder due); --all lists every status."
		}
		_, err := fmt.Fprintln(ios.ErrOut, msg)
		return err
	}
	c := cmdutil.Color{Enabled: ios.Color}
	cols := []cmdutil.Column{
		{Header: "ID", Right: true},
		{Header: "STATUS", Paint: c.Status},
		{Header: "QUEUE", Max: 12},
		{Header: "OWNER", Max: 12},
		{Header: "REQUESTOR", Max: 24, Flex: true, Min: 12},
		{Header: "UPDATED"},
	}
	// A list in order of priority or due time shows it.
	switch opts.Sort {
	case mailstore.SortPriority:
		cols = append(cols, cmdutil.Column{Header: "PRI", Right: true})
	case mailstore.SortDue:
		cols = append(cols, cmdutil.Column{Header: "DUE"})
	}
	t := cmdutil.NewTable(ios, append(cols, cmdutil.Column{Header: "SUBJECT", Flex: true, Min: 20})...)
	for _, tk := range ts {
		req := ""
		if len(tk.Requestors) > 0 {
			req = tk.Requestors[0]
			if len(tk.Requestors) > 1 {
				req += fmt.Sprintf(" +%d", len(tk.Requestors)-1)
			}
		}
		owner := tk.OwnerLogin()
		if owner == "" {
			owner = "-"
		}
		row := []string{fmt.Sprint(tk.ID), tk.Status, tk.Queue, owner, req, cmdutil.FormatTime(tk.Updated, f.Loc())}
		switch opts.Sort {
		case mailstore.SortPriority:
			row = append(row, fmt.Sprint(tk.Priority))
		case mailstore.SortDue:
			due := "-"
			if tk.Due != nil {
				due = cmdutil.FormatTime(*tk.Due, f.Loc())
			}
			row = append(row, due)
		}
		t.AddRow(append(row, tk.Subject)...)
	}
	if err := t.Render(ios.Out); err != nil {
		return err
	}
	if more {
		if n, err := d.CountTickets(opts.Ctx, f.As, opts.filter()); err == nil {
			fmt.Fprintln(ios.ErrOut, opts.cut(len(ts), n, ts[len(ts)-1].ID))
		}
	}
	return nil
}

// cut is what a list cut at its limit says: which of the n tickets it
// shows, shown of them ending at ticket last, and how to see more.
func (opts *ListOptions) cut(shown, n int, last int64) string {
	if opts.After > 0 {
		return fmt.Sprintf("Showing %d of %d after ticket %d; --after %d for the next %d, --limit 0 for all.", shown, n, opts.After, last, opts.Limit)
	}
	if opts.Page > 1 {
		from := (opts.Page-1)*opts.Limit + 1
		return fmt.Sprintf("Showing %d–%d of %d; --page %d for the next %d, --limit 0 for all.", from, from+shown-1, n, opts.Page+1, opts.Limit)
	}
	return fmt.Sprintf("Showing %d of %d; --page 2 for the next %d, --limit 0 for all.", shown, n, opts.Limit)
}
