package cmdutil

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"sak/mailstore"
)

// completionDesk is the Desk for completing words: over the API, or on a
// database that exists and has this sak's schema. Completing only reads:
// it makes, migrates and says nothing.
func (f *Factory) completionDesk(ctx context.Context) (Desk, bool) {
	if remote, err := f.Remote(); err != nil {
		return nil, false
	} else if remote {
		d, err := f.Desk(ctx)
		return d, err == nil
	}
	s, err := f.RawStore(ctx)
	if err != nil || s.CheckSchema(ctx) != nil {
		return nil, false
	}
	return local{s}, true
}

// Complete completes the argument at position pos (counted from 0) with
// words; the others complete nothing. pos < 0 completes every argument.
func (f *Factory) Complete(pos int, words func(ctx context.Context, f *Factory, d Desk) []string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if pos >= 0 && len(args) != pos {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		d, ok := f.completionDesk(cmd.Context())
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return words(cmd.Context(), f, d), cobra.ShellCompDirectiveNoFileComp
	}
}

// TicketWords are the tickets that wait (new, open, stalled) that the user
// sees, newest first, each "ID\tsubject" for the shell to show.
func TicketWords(ctx context.Context, f *Factory, d Desk) []string {
	ts, err := d.ListTickets(ctx, f.As, mailstore.Filter{Statuses: []string{mailstore.StatusNew, mailstore.StatusOpen, mailstore.StatusStalled}, Limit: 100})
	if err != nil {
		return nil
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = fmt.Sprintf("%d\t%s", t.ID, Truncate(Sanitize(t.Subject), 60))
	}
	return out
}

// QueueWords are the queues' names, with their descriptions.
func QueueWords(ctx context.Context, f *Factory, d Desk) []string {
	qs, err := d.Queues(ctx)
	if err != nil {
		return nil
	}
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.Name
		if q.Description != "" {
			out[i] += "\t" + Truncate(Sanitize(q.Description), 60)
		}
	}
	return out
}

// LoginWords are the users' logins, with their names.
func LoginWords(ctx context.Context, f *Factory, d Desk) []string {
	us, err := d.Users(ctx)
	if err != nil {
		return nil
	}
	var out []string
	for _, u := range us {
		if u.Login == "" || u.Disabled {
			continue
		}
		w := u.Login
		if u.Name != "" {
			w += "\t" + Sanitize(u.Name)
		}
		out = append(out, w)
	}
	return out
}

// CompleteArgs completes each argument with the words of its position;
// arguments past the last complete nothing.
func (f *Factory) CompleteArgs(words ...func(ctx context.Context, f *Factory, d Desk) []string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) >= len(words) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return f.Complete(len(args), words[len(args)])(cmd, args, toComplete)
	}
}
