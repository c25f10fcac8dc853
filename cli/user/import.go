package user

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"sak/cli/cmdutil"
	"sak/mailstore"
)

// ImportOptions are the options of 'sak user import'.
type ImportOptions struct {
	Factory *cmdutil.Factory
	Ctx     context.Context
	File    string // "-" for standard input
	DryRun  bool
}

// NewCmdImport is 'sak user import'.
func NewCmdImport(f *cmdutil.Factory, runF func(*ImportOptions) error) *cobra.Command {
	opts := &ImportOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "import FILE [--dry-run]",
		Short: "Add and update users in bulk from a CSV file",
		Long: `Add and update users in bulk from a CSV file (- for standard input) whose
columns are login, email, name and groups: the groups a user is to be a
member of, separated by ';' or spaces, made when missing. A first line
that names the columns ("login,email,name,groups", in any order) is read
as a header.

A user who does not exist is added; a known user gets the address and
(when the name column is not empty) the name the file gives, and joins
the groups it lists. Nobody is removed from a group or disabled, so
running the import again changes nothing. One transaction: a bad line
changes nothing and is named. --dry-run shows what would change. Only
sysadmins may, on the database (not through a server).`,
		Example: "  sak user import staff.csv --dry-run\n  sak user import staff.csv --as root",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ctx, opts.File = cmd.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return importRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show what would change, and change nothing")
	return cmd
}

func importRun(opts *ImportOptions) error {
	f := opts.Factory
	var in io.Reader = f.IOStreams.In
	if opts.File != "-" {
		file, err := os.Open(opts.File)
		if err != nil {
			return err
		}
		defer file.Close()
		in = file
	}
	users, err := readUsersCSV(in, opts.File)
	if err != nil {
		return err
	}
	s, err := f.Store(opts.Ctx)
	if err != nil {
		return err
	}
	res, err := s.ImportUsers(opts.Ctx, f.As, users, opts.DryRun)
	if err != nil {
		return err
	}
	if f.JSON() {
		return cmdutil.PrintJSON(f.IOStreams.Out, res)
	}
	return printImport(f, res)
}

// readUsersCSV reads the users of an import file named name.
func readUsersCSV(in io.Reader, name string) ([]mailstore.ImportedUser, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.Comment = '#'
	col := map[string]int{"login": 0, "email": 1, "name": 2, "groups": 3}
	var users []mailstore.ImportedUser
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		if first && slices.ContainsFunc(rec, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), "login") }) {
			col = map[string]int{}
			for i, h := range rec {
				col[strings.ToLower(strings.TrimSpace(h))] = i
			}
			if _, ok := col["login"]; !ok {
				return nil, fmt.Errorf("%s: line %d: the header names no login column", name, line)
			}
			if _, ok := col["email"]; !ok {
				return nil, fmt.Errorf("%s: line %d: the header names no email column", name, line)
			}
			continue
		}
		field := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		u := mailstore.ImportedUser{Line: line, Login: field("login"), Email: field("email"), Name: field("name"),
			Groups: strings.FieldsFunc(field("groups"), func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '\t' })}
		if u.Login == "" || u.Email == "" {
			return nil, fmt.Errorf("%s: line %d: a user needs a login and an email: login,email,name,groups", name, line)
		}
		users = append(users, u)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("%s holds no users: give lines of login,email,name,groups", name)
	}
	return users, nil
}

func printImport(f *cmdutil.Factory, res *mailstore.UserImport) error {
	out := f.IOStreams.Out
	if len(res.Changes) > 0 {
		t := cmdutil.NewTable(f.IOStreams,
			cmdutil.Column{Header: "LOGIN", Max: 20},
			cmdutil.Column{Header: "CHANGE", Flex: true, Min: 20},
		)
		for _, c := range res.Changes {
			t.AddRow(c.Login, changeText(c))
		}
		if err := t.Render(out); err != nil {
			return err
		}
	}
	what := "Imported"
	if res.DryRun {
		what = "Dry run, nothing changed"
	}
	_, err := fmt.Fprintf(out, "%s: %d users added, %d changed, %d unchanged.\n", what, res.Added, res.Changed, res.Unchanged)
	return err
}

func changeText(c mailstore.UserImportChange) string {
	switch c.What {
	case "added":
		return "added, " + c.New
	case "email", "name":
		return fmt.Sprintf("%s %s -> %s", c.What, c.Old, c.New)
	case "joined":
		return "joined group " + c.New
	case "group created":
		return "created group " + c.New
	}
	return c.What
}
