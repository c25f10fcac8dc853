package mailstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Directory is what an organisation's directory (LDAP, read by
// importer/ldapdir) lists: the people who may work in sak, and their
// groups.
type Directory struct {
	Users []DirectoryUser
	// Groups are synced when GroupsRead; else sak's groups stay as they
	// are.
	Groups     []DirectoryGroup
	GroupsRead bool
}

// DirectoryGroup is one group of a directory, as read.
type DirectoryGroup struct {
	Ref     string // where the entry is in the directory (its DN), for messages
	Name    string
	Members []string // logins, as the users' entries give them
}

// DirectoryUser is one person of a directory, as read: the sync checks
// the login and the address.
type DirectoryUser struct {
	Ref   string // where the entry is in the directory (its DN), for messages
	Login string
	Email string
	Name  string
}

// Actions of a directory sync.
const (
	DirAdd     = "add"     // a new user
	DirAdopt   = "adopt"   // a user made in sak whose login the directory lists: the directory's now
	DirChange  = "change"  // address or name
	DirDisable = "disable" // no longer listed
	DirEnable  = "enable"  // listed again after the sync disabled them
	DirSkip    = "skip"    // not done, for Reason

	DirGroupAdd   = "group-add"   // a new group
	DirGroupAdopt = "group-adopt" // a group made in sak whose name the directory lists: the directory's now
	DirMembers    = "members"     // members added and removed
	DirGroupEmpty = "group-empty" // a group the directory no longer lists: its members removed
)

// DirectoryChange is one thing a directory sync does, or would do.
type DirectoryChange struct {
	Action string `json:"action"`
	Login  string `json:"login,omitempty"`
	Group  string `json:"group,omitempty"`
	Email  string `json:"email,omitempty"`
	Name   string `json:"name,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Of a change: which fields changed ("email", "name"), and from what.
	Changed  []string `json:"changed,omitempty"`
	OldEmail string   `json:"old_email,omitempty"`
	OldName  string   `json:"old_name,omitempty"`
	// Of a group's members: the logins added and removed.
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// DirectoryReport is what a directory sync read and did (or, dry, would
// do).
type DirectoryReport struct {
	Users   int               `json:"users"`
	Groups  int               `json:"groups"`
	DryRun  bool              `json:"dry_run"`
	Changes []DirectoryChange `json:"changes"`
}

// Count is how many changes of the action the report holds.
func (r *DirectoryReport) Count(action string) int {
	n := 0
	for _, c := range r.Changes {
		if c.Action == action {
			n++
		}
	}
	return n
}

// SyncDirectory makes sak's users what the directory lists (only
// sysadmins may):
//
//   - a login the directory lists and sak does not know becomes a user
//     (a requestor known by the address gets the login);
//   - a user's address and name follow the directory's (an empty name
//     in the directory leaves sak's);
//   - a user the sync made who is no longer listed is disabled, never
//     deleted: the tickets' history keeps their name; listed again,
//     they are enabled again;
//   - users made in sak and not listed (root, local accounts) are never
//     touched; a user made in sak whose login the directory lists is
//     adopted, and follows the directory from then on;
//   - a user disabled by hand while listed stays disabled; the
//     directory never makes or unmakes sysadmins.
//
// When the groups were read (GroupsRead), each group the directory lists
// is made when missing (a group made in sak of that name is adopted) and
// its members are set to the directory's members that are active users;
// a group the sync made that the directory no longer lists loses its
// members (it stays, with its roles, should it come back). Groups made
// in sak and not listed are never touched. The roles granted to groups
// are sak's: the sync never changes them.
//
// An entry sak cannot take (no valid login or address, an address of
// another user, a login listed twice) is skipped with the reason, and
// its login is not disabled. A directory that lists no users is refused:
// that is a wrong base or filter, not everyone gone. It is one
// transaction; dryRun rolls it back, so the report says exactly what a
// sync would do and nothing changes.
func (s *Store) SyncDirectory(ctx context.Context, actor string, d *Directory, dryRun bool) (*DirectoryReport, error) {
	return s.syncDirectory(ctx, d, dryRun, func(tx *sql.Tx) error {
		_, err := requireSysadmin(ctx, tx, actor, "sync users from a directory")
		return err
	})
}

func (s *Store) syncDirectory(ctx context.Context, d *Directory, dryRun bool, check func(*sql.Tx) error) (*DirectoryReport, error) {
	if len(d.Users) == 0 {
		return nil, refuse(ErrInvalid, "the directory lists no users: check the base DN and the filter; nothing was changed")
	}
	if d.GroupsRead && len(d.Groups) == 0 {
		return nil, refuse(ErrInvalid, "the directory lists no groups: check the group base DN and filter; nothing was changed")
	}
	var r *DirectoryReport
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		sy := &dirSync{s: s, ctx: ctx, tx: tx, now: micros(s.now()), r: &DirectoryReport{Users: len(d.Users), Groups: len(d.Groups), DryRun: dryRun}}
		if err := sy.users(d.Users); err != nil {
			return err
		}
		if d.GroupsRead {
			if err := sy.groups(d.Groups); err != nil {
				return err
			}
		}
		r = sy.r
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
	return r, nil
}

// dirSync is one directory sync in its transaction.
type dirSync struct {
	s   *Store
	ctx context.Context
	tx  *sql.Tx
	now int64
	r   *DirectoryReport
}

func (sy *dirSync) note(c DirectoryChange) { sy.r.Changes = append(sy.r.Changes, c) }

// dirUser is a user with a login as the sync sees them.
type dirUser struct {
	User
	directory string // '', 'listed' or 'left' (migration 0020)
}

// users syncs the users; see SyncDirectory.
func (sy *dirSync) users(entries []DirectoryUser) error {
	ctx, tx := sy.ctx, sy.tx
	known := map[string]*dirUser{}
	rows, err := tx.QueryContext(ctx, `SELECT `+userCols+`, directory FROM users WHERE login IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("read users: %w", err)
	}
	for rows.Next() {
		var u dirUser
		var created int64
		if err := rows.Scan(&u.ID, &u.Login, &u.Email, &u.Name, &u.Sysadmin, &u.Disabled, &created, &u.Digest, &u.directory); err != nil {
			rows.Close()
			return fmt.Errorf("read users: %w", err)
		}
		known[u.Login] = &u
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read users: %w", err)
	}

	// A login seen in any entry, even one skipped, is not disabled: an
	// entry that lost its address is a mistake to fix, not a departure.
	listed := map[string]bool{}
	for _, e := range entries {
		listed[strings.ToLower(strings.TrimSpace(e.Login))] = true
	}
	entries = slices.Clone(entries)
	slices.SortStableFunc(entries, func(a, b DirectoryUser) int {
		return strings.Compare(strings.ToLower(strings.TrimSpace(a.Login)), strings.ToLower(strings.TrimSpace(b.Login)))
	})
	seenLogin, seenEmail := map[string]string{}, map[string]string{}
	for _, e := range entries {
		login := strings.ToLower(strings.TrimSpace(e.Login))
		skip := func(format string, args ...any) {
			sy.note(DirectoryChange{Action: DirSkip, Login: login, Email: e.Email, Reason: e.Ref + ": " + fmt.Sprintf(format, args...)})
		}
		if !isName(login, false) {
			skip("login %q is not one sak takes (lower-case letters, digits, '.', '-' and '_')", e.Login)
			continue
		}
		if e.Email == "" {
			skip("no mail address")
			continue
		}
		email, err := CleanAddress(e.Email)
		if err != nil {
			skip("%q is not a mail address", e.Email)
			continue
		}
		if ref, ok := seenLogin[login]; ok {
			skip("login %s is listed by %s too", login, ref)
			continue
		}
		if ref, ok := seenEmail[email]; ok {
			skip("address %s is listed by %s too", email, ref)
			continue
		}
		seenLogin[login], seenEmail[email] = e.Ref, e.Ref
		name := strings.TrimSpace(e.Name)
		if u, ok := known[login]; ok {
			err = sy.update(u, email, name, e.Ref)
		} else {
			err = sy.add(login, email, name, e.Ref)
		}
		if err != nil {
			return err
		}
	}

	var gone []*dirUser
	for login, u := range known {
		if u.directory == "listed" && !listed[login] && !u.Disabled {
			gone = append(gone, u)
		}
	}
	slices.SortFunc(gone, func(a, b *dirUser) int { return strings.Compare(a.Login, b.Login) })
	for _, u := range gone {
		err := disableUser(ctx, tx, &u.User)
		if IsRefusal(err) {
			sy.note(DirectoryChange{Action: DirSkip, Login: u.Login, Email: u.Email, Reason: "not listed, but " + err.Error()})
			continue
		}
		if err != nil {
			return err
		}
		if err := sy.mark(u.ID, "left"); err != nil {
			return err
		}
		sy.note(DirectoryChange{Action: DirDisable, Login: u.Login, Email: u.Email, Name: u.Name, Reason: "no longer in the directory"})
	}
	return nil
}

// groups syncs the groups, after the users; see SyncDirectory.
func (sy *dirSync) groups(entries []DirectoryGroup) error {
	ctx, tx := sy.ctx, sy.tx
	type group struct {
		id        int64
		directory string
		members   map[string]bool
	}
	known := map[string]*group{}
	byID := map[int64]*group{}
	rows, err := tx.QueryContext(ctx, `SELECT id, name, directory FROM groups`)
	if err != nil {
		return fmt.Errorf("read groups: %w", err)
	}
	for rows.Next() {
		var name string
		g := &group{members: map[string]bool{}}
		if err := rows.Scan(&g.id, &name, &g.directory); err != nil {
			rows.Close()
			return fmt.Errorf("read groups: %w", err)
		}
		known[name], byID[g.id] = g, g
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read groups: %w", err)
	}
	if err := scanPairs(ctx, tx, `SELECT m.group_id, u.login FROM group_members m JOIN users u ON u.id = m.user_id WHERE u.login IS NOT NULL`,
		func(id int64, login string) {
			if g := byID[id]; g != nil {
				g.members[login] = true
			}
		}); err != nil {
		return fmt.Errorf("read group members: %w", err)
	}
	// Members are the active users: a disabled user is in no directory
	// group (those who left the directory are disabled).
	active := map[string]int64{}
	if err := scanPairs(ctx, tx, `SELECT id, login FROM users WHERE login IS NOT NULL AND disabled = FALSE`,
		func(id int64, login string) { active[login] = id }); err != nil {
		return fmt.Errorf("read users: %w", err)
	}

	entries = slices.Clone(entries)
	slices.SortStableFunc(entries, func(a, b DirectoryGroup) int {
		return strings.Compare(strings.ToLower(strings.TrimSpace(a.Name)), strings.ToLower(strings.TrimSpace(b.Name)))
	})
	listed, seen := map[string]bool{}, map[string]string{}
	for _, e := range entries {
		listed[strings.ToLower(strings.TrimSpace(e.Name))] = true
	}
	for _, e := range entries {
		name := strings.ToLower(strings.TrimSpace(e.Name))
		skip := func(format string, args ...any) {
			sy.note(DirectoryChange{Action: DirSkip, Group: name, Reason: e.Ref + ": " + fmt.Sprintf(format, args...)})
		}
		if !isName(name, false) {
			skip("group name %q is not one sak takes (lower-case letters, digits, '.', '-' and '_')", e.Name)
			continue
		}
		if ref, ok := seen[name]; ok {
			skip("group %s is listed by %s too", name, ref)
			continue
		}
		seen[name] = e.Ref
		g := known[name]
		switch {
		case g == nil:
			g = &group{members: map[string]bool{}}
			if err := tx.QueryRowContext(ctx, `INSERT INTO groups (name, created, directory) VALUES ($1, $2, 'listed') RETURNING id`, name, sy.now).Scan(&g.id); err != nil {
				return fmt.Errorf("create group %s: %w", name, err)
			}
			sy.note(DirectoryChange{Action: DirGroupAdd, Group: name})
		case g.directory == "":
			sy.note(DirectoryChange{Action: DirGroupAdopt, Group: name, Reason: "made in sak, listed by " + e.Ref})
			fallthrough
		case g.directory == "left":
			if _, err := tx.ExecContext(ctx, `UPDATE groups SET directory = 'listed' WHERE id = $1`, g.id); err != nil {
				return fmt.Errorf("mark group %s: %w", name, err)
			}
		}
		want := map[string]bool{}
		for _, m := range e.Members {
			if login := strings.ToLower(strings.TrimSpace(m)); active[login] != 0 {
				want[login] = true
			}
		}
		if err := sy.setMembers(name, g.id, g.members, want, active, DirMembers); err != nil {
			return err
		}
	}
	names := slices.Sorted(maps.Keys(known))
	for _, name := range names {
		g := known[name]
		if g.directory != "listed" || listed[name] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET directory = 'left' WHERE id = $1`, g.id); err != nil {
			return fmt.Errorf("mark group %s: %w", name, err)
		}
		if err := sy.setMembers(name, g.id, g.members, nil, active, DirGroupEmpty); err != nil {
			return err
		}
	}
	return nil
}

// setMembers makes the members of group id want, from have, and notes
// it as action when that changed anything. active gives the users' ids;
// a member who is no longer a user with a login is looked up.
func (sy *dirSync) setMembers(name string, id int64, have, want map[string]bool, active map[string]int64, action string) error {
	ctx, tx := sy.ctx, sy.tx
	c := DirectoryChange{Action: action, Group: name}
	for _, login := range slices.Sorted(maps.Keys(want)) {
		if have[login] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)`, id, active[login]); err != nil {
			return fmt.Errorf("add %s to group %s: %w", login, name, err)
		}
		c.Added = append(c.Added, login)
	}
	for _, login := range slices.Sorted(maps.Keys(have)) {
		if want[login] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE group_id = $1 AND user_id = (SELECT id FROM users WHERE login = $2)`, id, login); err != nil {
			return fmt.Errorf("remove %s from group %s: %w", login, name, err)
		}
		c.Removed = append(c.Removed, login)
	}
	if len(c.Added)+len(c.Removed) > 0 || action == DirGroupEmpty {
		sy.note(c)
	}
	return nil
}

// scanPairs runs query, whose rows are (id, text), and hands each row to
// fn.
func scanPairs(ctx context.Context, q querier, query string, fn func(int64, string)) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return err
		}
		fn(id, s)
	}
	return rows.Err()
}

// add makes a user of a login sak does not know (AddUser's rules: a
// requestor known by the address gets the login).
func (sy *dirSync) add(login, email, name, ref string) error {
	ctx, tx := sy.ctx, sy.tx
	if name == "" { // a requestor keeps the name sak knows them by
		if other, err := userByEmail(ctx, tx, email); err == nil {
			name = other.Name
		}
	}
	u, err := sy.s.addUser(ctx, tx, login, email, name, false)
	if IsRefusal(err) {
		sy.note(DirectoryChange{Action: DirSkip, Login: login, Email: email, Reason: ref + ": " + err.Error()})
		return nil
	}
	if err != nil {
		return err
	}
	if err := sy.mark(u.ID, "listed"); err != nil {
		return err
	}
	sy.note(DirectoryChange{Action: DirAdd, Login: login, Email: email, Name: name})
	return nil
}

// update makes a known user what the directory lists.
func (sy *dirSync) update(u *dirUser, email, name, ref string) error {
	ctx, tx := sy.ctx, sy.tx
	switch u.directory {
	case "":
		if err := sy.mark(u.ID, "listed"); err != nil {
			return err
		}
		sy.note(DirectoryChange{Action: DirAdopt, Login: u.Login, Email: u.Email, Name: u.Name, Reason: "made in sak, listed by " + ref})
	case "left":
		if err := sy.mark(u.ID, "listed"); err != nil {
			return err
		}
		// Enabled by hand since: nothing to do but the mark.
		if u.Disabled {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = FALSE WHERE id = $1`, u.ID); err != nil {
				return fmt.Errorf("enable user %s: %w", u.Login, err)
			}
			sy.note(DirectoryChange{Action: DirEnable, Login: u.Login, Email: u.Email, Name: u.Name, Reason: "back in the directory"})
		}
	}
	c := DirectoryChange{Action: DirChange, Login: u.Login, Email: u.Email, Name: u.Name}
	if email != u.Email {
		// EditUser's rule: an address another user or a requestor has
		// stays theirs.
		switch err := setEmail(ctx, tx, &u.User, email); {
		case IsRefusal(err):
			sy.note(DirectoryChange{Action: DirSkip, Login: u.Login, Email: email, Reason: ref + ": " + err.Error()})
		case err != nil:
			return err
		default:
			c.Email, c.OldEmail = email, u.Email
			c.Changed = append(c.Changed, "email")
		}
	}
	if name != "" && name != u.Name {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1 WHERE id = $2`, name, u.ID); err != nil {
			return fmt.Errorf("change the name of %s: %w", u.Login, err)
		}
		c.Name, c.OldName = name, u.Name
		c.Changed = append(c.Changed, "name")
	}
	if len(c.Changed) > 0 {
		sy.note(c)
	}
	return nil
}

// mark records what the directory says of a user: 'listed' or 'left'.
func (sy *dirSync) mark(id int64, state string) error {
	if _, err := sy.tx.ExecContext(sy.ctx, `UPDATE users SET directory = $1 WHERE id = $2`, state, id); err != nil {
		return fmt.Errorf("mark user %d %s: %w", id, state, err)
	}
	return nil
}

// The directory sync of 'sak serve --directory-sync' runs on one front
// end at a time: the one that holds its lease, a row of the settings
// table. The lease doubles as the back-off after a failed sync.
const dirLeaseKey = "directory_sync"

type dirLease struct {
	Holder string `json:"holder,omitempty"`
	Until  int64  `json:"until,omitempty"` // micros; the lease ends then
	Last   int64  `json:"last,omitempty"`  // micros; the last sync that succeeded ended then
}

// withDirLease runs fn on the lease, locked, in a transaction, and stores
// what fn left in it.
func (s *Store) withDirLease(ctx context.Context, fn func(tx *sql.Tx, l *dirLease) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, '{}') ON CONFLICT (key) DO NOTHING`, dirLeaseKey); err != nil {
			return fmt.Errorf("lease the directory sync: %w", err)
		}
		var v string
		if err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`+s.d.forUpdate, dirLeaseKey).Scan(&v); err != nil {
			return fmt.Errorf("lease the directory sync: %w", err)
		}
		var l dirLease
		if err := json.Unmarshal([]byte(v), &l); err != nil {
			return fmt.Errorf("lease the directory sync: setting %s: %w", dirLeaseKey, err)
		}
		if err := fn(tx, &l); err != nil {
			return err
		}
		b, _ := json.Marshal(l)
		return putSetting(ctx, tx, dirLeaseKey, string(b))
	})
}

// ClaimDirectorySync leases the scheduled directory sync to holder (a
// name unique to the process) for hold, when it is due: when no sync
// succeeded within every and no other holder's lease runs. False when
// it is not holder's to run now.
func (s *Store) ClaimDirectorySync(ctx context.Context, holder string, every, hold time.Duration) (bool, error) {
	var ok bool
	err := s.withDirLease(ctx, func(_ *sql.Tx, l *dirLease) error {
		now := s.now()
		ok = false
		if l.Until > micros(now) && l.Holder != holder {
			return nil
		}
		if l.Last != 0 && fromMicros(l.Last).Add(every).After(now) {
			return nil
		}
		ok = true
		l.Holder, l.Until = holder, micros(now.Add(hold))
		return nil
	})
	return ok, err
}

// FinishDirectorySync ends holder's lease. After a sync that succeeded
// the next is due in ClaimDirectorySync's every; after one that failed
// no front end tries again for retry.
func (s *Store) FinishDirectorySync(ctx context.Context, holder string, succeeded bool, retry time.Duration) error {
	return s.withDirLease(ctx, func(_ *sql.Tx, l *dirLease) error {
		if l.Holder != holder {
			return nil // lost: another holder's now
		}
		now := s.now()
		l.Holder, l.Until = "", 0
		if succeeded {
			l.Last = micros(now)
		} else {
			l.Until = micros(now.Add(retry))
		}
		return nil
	})
}

// SyncDirectoryLeased is SyncDirectory for the daemon that holds the
// lease of ClaimDirectorySync: the lease, not a user, is its right.
func (s *Store) SyncDirectoryLeased(ctx context.Context, holder string, d *Directory) (*DirectoryReport, error) {
	return s.syncDirectory(ctx, d, false, func(tx *sql.Tx) error {
		var v string
		if err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`+s.d.forUpdate, dirLeaseKey).Scan(&v); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("check the lease of the directory sync: %w", err)
		}
		var l dirLease
		_ = json.Unmarshal([]byte(v), &l)
		if l.Holder != holder || l.Until <= micros(s.now()) {
			return refuse(ErrConflict, "the directory sync is not leased to %s (any more): nothing was changed", holder)
		}
		return nil
	})
}
