package queue

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// NewCmdTemplate is the 'sak queue template' group.
func NewCmdTemplate(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "template <command>",
		Short: "Show, change and preview the mail a queue writes",
		Long: `Every mail sak writes comes from a template (Go text/template): KIND is one of
` + strings.Join(mailstore.TemplateKinds, ", ") + `.
The first line of a template is the subject ("Subject: Mottatt: {{.Ticket.Subject}}";
sak puts the ticket's tag in front), then a blank line and the text. A
queue's own template replaces the built-in in all its languages. The fields
are listed in the README ("Templates"); start from 'sak queue template show'.`,
		Example: `  sak queue template show opptak autoreply > kvittering.tmpl
  sak queue template set opptak autoreply --file kvittering.tmpl
  sak queue template preview opptak autoreply --ticket 42
  sak queue template reset opptak autoreply`,
		Args: cmdutil.GroupArgs,
		RunE: cmdutil.GroupRun,
	}
	cmd.AddCommand(NewCmdTemplateShow(f, nil), NewCmdTemplateSet(f, nil), NewCmdTemplateReset(f, nil), NewCmdTemplatePreview(f, nil))
	return cmd
}

// TemplateOptions are the options of the 'sak queue template' commands.
type TemplateOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Name    string
	Kind    string
	File    string // set: the template's file, "-" for stdin
	Ticket  int64  // preview: a ticket instead of the sample
}

func templateCmd(f *cmdutil.Factory, use, short, example string, runF, run func(*TemplateOptions) error) (*cobra.Command, *TemplateOptions) {
	opts := &TemplateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:               use,
		Short:             short,
		Example:           example,
		Args:              cmdutil.ExactArgs(2),
		ValidArgsFunction: completeQueueKind(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Name, opts.Kind = cmd.Context(), args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	return cmd, opts
}

// NewCmdTemplateShow is 'sak queue template show'.
func NewCmdTemplateShow(f *cmdutil.Factory, runF func(*TemplateOptions) error) *cobra.Command {
	cmd, _ := templateCmd(f, "show NAME KIND", "Print the template of a kind in effect for a queue",
		"  sak queue template show support autoreply", runF, templateShowRun)
	return cmd
}

func templateShowRun(opts *TemplateOptions) error {
	f := opts.Factory
	s, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	t, err := s.QueueTemplate(opts.Ctx, opts.Name, opts.Kind)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, t)
	}
	what := "the queue's own"
	if t.Builtin {
		what = "the built-in (" + t.Lang + ")"
	}
	// The note goes to stderr: stdout is the template, to edit and set.
	fmt.Fprintf(f.IOStreams.ErrOut, "# %s template of queue %s: %s\n", t.Kind, cmdutil.Sanitize(t.Queue), what)
	_, err = fmt.Fprint(f.IOStreams.Out, cmdutil.SanitizeText(t.Text))
	return err
}

// NewCmdTemplateSet is 'sak queue template set'.
func NewCmdTemplateSet(f *cmdutil.Factory, runF func(*TemplateOptions) error) *cobra.Command {
	cmd, opts := templateCmd(f, "set NAME KIND --file F", "Give a queue its own template of a kind",
		"  sak queue template set opptak autoreply --file kvittering.tmpl", runF, templateSetRun)
	cmd.Long = `Give a queue its own template of KIND, used instead of the built-in in all
the queue's languages. A template that does not parse, or fails on a sample
ticket, is refused with its line and the reason. The queue's managers and
sysadmins may.`
	cmd.Flags().StringVar(&opts.File, "file", "", "read the template from `FILE` (- for stdin; required)")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func templateSetRun(opts *TemplateOptions) error {
	f := opts.Factory
	text, err := readFile(f, opts.File)
	if err != nil {
		return err
	}
	s, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	if err := s.SetTemplate(opts.Ctx, f.As, opts.Name, opts.Kind, text); err != nil {
		return err
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "Queue %s now writes its own %s template; 'sak queue template preview %s %s' shows it.\n",
		cmdutil.Sanitize(opts.Name), opts.Kind, cmdutil.Sanitize(opts.Name), opts.Kind)
	return err
}

// NewCmdTemplateReset is 'sak queue template reset'.
func NewCmdTemplateReset(f *cmdutil.Factory, runF func(*TemplateOptions) error) *cobra.Command {
	cmd, _ := templateCmd(f, "reset NAME KIND", "Go back to the built-in template of a kind",
		"  sak queue template reset opptak autoreply", runF, templateResetRun)
	return cmd
}

func templateResetRun(opts *TemplateOptions) error {
	f := opts.Factory
	s, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	if err := s.ResetTemplate(opts.Ctx, f.As, opts.Name, opts.Kind); err != nil {
		return err
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "Queue %s uses the built-in %s template again.\n", cmdutil.Sanitize(opts.Name), opts.Kind)
	return err
}

// NewCmdTemplatePreview is 'sak queue template preview'.
func NewCmdTemplatePreview(f *cmdutil.Factory, runF func(*TemplateOptions) error) *cobra.Command {
	cmd, opts := templateCmd(f, "preview NAME KIND [--ticket ID]", "Show the mail a template writes",
		"  sak queue template preview opptak autoreply\n  sak queue template preview support resolved --ticket 42", runF, templatePreviewRun)
	cmd.Flags().Int64Var(&opts.Ticket, "ticket", 0, "render for ticket `ID` instead of a sample ticket")
	return cmd
}

func templatePreviewRun(opts *TemplateOptions) error {
	f := opts.Factory
	s, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	p, err := s.PreviewTemplate(opts.Ctx, f.As, opts.Name, opts.Kind, opts.Ticket)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, p)
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, "Subject: %s\nContent-Language: %s\n\n%s", cmdutil.Sanitize(p.Subject), p.Lang, cmdutil.SanitizeText(p.Text))
	return err
}

// completeQueueKind completes a queue's name, then a template kind.
func completeQueueKind(f *cmdutil.Factory) cobra.CompletionFunc {
	queues := completeQueues(f)
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 1 {
			return mailstore.TemplateKinds, cobra.ShellCompDirectiveNoFileComp
		}
		if len(args) > 1 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return queues(cmd, args, toComplete)
	}
}
