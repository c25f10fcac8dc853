package queue

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

// SwitchOptions are the options of 'sak queue disable' and 'sak queue
// enable'.
type SwitchOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	Name    string
	Enable  bool
}

// NewCmdDisable is 'sak queue disable'.
func NewCmdDisable(f *cmdutil.Factory, runF func(*SwitchOptions) error) *cobra.Command {
	return newCmdSwitch(f, false, runF)
}

// NewCmdEnable is 'sak queue enable'.
func NewCmdEnable(f *cmdutil.Factory, runF func(*SwitchOptions) error) *cobra.Command {
	return newCmdSwitch(f, true, runF)
}

func newCmdSwitch(f *cmdutil.Factory, enable bool, runF func(*SwitchOptions) error) *cobra.Command {
	opts := &SwitchOptions{Factory: f, Enable: enable}
	verb, short, long := "disable", "Stop a queue taking mail",
		`Disable a queue: mail to its addresses is refused from then on, as mail to
no queue (550 at RCPT), and 'sak queue list' leaves it out. Its tickets stay
as they are, and readable; 'sak queue enable' takes mail again.`
	if enable {
		verb, short, long = "enable", "Let a disabled queue take mail again", "Enable a queue that 'sak queue disable' disabled."
	}
	return &cobra.Command{
		Use:     verb + " NAME",
		Short:   short,
		Long:    long + "\n\nOnly sysadmins may.",
		Example: "  sak queue " + verb + " old-helpdesk",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.Name = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return switchRun(opts)
		},
	}
}

func switchRun(opts *SwitchOptions) error {
	f := opts.Factory
	d, err := f.Desk(opts.Ctx)
	if err != nil {
		return err
	}
	if err := d.SwitchQueue(opts.Ctx, f.As, opts.Name, opts.Enable); err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, map[string]any{"queue": opts.Name, "disabled": !opts.Enable})
	}
	done := "Queue %s is disabled: mail to it is refused."
	if opts.Enable {
		done = "Queue %s is enabled: it takes mail again."
	}
	_, err = fmt.Fprintf(f.IOStreams.Out, done+"\n", cmdutil.Sanitize(strings.ToLower(opts.Name)))
	return err
}
