package queue

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// ShowOptions are the options of 'sak queue show'.
type ShowOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Name    string
}

// NewCmdShow is 'sak queue show'.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	return &cobra.Command{
		Use:               "show NAME",
		Short:             "Show a queue's addresses, tag and members",
		Example:           "  sak queue show support\n  sak queue show support -o json | jq -r '.members[] | select(.role == \"caseworker\") | .login'",
		Args:              cmdutil.ExactArgs(1),
		ValidArgsFunction: completeQueues(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Name = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
}

func showRun(opts *ShowOptions) error {
	f := opts.Factory
	desk, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	d, err := desk.QueueDetail(opts.Ctx, f.As, opts.Name)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, d)
	}
	return printDetail(f, d)
}

func printDetail(f *cmdutil.Factory, d *mailstore.QueueDetail) error {
	out := f.IOStreams.Out
	c := cmdutil.Color{Enabled: f.IOStreams.Color}
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(out, "%-17s%s\n", name+":", cmdutil.Sanitize(value))
		}
	}
	fmt.Fprintln(out, c.Bold("Queue "+cmdutil.Sanitize(d.Name)))
	field("Address", d.Address)
	field("Comment address", d.CommentAddress)
	field("Subject tag", fmt.Sprintf("[%s #ID]", d.Tag))
	former := map[string][]string{}
	for _, r := range d.Renames {
		former[r.What] = append(former[r.What], fmt.Sprintf("%s (until %s, %s)", r.Old, cmdutil.FormatTime(r.At, f.Loc()), or(r.By, "?")))
	}
	field("Former names", strings.Join(former["name"], ", "))
	field("Former tags", strings.Join(former["tag"], ", "))
	field("Description", d.Description)
	field("Language", d.Lang)
	field("Resolve notice", onOff(d.NotifyResolved))
	field("Digest default", d.DigestDefault)
	if d.Signature != "" {
		field("Signature", strings.ReplaceAll(d.Signature, "\n", " / "))
	}
	field("Created", cmdutil.FormatTime(d.Created, f.Loc()))
	fmt.Fprintln(out)
	if d.Members == nil {
		_, err := fmt.Fprintln(out, "Members are shown to the queue's members and to sysadmins.")
		return err
	}
	if len(d.Members) == 0 {
		_, err := fmt.Fprintf(out, "No members yet: add some with 'sak queue grant %s LOGIN --role caseworker'.\n", cmdutil.Sanitize(d.Name))
		return err
	}
	t := cmdutil.NewTable(f.IOStreams,
		cmdutil.Column{Header: "LOGIN", Max: 20},
		cmdutil.Column{Header: "ROLE"},
		cmdutil.Column{Header: "NAME", Max: 30, Flex: true, Min: 10},
		cmdutil.Column{Header: "EMAIL", Flex: true, Min: 16},
	)
	for _, m := range d.Members {
		t.AddRow(m.Login, roleText(m.Role, m.Notify, m.Group), m.Name, m.Email)
	}
	if err := t.Render(out); err != nil || len(d.Groups) == 0 {
		return err
	}
	var gs []string
	for _, g := range d.Groups {
		gs = append(gs, g.Group+": "+roleText(g.Role, g.Notify, ""))
	}
	_, err := fmt.Fprintf(out, "\nGroups: %s\n", cmdutil.Sanitize(strings.Join(gs, ", ")))
	return err
}

// roleText is a role as a table shows it: "watcher (new tickets)" for a
// watcher told of new tickets only, "caseworker via opptak-team" for a
// role granted to a group.
func roleText(role, notify, group string) string {
	if notify == mailstore.NotifyNew {
		role += " (new tickets)"
	}
	if group != "" {
		role += " via " + group
	}
	return role
}
