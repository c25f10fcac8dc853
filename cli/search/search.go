// Package search holds 'sak search': full-text search over ticket subjects
// and message texts.
package search

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// DefaultLimit is how many hits 'sak search' shows unless told.
const DefaultLimit = 20

// SearchOptions are the options of 'sak search'.
type SearchOptions struct {
	Factory  *cmdutil.Factory
	Ctx      context.Context
	Query    string
	Queues   []string
	Statuses []string
	Limit    int
}

// NewCmdSearch is 'sak search'.
func NewCmdSearch(f *cmdutil.Factory, runF func(*SearchOptions) error) *cobra.Command {
	opts := &SearchOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "search QUERY... [--queue Q] [--status S,...] [--limit N]",
		Short: "Find tickets by words in their subject or mail",
		Long: `Find tickets by the words of QUERY in their subject, in the text of their
messages, in the names of files attached, or in the addresses and names of
their requestors and Ccs. Every word must occur in one of these.

Words are compared folded: case and accents do not matter, ø is o and æ is
ae ("vitnemal" finds "vitnemål", "sjo" finds "sjø" and the other way
round). A word of four letters or more also finds the words it begins
("søknad" finds "søknaden" and "søknader"); end a shorter word with * for
the same ("sø*"). Words in double quotes match whole and in that order: a
phrase ('"økser åtte"' does not find "åtte økser"; '"søknad"' does not find
"søknaden"). An address, a file name or other words joined by . - _ or @
match as a phrase ("kari@example.org", "vitnemål.pdf"). Other punctuation
separates words.

Tickets whose subject matches come first, then the best matches. Each hit
shows a piece of the matching text with the words in [brackets]. For speed,
an unfiltered search ranks only the best 200 subjects and 200 messages (10
for each ticket asked for, when more) among the 20,000 most recently stored
that match: a word that common is ranked among its recent uses. --queue,
--status or --limit 0 rank every match.`,
		Example: `  sak search printer toner
  sak search '"økser åtte"'
  sak search kari.nordmann@example.org
  sak search søknad --queue opptak --status new,open
  sak search 'vpn*' --limit 5 -o json | jq -r '.[] | "\(.id) \(.subject)"'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx = cmd.Context()
			opts.Query = strings.TrimSpace(strings.Join(args, " "))
			if opts.Query == "" {
				return cmdutil.FlagErrorf("%s: missing QUERY: give one or more words to search for", cmd.CommandPath())
			}
			for _, st := range opts.Statuses {
				if !validStatus(st) {
					return cmdutil.FlagErrorf("invalid status %q: use %s", st, strings.Join(mailstore.Statuses, ", "))
				}
			}
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("invalid limit %d: give a number of tickets, or 0 for all", opts.Limit)
			}
			if runF != nil {
				return runF(opts)
			}
			return searchRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVarP(&opts.Queues, "queue", "q", nil, "only tickets in these `queues`")
	fl.StringSliceVarP(&opts.Statuses, "status", "s", nil, "only tickets with these `statuses`: "+strings.Join(mailstore.Statuses, ","))
	fl.IntVarP(&opts.Limit, "limit", "L", DefaultLimit, "show at most `N` tickets; 0 for all")
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

// Hit is a search hit as -o json prints it.
type Hit = mailstore.Hit

func searchRun(opts *SearchOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	hits, err := d.Search(opts.Ctx, f.As, opts.Query, mailstore.SearchFilter{Queues: opts.Queues, Statuses: opts.Statuses, Limit: opts.Limit})
	if err != nil {
		return err
	}
	ios := f.IOStreams
	if f.JSON() {
		return cmdutil.PrintJSON(ios.Out, hits)
	}
	if len(hits) == 0 {
		_, err := fmt.Fprintln(ios.ErrOut, "No tickets match.")
		return err
	}
	c := cmdutil.Color{Enabled: ios.Color}
	t := cmdutil.NewTable(ios,
		cmdutil.Column{Header: "ID", Right: true},
		cmdutil.Column{Header: "STATUS"},
		cmdutil.Column{Header: "QUEUE", Max: 12},
		cmdutil.Column{Header: "OWNER", Max: 10},
		cmdutil.Column{Header: "SUBJECT", Max: 30, Flex: true, Min: 12},
		cmdutil.Column{Header: "MATCH", Flex: true, Min: 20, Fit: func(row int, s string, width int) string {
			return fitSnippet(s, hits[row].SnippetMark, width)
		}},
	)
	t.Columns[1].Paint = c.Status
	for _, h := range hits {
		owner := "-"
		if h.Owner != nil {
			owner = *h.Owner
		}
		t.AddRow(fmt.Sprint(h.ID), h.Status, h.Queue, owner, h.Subject, h.Snippet)
	}
	if err := t.Render(ios.Out); err != nil {
		return err
	}
	if opts.Limit > 0 && len(hits) == opts.Limit && ios.IsTTY {
		fmt.Fprintf(ios.ErrOut, "Showing the best %d; use --limit N (0 for all) to see more.\n", opts.Limit)
	}
	return nil
}

// fitSnippet cuts a snippet to width runes with its first marked word, at
// byte offset at (-1: none), in view: when the word ends beyond the cut,
// the cell starts a little before the word, after "…".
func fitSnippet(s string, at, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	if at < 0 || at >= len(s) || !strings.HasPrefix(s[at:], mailstore.SnippetStart) {
		return cmdutil.Truncate(s, width)
	}
	end := strings.Index(s[at:], mailstore.SnippetEnd)
	if end < 0 || utf8.RuneCountInString(s[:at+end]) < width-1 {
		return cmdutil.Truncate(s, width)
	}
	r := []rune(s)
	word := utf8.RuneCountInString(s[:at])
	from := max(word-width/4, 0)
	for from > 0 && from < word && r[from-1] != ' ' {
		from++ // start at a word
	}
	if from == 0 {
		return cmdutil.Truncate(s, width) // the word is as far left as it goes
	}
	return cmdutil.Truncate("…"+strings.TrimLeft(string(r[from:]), " …"), width)
}
