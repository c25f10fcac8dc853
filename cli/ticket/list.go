package ticket

import (
	"context"
	"fmt"
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
}

// NewCmdList is 'sak ticket list'.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	var olderThan, updatedBefore string
	cmd := &cobra.Command{
		Use:     "list [--queue Q] [--status S,...] [--owner LOGIN|me|nobody] [--requestor ADDR] [--limit N]",
		Aliases: []string{"ls"},
		Short:   "List tickets, newest first",
		Long: `List tickets, newest first. Filters combine: a ticket is listed when it
matches all of them. Without --status or --all, the list is the work that
waits: new and open tickets, and stalled ones with a reminder due. Merged
tickets are not listed; their history shows on the ticket they were merged
into. A list cut at --limit says how many there are in all.`,
		Example: `  sak ticket list --owner me --status new,open
  sak ticket list --queue support --owner nobody
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
	fl.BoolVarP(&opts.All, "all", "a", false, "tickets of every status, not only the work that waits (--status chooses others)")
	fl.StringVar(&olderThan, "older-than", "", "only tickets created more than `DURATION` ago: 2d, 3h, 1w, 1d12h")
	fl.StringVar(&updatedBefore, "updated-before", "", "only tickets not updated since `TIME`: a duration back from now (2w), or a date (2025-01-01)")
	_ = cmd.RegisterFlagCompletionFunc("queue", f.Complete(-1, cmdutil.QueueWords))
	_ = cmd.RegisterFlagCompletionFunc("owner", f.Complete(-1, func(ctx context.Context, f *cmdutil.Factory, d cmdutil.Desk) []string {
		return append([]string{"me\tyour tickets", "nobody\tunowned tickets"}, cmdutil.LoginWords(ctx, f, d)...)
	}))
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
		CreatedTo: opts.CreatedTo, UpdatedTo: opts.UpdatedTo, Waiting: !opts.All && len(opts.Statuses) == 0}
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
	ts, err := d.ListTickets(opts.Ctx, f.As, opts.filter())
	if err != nil {
		return err
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
		if !opts.All && len(opts.Statuses) == 0 {
			msg = "No tickets wait (new, open, or stalled with a reminder due); --all lists every status."
		}
		_, err := fmt.Fprintln(ios.ErrOut, msg)
		return err
	}
	c := cmdutil.Color{Enabled: ios.Color}
	t := cmdutil.NewTable(ios,
		cmdutil.Column{Header: "ID", Right: true},
		cmdutil.Column{Header: "STATUS"},
		cmdutil.Column{Header: "QUEUE", Max: 12},
		cmdutil.Column{Header: "OWNER", Max: 12},
		cmdutil.Column{Header: "REQUESTOR", Max: 24, Flex: true, Min: 12},
		cmdutil.Column{Header: "UPDATED"},
		cmdutil.Column{Header: "SUBJECT", Flex: true, Min: 20},
	)
	t.Columns[1].Paint = c.Status
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
		t.AddRow(fmt.Sprint(tk.ID), tk.Status, tk.Queue, owner, req, cmdutil.FormatTime(tk.Updated, f.Loc()), tk.Subject)
	}
	if err := t.Render(ios.Out); err != nil {
		return err
	}
	if opts.Limit > 0 && len(ts) == opts.Limit {
		if n, err := d.CountTickets(opts.Ctx, f.As, opts.filter()); err == nil && n > len(ts) {
			fmt.Fprintf(ios.ErrOut, "Showing the newest %d of %d; use --limit N (0 for all) to see more.\n", len(ts), n)
		}
	}
	return nil
}
