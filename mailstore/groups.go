package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Group is a named set of users. A role on a queue granted to a group is
// held by each of its members while they are members (the user_roles
// view).
type Group struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Created     time.Time `json:"created"`
	// Members are the logins of its members, sorted.
	Members []string `json:"members"`
	// Roles are the roles granted to the group, by queue and role.
	Roles []GroupRole `json:"roles"`
}

// GroupRole is one role on a queue granted to a group.
type GroupRole struct {
	Queue  string `json:"queue"`
	Role   string `json:"role"`
	Notify string `json:"notify,omitempty"` // watchers: NotifyNew or NotifyAll
}

// What a watcher is told of (RoleGrant.Notify).
const (
	// NotifyAll: new tickets and the correspondence on the queue's
	// tickets, as RT tells its AdminCcs. The default.
	NotifyAll = "all"
	// NotifyNew: new tickets, requestors' mail on tickets nobody owns,
	// and comments; no copy of the correspondence.
	NotifyNew = "new"
)

// RoleGrant names whom Grant and Revoke give a role to or take it from:
// a user (User, a login) or a group (Group), one of the two.
type RoleGrant struct {
	User  string `json:"user,omitempty"`
	Group string `json:"group,omitempty"`
	// Role is RoleCaseworker, RoleManager or RoleWatcher; for Revoke, ""
	// takes every role.
	Role string `json:"role"`
	// Notify is for a watcher: NotifyAll (default) or NotifyNew.
	Notify string `json:"notify,omitempty"`
}

func (g RoleGrant) check(revoke bool) (RoleGrant, error) {
	if (g.User == "") == (g.Group == "") {
		return g, refuse(ErrInvalid, "name a user or a group (--group NAME), not both or neither")
	}
	if !revoke || g.Role != "" {
		if err := validRole(g.Role); err != nil {
			return g, err
		}
	}
	switch {
	case revoke && g.Notify != "":
		return g, refuse(ErrInvalid, "--notify goes with grant, not revoke")
	case g.Notify != "" && g.Role != RoleWatcher:
		return g, refuse(ErrInvalid, "--notify is for watchers: grant with --role watcher")
	case g.Notify == "" && !revoke:
		g.Notify = NotifyAll
	case g.Notify != "" && g.Notify != NotifyAll && g.Notify != NotifyNew:
		return g, refuse(ErrInvalid, "--notify %q is not one of new, all", g.Notify)
	}
	return g, nil
}

// groupByName finds a group by name.
func groupByName(ctx context.Context, q querier, name string) (*Group, error) {
	var g Group
	var created int64
	err := q.QueryRowContext(ctx, `SELECT id, name, description, created FROM groups WHERE name = $1`, strings.ToLower(strings.TrimSpace(name))).
		Scan(&g.ID, &g.Name, &g.Description, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, refuse(ErrNotFound, "no group %q: see 'sak group list'", name)
	}
	if err != nil {
		return nil, fmt.Errorf("look up group %s: %w", name, err)
	}
	g.Created = fromMicros(created)
	return &g, nil
}

// CreateGroup creates a group with no members. Sysadmins and the managers
// of a queue may; a manager then grants it a role on their queue, and
// manages its members from then on (see AddGroupMembers).
func (s *Store) CreateGroup(ctx context.Context, actor, name, description string) (*Group, error) {
	clean := strings.ToLower(strings.TrimSpace(name))
	if !isName(clean, false) {
		return nil, refuse(ErrInvalid, "group name %q is not valid: use lower-case letters, digits, '.', '-' and '_'", name)
	}
	var g *Group
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := actorUser(ctx, tx, actor)
		if err != nil {
			return err
		}
		if !a.Sysadmin {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_roles WHERE user_id = $1 AND role = 'manager'`, a.ID).Scan(&n); err != nil {
				return fmt.Errorf("read roles: %w", err)
			}
			if n == 0 {
				return refuse(ErrPermission, "%s may not create groups: only sysadmins and queue managers may", a.Login)
			}
		}
		if _, err := groupByName(ctx, tx, clean); err == nil {
			return refuse(ErrConflict, "group %s exists already", clean)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO groups (name, description, created) VALUES ($1, $2, $3)`, clean, strings.TrimSpace(description), micros(s.now())); err != nil {
			return fmt.Errorf("create group %s: %w", clean, err)
		}
		g, err = groupByName(ctx, tx, clean)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.fillGroup(ctx, s.db, g)
}

// mayManageGroup refuses an actor who may not change the group's
// members: sysadmins may, and a manager of every queue the group holds a
// role on (at least one). Every queue, not one: else a manager of one
// queue who granted it a role there could add themself to a group that
// manages another queue.
func mayManageGroup(ctx context.Context, q querier, a *User, g *Group) error {
	if a.Sysadmin {
		return nil
	}
	var queues, managed int
	err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT g.queue_id),
		COUNT(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM user_roles r WHERE r.queue_id = g.queue_id AND r.user_id = $2 AND r.role = 'manager') THEN g.queue_id END)
		FROM group_roles g WHERE g.group_id = $1`, g.ID, a.ID).Scan(&queues, &managed)
	if err != nil {
		return fmt.Errorf("read roles of group %s: %w", g.Name, err)
	}
	if queues == 0 || managed < queues {
		return refuse(ErrPermission, "%s may not manage group %s: sysadmins may, and managers of every queue it holds a role on", a.Login, g.Name)
	}
	return nil
}

// AddGroupMembers adds users to a group, all or none: an unknown or
// disabled login, or one already a member, changes nothing. Who may is
// as mayManageGroup says.
func (s *Store) AddGroupMembers(ctx context.Context, actor, group string, logins []string) (*Group, error) {
	return s.changeMembers(ctx, actor, group, logins, true)
}

// RemoveGroupMembers takes users out of a group, all or none; the roles
// granted to the group are theirs no longer, at once.
func (s *Store) RemoveGroupMembers(ctx context.Context, actor, group string, logins []string) (*Group, error) {
	return s.changeMembers(ctx, actor, group, logins, false)
}

func (s *Store) changeMembers(ctx context.Context, actor, group string, logins []string, add bool) (*Group, error) {
	if len(logins) == 0 {
		return nil, refuse(ErrInvalid, "name at least one login")
	}
	var g *Group
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := actorUser(ctx, tx, actor)
		if err != nil {
			return err
		}
		if g, err = groupByName(ctx, tx, group); err != nil {
			return err
		}
		if err := mayManageGroup(ctx, tx, a, g); err != nil {
			return err
		}
		return setMembers(ctx, tx, g, logins, add)
	})
	if err != nil {
		return nil, err
	}
	return s.fillGroup(ctx, s.db, g)
}

// setMembers adds (or removes) the users to (from) the group in tx, or
// refuses the first that cannot be.
func setMembers(ctx context.Context, tx *sql.Tx, g *Group, logins []string, add bool) error {
	for _, login := range logins {
		u, err := userByLogin(ctx, tx, login)
		if err != nil {
			return err
		}
		var res sql.Result
		if add {
			if u.Disabled {
				return refuse(ErrDisabled, "user %s is disabled", u.Login)
			}
			res, err = tx.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, g.ID, u.ID)
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM group_members WHERE group_id = $1 AND user_id = $2`, g.ID, u.ID)
		}
		if err != nil {
			return fmt.Errorf("change members of %s: %w", g.Name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if add {
				return refuse(ErrConflict, "%s is a member of %s already", u.Login, g.Name)
			}
			return refuse(ErrConflict, "%s is not a member of %s", u.Login, g.Name)
		}
	}
	return nil
}

// Group is the group named name with its members and roles.
func (s *Store) Group(ctx context.Context, name string) (*Group, error) {
	g, err := groupByName(ctx, s.db, name)
	if err != nil {
		return nil, err
	}
	return s.fillGroup(ctx, s.db, g)
}

// Groups lists the groups by name, with their members and roles.
func (s *Store) Groups(ctx context.Context) ([]Group, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, description, created FROM groups ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	var gs []Group
	byID := map[int64]*Group{}
	for rows.Next() {
		var g Group
		var created int64
		if err := rows.Scan(&g.ID, &g.Name, &g.Description, &created); err != nil {
			rows.Close()
			return nil, err
		}
		g.Created = fromMicros(created)
		gs = append(gs, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range gs {
		gs[i].Members, gs[i].Roles = []string{}, []GroupRole{}
		byID[gs[i].ID] = &gs[i]
	}
	if err := s.readGroupParts(ctx, s.db, "", nil, byID); err != nil {
		return nil, err
	}
	return gs, nil
}

// fillGroup reads the members and roles of g.
func (s *Store) fillGroup(ctx context.Context, q querier, g *Group) (*Group, error) {
	g.Members, g.Roles = []string{}, []GroupRole{}
	return g, s.readGroupParts(ctx, q, " WHERE x.group_id = $1", []any{g.ID}, map[int64]*Group{g.ID: g})
}

// readGroupParts reads the members and roles of the groups in byID, of
// those the condition where (on group_members and group_roles aliased x)
// picks: two queries however many groups.
func (s *Store) readGroupParts(ctx context.Context, q querier, where string, args []any, byID map[int64]*Group) error {
	rows, err := q.QueryContext(ctx, `SELECT x.group_id, COALESCE(u.login, '') FROM group_members x JOIN users u ON u.id = x.user_id`+where+` ORDER BY u.login`, args...)
	if err != nil {
		return fmt.Errorf("read group members: %w", err)
	}
	for rows.Next() {
		var id int64
		var login string
		if err := rows.Scan(&id, &login); err != nil {
			rows.Close()
			return err
		}
		if g := byID[id]; g != nil {
			g.Members = append(g.Members, login)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT x.group_id, qu.name, x.role, x.notify FROM group_roles x JOIN queues qu ON qu.id = x.queue_id`+where+` ORDER BY qu.name, x.role`, args...)
	if err != nil {
		return fmt.Errorf("read group roles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r GroupRole
		if err := rows.Scan(&id, &r.Queue, &r.Role, &r.Notify); err != nil {
			return err
		}
		if r.Role != RoleWatcher {
			r.Notify = ""
		}
		if g := byID[id]; g != nil {
			g.Roles = append(g.Roles, r)
		}
	}
	return rows.Err()
}
