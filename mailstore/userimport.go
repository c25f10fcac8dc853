package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ImportedUser is one user of a bulk import (ImportUsers): a line of a
// CSV file, say.
type ImportedUser struct {
	Line   int // where it came from, for errors; 0 for none
	Login  string
	Email  string
	Name   string   // "" leaves a known user's name as it is
	Groups []string // groups to be a member of; made when missing
}

// UserImportChange is one change an import makes.
type UserImportChange struct {
	Login string `json:"login"`
	// What: "added", "email", "name", "group created", "joined".
	What string `json:"what"`
	// Old and New are the values before and after: the address or name;
	// the group's name for "group created" and "joined".
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
}

// UserImport is what ImportUsers did, or would do on a dry run.
type UserImport struct {
	DryRun    bool               `json:"dry_run"`
	Added     int                `json:"added"`
	Changed   int                `json:"changed"`
	Unchanged int                `json:"unchanged"`
	Changes   []UserImportChange `json:"changes"`
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

// ImportUsers adds the users that do not exist, gives known ones the
// address and name given, and puts each in the groups given (made when
// missing), in one transaction: a bad line changes nothing and names its
// line. It never removes anyone from a group nor disables a user, so
// running it again with the same users changes nothing. With dryRun it
// reports what it would change and changes nothing. Only sysadmins may.
func (s *Store) ImportUsers(ctx context.Context, actor string, users []ImportedUser, dryRun bool) (*UserImport, error) {
	var res *UserImport
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = &UserImport{DryRun: dryRun, Changes: []UserImportChange{}}
		if _, err := requireSysadmin(ctx, tx, actor, "import users"); err != nil {
			return err
		}
		seen := map[string]int{}
		for _, iu := range users {
			at := ""
			if iu.Line > 0 {
				at = fmt.Sprintf("line %d: ", iu.Line)
			}
			n := len(res.Changes)
			if err := s.importUser(ctx, tx, iu, seen, res); err != nil {
				if e := (*Error)(nil); errors.As(err, &e) {
					return &Error{Kind: e.Kind, Msg: at + e.Msg}
				}
				return fmt.Errorf("%s%w", at, err)
			}
			switch {
			case len(res.Changes) > n && res.Changes[n].What == "added":
				res.Added++
			case len(res.Changes) > n:
				res.Changed++
			default:
				res.Unchanged++
			}
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// importUser makes one user of an import as it says, in tx, noting the
// changes in res; seen holds the logins and addresses of the lines before
// (one user a line).
func (s *Store) importUser(ctx context.Context, tx *sql.Tx, iu ImportedUser, seen map[string]int, res *UserImport) error {
	login := strings.ToLower(strings.TrimSpace(iu.Login))
	if !isName(login, false) {
		return refuse(ErrInvalid, "login %q is not valid: use lower-case letters, digits, '.', '-' and '_'", iu.Login)
	}
	email, err := CleanAddress(iu.Email)
	if err != nil {
		return err
	}
	for _, k := range [][2]string{{"login", login}, {"address", email}} {
		if line, ok := seen[k[0]+" "+k[1]]; ok {
			return refuse(ErrInvalid, "%s %s is on line %d already: one line a user", k[0], k[1], line)
		}
		seen[k[0]+" "+k[1]] = iu.Line
	}
	name := strings.TrimSpace(iu.Name)
	note := func(what, old, new string) {
		res.Changes = append(res.Changes, UserImportChange{Login: login, What: what, Old: old, New: new})
	}
	u, err := userByLogin(ctx, tx, login)
	switch {
	case errors.Is(err, ErrUnknownUser):
		if u, err = s.addUser(ctx, tx, login, email, name, false); err != nil {
			return err
		}
		note("added", "", email)
	case err != nil:
		return err
	default:
		if email != u.Email {
			if err := setEmail(ctx, tx, u, email); err != nil {
				return err
			}
			note("email", u.Email, email)
		}
		if name != "" && name != u.Name {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1 WHERE id = $2`, name, u.ID); err != nil {
				return fmt.Errorf("edit user %s: %w", login, err)
			}
			note("name", u.Name, name)
		}
	}
	for _, gname := range iu.Groups {
		gname = strings.ToLower(strings.TrimSpace(gname))
		if gname == "" {
			continue
		}
		g, err := groupByName(ctx, tx, gname)
		if errors.Is(err, ErrNotFound) {
			if !isName(gname, false) {
				return refuse(ErrInvalid, "group name %q is not valid: use lower-case letters, digits, '.', '-' and '_'", gname)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO groups (name, created) VALUES ($1, $2)`, gname, micros(s.now())); err != nil {
				return fmt.Errorf("create group %s: %w", gname, err)
			}
			note("group created", "", gname)
			g, err = groupByName(ctx, tx, gname)
		}
		if err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, g.ID, u.ID)
		if err != nil {
			return fmt.Errorf("add %s to group %s: %w", login, gname, err)
		}
		if n, _ := r.RowsAffected(); n > 0 {
			note("joined", "", gname)
		}
	}
	return nil
}
