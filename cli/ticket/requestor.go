package ticket

import (
	"context"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
)

var requestorRole = &peopleRole{cmd: "requestor", name: "requestor", plural: "requestors", example: "kari@example.com",
	long: `A ticket's requestors are those it is done for: they get the caseworkers'
answers and its acknowledgement, and their mail to it is correspondence. The
sender of the mail that opened the ticket is its requestor; caseworkers of
the ticket's queue add others and remove them here. A ticket keeps at least
one requestor: to replace the last one, add the new one first. Every change
is in the ticket's history.`,
	add:    func(d cmdutil.Desk) func(context.Context, string, int64, string) error { return d.AddRequestor },
	remove: func(d cmdutil.Desk) func(context.Context, string, int64, string) error { return d.RemoveRequestor },
}

// NewCmdRequestor is the 'sak ticket requestor' group: add and remove, as
// 'sak ticket cc'.
func NewCmdRequestor(f *cmdutil.Factory, runF func(*CcOptions) error) *cobra.Command {
	return newCmdPeople(f, requestorRole, runF)
}
