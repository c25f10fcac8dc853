// Package cli is sak's command-line interface: cobra commands grouped by
// noun (cli/db, cli/user, cli/queue, cli/ticket), one file per verb, over
// the mailstore operations. No SQL and no business rules live here; this
// package parses, calls the store and renders.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	dbcmd "sak/cli/db"
	digestcmd "sak/cli/digest"
	directorycmd "sak/cli/directory"
	groupcmd "sak/cli/group"
	importcmd "sak/cli/importcmd"
	logincmd "sak/cli/login"
	outboxcmd "sak/cli/outbox"
	quarantinecmd "sak/cli/quarantine"
	queuecmd "sak/cli/queue"
	searchcmd "sak/cli/search"
	"sak/cli/serve"
	statscmd "sak/cli/stats"
	ticketcmd "sak/cli/ticket"
	tokencmd "sak/cli/token"
	usercmd "sak/cli/user"
	versioncmd "sak/cli/version"
)

// Exit statuses.
const (
	ExitOK          = 0
	ExitFailed      = 1 // a refused or failed action
	ExitUsage       = 2 // bad usage: unknown flag or command, wrong arguments
	ExitInterrupted = 130
)

// Main runs sak with the process's arguments, streams and environment and
// returns the exit status.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return Run(ctx, cmdutil.New(), os.Args[1:])
}

// Run runs sak with args against f and returns the exit status. Errors are
// printed on f's error stream as one line starting "sak: ".
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	return Execute(ctx, f, NewRootCmd(f), args)
}

// Execute runs root, a command tree made by NewRootCmd over f, with args:
// it closes f's store at the end, prints an error as one line, and maps
// it to the exit status.
func Execute(ctx context.Context, f *cmdutil.Factory, root *cobra.Command, args []string) int {
	defer f.Close()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	errOut := f.IOStreams.ErrOut
	msg := cmdutil.Sanitize(err.Error())
	if !strings.HasPrefix(msg, root.Name()+" ") {
		msg = "sak: " + msg // a usage error names its command already
	}
	fmt.Fprintln(errOut, msg)
	var coded interface{ ExitCode() int }
	switch {
	case errors.As(err, &coded):
		// A command with exit statuses of its own (mailgate's sysexits).
		return coded.ExitCode()
	case isUsage(err):
		if cmd == nil {
			cmd = root
		}
		fmt.Fprintf(errOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	}
	return ExitFailed
}

func isUsage(err error) bool {
	if cmdutil.IsUsage(err) {
		return true
	}
	// cobra's own usage errors that do not pass through FlagErrorFunc.
	msg := err.Error()
	return strings.HasPrefix(msg, "required flag(s)") || strings.HasPrefix(msg, "unknown command") ||
		strings.HasPrefix(msg, "if any flags in the group") || strings.HasPrefix(msg, "at least one of the flags")
}

// NewRootCmd builds the sak command tree over f. The global flags default
// to f's DB, As and Output and set them when given.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "sak <command> <subcommand> [flags]",
		Short: "sak: a mail-centric ticket tracker",
		Long: `sak is a mail-centric ticket tracker. Mail to a queue address becomes a
ticket; caseworkers answer by mail or from this command line.

Two modes. On a caseworker's own machine, after 'sak login URL --user
LOGIN', the commands of caseworkers and queue managers go through that sak
server's API, as the user the login proved by a mailed code; they print
the same as on the server. Without a server, sak works on the database
directly, as sysadmins do on the server. Whoever can open the database
(its SQLite file, or PostgreSQL credentials) can act as any user with
--as; the permission checks guard against mistakes, not against them, so
keep the database to sysadmins. Over the API, only sysadmins may use --as.
Caseworkers also act by mail, where sak believes only authenticated
senders (DKIM, or a trusted MTA's Authentication-Results: see 'sak serve
--help').

Environment:
  SAK_DB     the database, as for --db: a file path or sqlite:PATH for
             SQLite, postgres://… for PostgreSQL (default sak.db)
  SAK_SERVER the sak server to work through, as for --server; with
  SAK_TOKEN  an API token ('sak token create'), for scripts
  SAK_USER   the acting user's login, as for --as (default: your OS
             login on the database, the token's user over the API)
  SAK_CONFIG the config file (default $XDG_CONFIG_HOME/sak/config)
  SAK_PAGER  the pager of long output on a terminal, before PAGER
             (default less -FRX; empty or cat: none)
  VISUAL, EDITOR  the editor of reply and comment without -m
  NO_COLOR   when set, never colour output
  COLUMNS    the width tables are fitted to (default: the terminal's;
             output that is not a terminal is never cut)

` + cmdutil.ConfigHelp + `

A new SQLite database is made by 'sak serve', by adding the first
sysadmin ('sak user add LOGIN --email ADDR --sysadmin'), by 'sak import rt'
or by 'sak db migrate'; any other command where there is none says so.
Run 'sak db migrate' after upgrading sak, and always for PostgreSQL.`,
		Example: `  sak user add root --email root@example.org --sysadmin
  sak queue create support --address support@example.org
  sak ticket list --owner me --status new,open
  sak ticket show 42
  SAK_DB=postgres://sak@db/sak sak ticket take 42`,
		Args:          cmdutil.GroupArgs,
		RunE:          cmdutil.GroupRun,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if f.ConfigErr != nil {
				return cmdutil.SetupError(cmd, f.ConfigErr)
			}
			fl := cmd.Flags()
			f.DBGiven = f.DBGiven || fl.Changed("db")
			f.AsGiven = f.AsGiven || fl.Changed("as")
			if fl.Changed("server") && f.Server == "" {
				return cmdutil.FlagErrorf("--server: give the server's URL")
			}
			switch f.Output {
			case cmdutil.OutputTable, cmdutil.OutputJSON:
				return nil
			}
			return cmdutil.FlagErrorf("invalid output format %q: use table or json", f.Output)
		},
	}
	root.SetIn(f.IOStreams.In)
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &cmdutil.FlagError{Err: err}
	})

	pf := root.PersistentFlags()
	pf.StringVar(&f.DB, "db", f.DB, "the database `DSN`: a file path, sqlite:PATH or postgres://… (env SAK_DB)")
	pf.StringVar(&f.As, "as", f.As, "act as the user with this `LOGIN` (env SAK_USER)")
	pf.StringVar(&f.Server, "server", f.Server, "work through the sak server at `URL` (env SAK_SERVER, with SAK_TOKEN; default the one 'sak login' keeps)")
	pf.StringVarP(&f.Output, "output", "o", f.Output, "output `FORMAT`: table or json")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json"}, cobra.ShellCompDirectiveNoFileComp))

	root.AddCommand(dbcmd.NewCmdDB(f))
	root.AddCommand(usercmd.NewCmdUser(f), directorycmd.NewCmdDirectory(f))
	root.AddCommand(groupcmd.NewCmdGroup(f))
	root.AddCommand(queuecmd.NewCmdQueue(f))
	root.AddCommand(tokencmd.NewCmdToken(f), logincmd.NewCmdLogin(f, nil), logincmd.NewCmdLogout(f, nil))
	root.AddCommand(ticketcmd.NewCmdTicket(f))
	root.AddCommand(searchcmd.NewCmdSearch(f, nil), statscmd.NewCmdStats(f, nil))
	root.AddCommand(importcmd.NewCmdImport(f))
	root.AddCommand(outboxcmd.NewCmdOutbox(f))
	root.AddCommand(digestcmd.NewCmdDigest(f))
	root.AddCommand(quarantinecmd.NewCmdQuarantine(f))
	root.AddCommand(serve.NewCmdServe(f, nil), serve.NewCmdMailgate(f, nil))
	root.AddCommand(versioncmd.NewCmdVersion(f))
	root.Version = versioncmd.Get().String()
	root.SetVersionTemplate("{{.Version}}\n")

	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Args, c.RunE = cmdutil.GroupArgs, cmdutil.GroupRun
			c.Example = "  source <(sak completion bash)\n  sak completion zsh > \"${fpath[1]}/_sak\"\n  sak completion fish > ~/.config/fish/completions/sak.fish"
		}
	}
	return root
}
