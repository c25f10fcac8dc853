package mailstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

const queueCols = `id, name, address, comment_address, tag, description, created, lang, signature, notify_resolved, digest_default, templates_version`

// queueColsOf is queueCols of the queue called alias in a query.
func queueColsOf(alias string) string {
	return alias + "." + strings.ReplaceAll(queueCols, ", ", ", "+alias+".")
}

func scanQueue(row interface{ Scan(...any) error }) (*Queue, error) {
	var q Queue
	var created int64
	if err := row.Scan(&q.ID, &q.Name, &q.Address, &q.CommentAddress, &q.Tag, &q.Description, &created, &q.Lang, &q.Signature, &q.NotifyResolved, &q.DigestDefault, &q.templates.version); err != nil {
		return nil, err
	}
	q.templates.known = true
	q.Created = fromMicros(created)
	return &q, nil
}

// NewQueue is what CreateQueue needs. CommentAddress defaults to
// NAME-comment@domain of Address, Tag to the queue's name.
type NewQueue struct {
	Name           string
	Address        string
	CommentAddress string
	Tag            string
	Description    string
	// Lang is the language of its mail (LangNB, LangEN, LangNBEN);
	// default nb+en.
	Lang string
}

// CreateQueue creates a queue. Only sysadmins may.
func (s *Store) CreateQueue(ctx context.Context, actor string, nq NewQueue) (*Queue, error) {
	name := strings.ToLower(strings.TrimSpace(nq.Name))
	if !isName(name, false) {
		return nil, refuse(ErrInvalid, "queue name %q is not valid: use lower-case letters, digits, '.', '-' and '_'", nq.Name)
	}
	addr, err := cleanQueueAddress(nq.Address)
	if err != nil {
		return nil, err
	}
	comment := nq.CommentAddress
	if comment == "" {
		comment = defaultCommentAddress(addr)
	}
	if comment, err = cleanQueueAddress(comment); err != nil {
		return nil, err
	}
	if comment == addr {
		return nil, refuse(ErrInvalid, "the comment address must differ from the correspond address %s", addr)
	}
	tag := nq.Tag
	if tag == "" {
		tag = name
	}
	if !isName(tag, true) {
		return nil, refuse(ErrInvalid, "subject tag %q is not valid: use letters, digits, '.', '-' and '_'", tag)
	}
	lang := nq.Lang
	if lang == "" {
		lang = LangNBEN
	}
	if err := validLang(lang); err != nil {
		return nil, err
	}
	var q *Queue
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := requireSysadmin(ctx, tx, actor, "create queues"); err != nil {
			return err
		}
		if err := checkFree(ctx, tx, "name", name, 0); err != nil {
			return err
		}
		for _, ad := range []string{addr, comment} {
			if other, _, err := queueByAddress(ctx, tx, ad); err == nil {
				return refuse(ErrConflict, "%s is an address of queue %s already", ad, other.Name)
			}
			if u, err := userByEmail(ctx, tx, ad); err == nil && u.Login != "" {
				return refuse(ErrConflict, "%s is the address of user %s", ad, u.Login)
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO queues (name, address, comment_address, tag, description, created, lang) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			name, addr, comment, tag, nq.Description, micros(s.now()), lang)
		if err != nil {
			return fmt.Errorf("create queue %s: %w", name, err)
		}
		q, err = queueByName(ctx, tx, name)
		return err
	})
	return q, err
}

// Queues lists the queues by name.
func (s *Store) Queues(ctx context.Context) ([]Queue, error) {
	return s.queues(ctx, nil)
}

// queues lists the queues where u holds a role by name; all of them for a
// sysadmin or a nil u.
func (s *Store) queues(ctx context.Context, u *User) ([]Queue, error) {
	where, args := "", []any{}
	if u != nil && !u.Sysadmin {
		where, args = ` AND `+holdsRole("$1", "queues.id"), append(args, u.ID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+queueCols+` FROM queues WHERE disabled = FALSE`+where+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	defer rows.Close()
	var qs []Queue
	for rows.Next() {
		q, err := scanQueue(rows)
		if err != nil {
			return nil, err
		}
		qs = append(qs, *q)
	}
	return qs, rows.Err()
}

// Queue finds a queue by name.
func (s *Store) Queue(ctx context.Context, name string) (*Queue, error) {
	return queueByName(ctx, s.db, name)
}

// QueueByAddress finds the queue one of whose addresses addr is, and whether
// it is the comment address. addr must be normalised: lower case, no
// +detail.
func (s *Store) QueueByAddress(ctx context.Context, addr string) (q *Queue, comment bool, err error) {
	err = s.retryRead(ctx, func() error {
		q, comment, err = queueByAddress(ctx, cachedDB{s}, addr)
		return err
	})
	return q, comment, err
}

// queueByName is the enabled queue that has or had the name (any case).
func queueByName(ctx context.Context, q querier, name string) (*Queue, error) {
	qu, err := scanQueue(q.QueryRowContext(ctx, `SELECT `+queueCols+` FROM queues WHERE `+named("$1")+` AND disabled = FALSE`, strings.ToLower(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, refuse(ErrUnknownQueue, "no queue %q: see 'sak queue list'", name)
	}
	if err != nil {
		return nil, fmt.Errorf("look up queue %s: %w", name, err)
	}
	return qu, nil
}

func queueByID(ctx context.Context, q querier, id int64) (*Queue, error) {
	qu, err := scanQueue(q.QueryRowContext(ctx, `SELECT `+queueCols+` FROM queues WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("look up queue %d: %w", id, err)
	}
	return qu, nil
}

// QueueAddress is addr as queue addresses are compared: lower case, and a
// +detail of the local part left out (support+urgent@ is support@, as
// the MTA delivers it).
func QueueAddress(addr string) string {
	a, _ := splitDetail(addr)
	return a
}

// splitDetail is the one rule for a +detail: addr without it, lower case
// (QueueAddress), and the detail as written (a signed reply address's
// token), "" when there is none.
func splitDetail(addr string) (base, detail string) {
	s := strings.Trim(addr, "<> \t")
	local, domain := s, ""
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		local, domain = s[:i], s[i:]
	}
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local, detail = local[:i], local[i+1:]
	}
	return strings.ToLower(strings.TrimSpace(local + domain)), detail
}

// Route finds the queue an envelope recipient addresses, and whether its
// comment address: case and a +detail of the local part do not matter,
// and the detail goes with the route (a signed reply address).
func (s *Store) Route(ctx context.Context, rcpt string) (Route, error) {
	q, comment, err := s.QueueByAddress(ctx, rcpt)
	if err != nil {
		return Route{}, err
	}
	_, detail := splitDetail(rcpt)
	return Route{Queue: q, Comment: comment, Detail: detail}, nil
}

// cleanQueueAddress is CleanAddress for a queue's address, which must
// not have a +detail: mail is routed by the address without its detail
// (QueueAddress), and a queue's own detail would route its mail to
// another queue, or a comment address's mail to the correspond queue.
func cleanQueueAddress(addr string) (string, error) {
	a, err := CleanAddress(addr)
	if err != nil {
		return "", err
	}
	if a != QueueAddress(a) {
		return "", refuse(ErrInvalid, "queue address %s has a '+': sak routes local+detail@domain as local@domain (its reply addresses carry a detail); choose one without, with a '-' perhaps", a)
	}
	return a, nil
}

// defaultCommentAddress is NAME-comment@domain for the address NAME@domain.
func defaultCommentAddress(addr string) string {
	local, domain, _ := strings.Cut(addr, "@")
	return local + "-comment@" + domain
}

func queueByAddress(ctx context.Context, q querier, addr string) (*Queue, bool, error) {
	addr = QueueAddress(addr)
	qu, err := scanQueue(q.QueryRowContext(ctx, `SELECT `+queueCols+` FROM queues WHERE (address = $1 OR comment_address = $1) AND disabled = FALSE`, addr))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, refuse(ErrUnknownQueue, "no queue has the address %s", addr)
	}
	if err != nil {
		return nil, false, fmt.Errorf("look up queue address %s: %w", addr, err)
	}
	return qu, qu.CommentAddress == addr, nil
}

func validRole(role string) error {
	switch role {
	case RoleCaseworker, RoleManager, RoleWatcher:
		return nil
	}
	return refuse(ErrInvalid, "role %q is not one of caseworker, manager, watcher", role)
}

// Grant gives a user a role on a queue (GrantRole).
func (s *Store) Grant(ctx context.Context, actor, queue, login, role string) error {
	return s.GrantRole(ctx, actor, queue, RoleGrant{User: login, Role: role})
}

// Revoke takes a role (or every role, when role is "") on a queue from a
// user (RevokeRole).
func (s *Store) Revoke(ctx context.Context, actor, queue, login, role string) error {
	return s.RevokeRole(ctx, actor, queue, RoleGrant{User: login, Role: role})
}

// grantee is the user or group a RoleGrant names: its table of roles, the
// column naming it there, its id and name.
type grantee struct {
	table, col, name string
	id               int64
}

// GrantRole gives a user or a group a role on a queue; granted again to a
// watcher, it changes what they are told (Notify). Sysadmins may, and the
// queue's managers may on their own queue.
func (s *Store) GrantRole(ctx context.Context, actor, queue string, g RoleGrant) error {
	g, err := g.check(false)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		q, who, err := s.roleChange(ctx, tx, actor, queue, g, true)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO `+who.table+` AS x (queue_id, `+who.col+`, role, notify) VALUES ($1, $2, $3, $4)
			ON CONFLICT (queue_id, `+who.col+`, role) DO UPDATE SET notify = excluded.notify WHERE x.notify <> excluded.notify`, q.ID, who.id, g.Role, g.Notify)
		if err != nil {
			return fmt.Errorf("grant %s on %s to %s: %w", g.Role, q.Name, who.name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return refuse(ErrConflict, "%s is %s of %s already", who.name, article(g.Role), q.Name)
		}
		return nil
	})
}

// RevokeRole takes a role (or every role, when g.Role is "") on a queue
// from a user or a group. Who may is as for GrantRole.
func (s *Store) RevokeRole(ctx context.Context, actor, queue string, g RoleGrant) error {
	g, err := g.check(true)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		q, who, err := s.roleChange(ctx, tx, actor, queue, g, false)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM `+who.table+` WHERE queue_id = $1 AND `+who.col+` = $2 AND ($3 = '' OR role = $3)`, q.ID, who.id, g.Role)
		if err != nil {
			return fmt.Errorf("revoke %s on %s from %s: %w", g.Role, q.Name, who.name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if g.Role == "" {
				return refuse(ErrConflict, "%s has no role on %s", who.name, q.Name)
			}
			return refuse(ErrConflict, "%s is not %s of %s", who.name, article(g.Role), q.Name)
		}
		return nil
	})
}

func article(role string) string {
	return "a " + role
}

// roleChange checks that the actor may change roles on the queue and
// finds whom g names: a user (active, for a grant), or a group.
func (s *Store) roleChange(ctx context.Context, tx *sql.Tx, actor, queue string, g RoleGrant, grant bool) (*Queue, *grantee, error) {
	what := "revoke roles on"
	if grant {
		what = "grant roles on"
	}
	a, err := actorUser(ctx, tx, actor)
	if err != nil {
		return nil, nil, err
	}
	q, err := queueByName(ctx, tx, queue)
	if err != nil {
		return nil, nil, err
	}
	if !a.Sysadmin {
		roles, err := rolesOn(ctx, tx, q.ID, a.ID)
		if err != nil {
			return nil, nil, err
		}
		if !roles[RoleManager] {
			return nil, nil, refuse(ErrPermission, "%s may not %s %s: only its managers and sysadmins may", a.Login, what, q.Name)
		}
	}
	if g.Group != "" {
		gr, err := groupByName(ctx, tx, g.Group)
		if err != nil {
			return nil, nil, err
		}
		return q, &grantee{table: "group_roles", col: "group_id", name: "group " + gr.Name, id: gr.ID}, nil
	}
	u, err := userByLogin(ctx, tx, g.User)
	if err != nil {
		return nil, nil, err
	}
	if u.Disabled && grant {
		return nil, nil, refuse(ErrDisabled, "user %s is disabled", u.Login)
	}
	return q, &grantee{table: "queue_roles", col: "user_id", name: u.Login, id: u.ID}, nil
}

// Members lists who holds which role on a queue: granted to them, or to
// a group of theirs (Group names it).
func (s *Store) Members(ctx context.Context, queue string) ([]Member, error) {
	q, err := queueByName(ctx, s.db, queue)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT COALESCE(u.login, ''), u.email, u.name, r.role, r.notify, COALESCE(g.name, '')
		FROM user_roles r JOIN users u ON u.id = r.user_id LEFT JOIN groups g ON g.id = r.group_id
		WHERE r.queue_id = $1 ORDER BY r.role, u.login, g.name`, q.ID)
	if err != nil {
		return nil, fmt.Errorf("list members of %s: %w", q.Name, err)
	}
	defer rows.Close()
	var ms []Member
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.Login, &m.Email, &m.Name, &m.Role, &m.Notify, &m.Group); err != nil {
			return nil, err
		}
		if m.Role != RoleWatcher {
			m.Notify = ""
		}
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

// QueueGroups lists the roles on a queue granted to groups, by group.
func (s *Store) QueueGroups(ctx context.Context, queue string) ([]QueueGroup, error) {
	q, err := queueByName(ctx, s.db, queue)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT g.name, r.role, r.notify FROM group_roles r JOIN groups g ON g.id = r.group_id
		WHERE r.queue_id = $1 ORDER BY g.name, r.role`, q.ID)
	if err != nil {
		return nil, fmt.Errorf("list groups of %s: %w", q.Name, err)
	}
	defer rows.Close()
	gs := []QueueGroup{}
	for rows.Next() {
		var g QueueGroup
		if err := rows.Scan(&g.Group, &g.Role, &g.Notify); err != nil {
			return nil, err
		}
		if g.Role != RoleWatcher {
			g.Notify = ""
		}
		gs = append(gs, g)
	}
	return gs, rows.Err()
}

func rolesOn(ctx context.Context, q querier, queueID, userID int64) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT role FROM user_roles WHERE queue_id = $1 AND user_id = $2`, queueID, userID)
	if err != nil {
		return nil, fmt.Errorf("read roles: %w", err)
	}
	defer rows.Close()
	roles := map[string]bool{}
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		roles[r] = true
	}
	return roles, rows.Err()
}

// canWork reports whether u may work tickets of the queue: its caseworkers
// and managers, and sysadmins.
func canWork(ctx context.Context, q querier, u *User, queueID int64) (bool, error) {
	if u.Disabled {
		return false, nil
	}
	if u.Sysadmin {
		return true, nil
	}
	roles, err := rolesOn(ctx, q, queueID, u.ID)
	if err != nil {
		return false, err
	}
	return roles[RoleCaseworker] || roles[RoleManager], nil
}

// IsCaseworker reports whether the user with this address is active and may
// work tickets of the queue.
func (s *Store) IsCaseworker(ctx context.Context, addr string, queueID int64) (bool, error) {
	u, err := userByEmail(ctx, s.db, addr)
	if errors.Is(err, ErrUnknownUser) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return canWork(ctx, s.db, u, queueID)
}
