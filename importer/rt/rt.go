// Package rt imports a Request Tracker (RT 4 and 5) database into sak. It
// reads RT's own tables directly and read-only, through database/sql:
// SQLite (modernc.org/sqlite, opened with mode=ro) and PostgreSQL (pgx);
// RT's table and column names are the same on both. Each mail is rebuilt
// as raw bytes from RT's Attachments tree (RFC 2045-2046 structure) and
// parsed by sak/parse like mail that arrives by SMTP; the store
// writes go through mailstore.Importer, which sends nothing.
package rt

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// DB is an RT database opened read-only.
type DB struct {
	db       *sql.DB
	postgres bool
}

// Open opens the RT database named by dsn: a file path or sqlite:PATH for
// SQLite, postgres://… or postgresql://… for PostgreSQL.
func Open(ctx context.Context, dsn string) (*DB, error) {
	d := &DB{}
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d.postgres = true
		u, perr := url.Parse(dsn)
		if perr != nil {
			return nil, fmt.Errorf("open RT database: bad URL: %w", perr)
		}
		q := u.Query()
		// Read-only: RT's data is only ever read.
		if q.Get("default_transaction_read_only") == "" {
			q.Set("default_transaction_read_only", "on")
		}
		u.RawQuery = q.Encode()
		d.db, err = sql.Open("pgx", u.String())
	default:
		p := strings.TrimPrefix(dsn, "sqlite:")
		if p == "" {
			return nil, fmt.Errorf("open RT database: empty path")
		}
		d.db, err = sql.Open("sqlite", "file:"+(&url.URL{Path: p}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(10000)")
	}
	if err != nil {
		return nil, fmt.Errorf("open RT database: %w", err)
	}
	if err := d.db.PingContext(ctx); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("open RT database: %w", err)
	}
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM Tickets`).Scan(&n); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("open RT database: no RT Tickets table: %w", err)
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// rtTime reads a DATETIME column: TEXT "YYYY-MM-DD HH:MM:SS" in UTC on
// SQLite, a timestamp on PostgreSQL. RT's "not set" (1970-01-01) is zero.
func rtTime(v any) time.Time {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case string:
		t = parseRTTime(x)
	case []byte:
		t = parseRTTime(string(x))
	}
	if t.IsZero() || t.Unix() <= 0 {
		return time.Time{}
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

func parseRTTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05", time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t
		}
	}
	return time.Time{}
}

// timeArg is a time as a query argument that compares right with RT's
// DATETIME columns on both databases.
func (d *DB) timeArg(t time.Time) any {
	if d.postgres {
		return t.UTC()
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// Queue is a row of Queues.
type Queue struct {
	ID                int64
	Name              string
	Description       string
	CorrespondAddress string
	CommentAddress    string
	SubjectTag        string
	Disabled          bool
	Created           time.Time
	Tickets           int64 // tickets in it now
}

// Queues lists the queues, by id.
func (d *DB) Queues(ctx context.Context) ([]Queue, error) {
	counts := map[int64]int64{}
	rows, err := d.db.QueryContext(ctx, `SELECT Queue, COUNT(*) FROM Tickets GROUP BY Queue`)
	if err != nil {
		return nil, fmt.Errorf("count tickets per queue: %w", err)
	}
	for rows.Next() {
		var q, n int64
		if err := rows.Scan(&q, &n); err != nil {
			rows.Close()
			return nil, err
		}
		counts[q] = n
	}
	rows.Close()
	rows, err = d.db.QueryContext(ctx, `SELECT id, Name, COALESCE(Description, ''), COALESCE(CorrespondAddress, ''), COALESCE(CommentAddress, ''),
		COALESCE(SubjectTag, ''), Disabled, Created FROM Queues ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read queues: %w", err)
	}
	defer rows.Close()
	var qs []Queue
	for rows.Next() {
		var q Queue
		var disabled int
		var created any
		if err := rows.Scan(&q.ID, &q.Name, &q.Description, &q.CorrespondAddress, &q.CommentAddress, &q.SubjectTag, &disabled, &created); err != nil {
			return nil, fmt.Errorf("read queues: %w", err)
		}
		q.Disabled, q.Created, q.Tickets = disabled != 0, rtTime(created), counts[q.ID]
		qs = append(qs, q)
	}
	return qs, rows.Err()
}

// User is a row of Users.
type User struct {
	ID       int64
	Name     string // login; the address for users RT made from mail
	Email    string
	RealName string
	Disabled bool
	Created  time.Time
}

// RT's own users, never imported as people.
const (
	rtSystem = 1
	nobody   = 6
)

func (d *DB) scanUsers(ctx context.Context, q string, args ...any) ([]User, error) {
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var us []User
	for rows.Next() {
		var u User
		var disabled int
		var created any
		if err := rows.Scan(&u.ID, &u.Name, &u.Email, &u.RealName, &disabled, &created); err != nil {
			return nil, err
		}
		u.Disabled, u.Created = disabled != 0, rtTime(created)
		us = append(us, u)
	}
	return us, rows.Err()
}

const userSelect = `SELECT u.id, u.Name, COALESCE(u.EmailAddress, ''), COALESCE(u.RealName, ''), COALESCE(p.Disabled, 0), u.Created
	FROM Users u LEFT JOIN Principals p ON p.id = u.id`

// Privileged lists the privileged users (members of the SystemInternal
// group Privileged) but RT_System and Nobody, by id.
func (d *DB) Privileged(ctx context.Context) ([]User, error) {
	us, err := d.scanUsers(ctx, userSelect+` WHERE u.id IN (SELECT c.MemberId FROM CachedGroupMembers c JOIN Groups g ON g.id = c.GroupId
		WHERE g.Domain = 'SystemInternal' AND g.Name = 'Privileged' AND c.Disabled = 0) AND u.id NOT IN (1, 6) ORDER BY u.id`)
	if err != nil {
		return nil, fmt.Errorf("read privileged users: %w", err)
	}
	return us, nil
}

// User reads one user.
func (d *DB) User(ctx context.Context, id int64) (*User, error) {
	us, err := d.scanUsers(ctx, userSelect+` WHERE u.id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("read user %d: %w", id, err)
	}
	if len(us) == 0 {
		return nil, nil
	}
	return &us[0], nil
}

// Right is a right a user holds, through any group, on a queue (Queue 0:
// on the whole system).
type Right struct {
	User  int64
	Right string
	Queue int64
}

// Rights lists the rights held by users through the Privileged group and
// their own ACL equivalence groups, on queues and on the system. Rights
// of user-defined groups are the groups' (GroupRights). Rights of
// Everyone and Unprivileged are what requestors may do, and rights of
// role groups follow the ticket: neither makes anyone a caseworker.
func (d *DB) Rights(ctx context.Context) ([]Right, error) {
	return d.rights(ctx, `SELECT DISTINCT c.MemberId, a.RightName, a.ObjectType, COALESCE(a.ObjectId, 0)
		FROM ACL a JOIN Groups g ON g.id = a.PrincipalId
		JOIN CachedGroupMembers c ON c.GroupId = g.id AND c.Disabled = 0
		JOIN Users u ON u.id = c.MemberId
		WHERE a.ObjectType IN ('RT::Queue', 'RT::System')
		AND (g.Domain = 'ACLEquivalence' OR (g.Domain = 'SystemInternal' AND g.Name = 'Privileged'))
		ORDER BY 1, 2, 3, 4`)
}

// GroupRights lists the rights user-defined groups hold on queues and
// on the system; Right.User is the group's id.
func (d *DB) GroupRights(ctx context.Context) ([]Right, error) {
	return d.rights(ctx, `SELECT DISTINCT g.id, a.RightName, a.ObjectType, COALESCE(a.ObjectId, 0)
		FROM ACL a JOIN Groups g ON g.id = a.PrincipalId
		WHERE a.ObjectType IN ('RT::Queue', 'RT::System') AND g.Domain = 'UserDefined'
		ORDER BY 1, 2, 3, 4`)
}

func (d *DB) rights(ctx context.Context, query string) ([]Right, error) {
	rows, err := d.db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("read rights: %w", err)
	}
	defer rows.Close()
	var rs []Right
	for rows.Next() {
		var r Right
		var typ string
		if err := rows.Scan(&r.User, &r.Right, &typ, &r.Queue); err != nil {
			return nil, err
		}
		if typ == "RT::System" {
			r.Queue = 0
		}
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

// Group is a user-defined RT group (a team).
type Group struct {
	ID          int64
	Name        string
	Description string
	Disabled    bool
	// Members are the users in it, through nested groups too.
	Members []int64
}

// Groups lists the user-defined groups with their members.
func (d *DB) Groups(ctx context.Context) ([]Group, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT g.id, COALESCE(g.Name, ''), COALESCE(g.Description, ''), COALESCE(p.Disabled, 0)
		FROM Groups g LEFT JOIN Principals p ON p.id = g.id WHERE g.Domain = 'UserDefined' ORDER BY g.id`)
	if err != nil {
		return nil, fmt.Errorf("read groups: %w", err)
	}
	var gs []Group
	at := map[int64]int{}
	for rows.Next() {
		var g Group
		var disabled int64
		if err := rows.Scan(&g.ID, &g.Name, &g.Description, &disabled); err != nil {
			rows.Close()
			return nil, err
		}
		g.Disabled = disabled != 0
		at[g.ID] = len(gs)
		gs = append(gs, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = d.db.QueryContext(ctx, `SELECT DISTINCT c.GroupId, c.MemberId FROM CachedGroupMembers c
		JOIN Groups g ON g.id = c.GroupId JOIN Users u ON u.id = c.MemberId
		WHERE g.Domain = 'UserDefined' AND c.Disabled = 0 ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("read group members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var gid, uid int64
		if err := rows.Scan(&gid, &uid); err != nil {
			return nil, err
		}
		if i, ok := at[gid]; ok {
			gs[i].Members = append(gs[i].Members, uid)
		}
	}
	return gs, rows.Err()
}

// QueueWatcher is an AdminCc of a queue: a user, or a user-defined
// group (Group).
type QueueWatcher struct {
	Queue, Principal int64
	Group            bool
}

// QueueWatchers lists the AdminCcs of queues: the user-defined groups
// that are, and the users who are, directly or through another kind of
// group (a user in a user-defined group watches as its member).
func (d *DB) QueueWatchers(ctx context.Context) ([]QueueWatcher, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT DISTINCT g.Instance, c.MemberId, 0 FROM Groups g
		JOIN CachedGroupMembers c ON c.GroupId = g.id AND c.Disabled = 0
		JOIN Users u ON u.id = c.MemberId
		LEFT JOIN Groups via ON via.id = c.ImmediateParentId AND via.Domain = 'UserDefined'
		WHERE g.Domain = 'RT::Queue-Role' AND g.Name = 'AdminCc' AND via.id IS NULL
		UNION
		SELECT DISTINCT g.Instance, m.MemberId, 1 FROM Groups g
		JOIN GroupMembers m ON m.GroupId = g.id
		JOIN Groups mg ON mg.id = m.MemberId AND mg.Domain = 'UserDefined'
		WHERE g.Domain = 'RT::Queue-Role' AND g.Name = 'AdminCc' ORDER BY 1, 3, 2`)
	if err != nil {
		return nil, fmt.Errorf("read queue watchers: %w", err)
	}
	defer rows.Close()
	var ws []QueueWatcher
	for rows.Next() {
		var w QueueWatcher
		var group int64
		if err := rows.Scan(&w.Queue, &w.Principal, &group); err != nil {
			return nil, err
		}
		w.Group = group != 0
		ws = append(ws, w)
	}
	return ws, rows.Err()
}

// MaxTransaction is the highest transaction id.
func (d *DB) MaxTransaction(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := d.db.QueryRowContext(ctx, `SELECT MAX(id) FROM Transactions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("read highest transaction: %w", err)
	}
	return n.Int64, nil
}

var (
	uriRE       = regexp.MustCompile(`^fsck\.com-rt://([^/]+)/ticket/([0-9]+)$`)
	rtTicketRE  = regexp.MustCompile(`(?m)^X-RT-Ticket:\s*(\S+)\s+#[0-9]+`)
	rtLoopRE    = regexp.MustCompile(`(?m)^X-RT-Loop-Prevention:\s*(\S+)`)
	rtMsgIDName = regexp.MustCompile(`(?m)^Message-ID:\s*<rt-[^@>]+@([^>]+)>`)
)

// RTName finds RT's $rtname in the data: in the URIs of ticket links, else
// in the headers RT wrote on the mail it sent. It returns "" when the
// database holds neither.
func (d *DB) RTName(ctx context.Context) (string, error) {
	var base string
	err := d.db.QueryRowContext(ctx, `SELECT Base FROM Links WHERE Base LIKE 'fsck.com-rt://%/ticket/%' ORDER BY id LIMIT 1`).Scan(&base)
	if err == nil {
		if m := uriRE.FindStringSubmatch(base); m != nil {
			return m[1], nil
		}
	} else if err != sql.ErrNoRows {
		return "", fmt.Errorf("read links: %w", err)
	}
	var h string
	err = d.db.QueryRowContext(ctx, `SELECT a.Headers FROM Attachments a JOIN Transactions x ON x.id = a.TransactionId
		WHERE x.Type = 'EmailRecord' AND a.Parent = 0 ORDER BY a.id LIMIT 1`).Scan(&h)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read headers: %w", err)
	}
	for _, re := range []*regexp.Regexp{rtTicketRE, rtLoopRE, rtMsgIDName} {
		if m := re.FindStringSubmatch(h); m != nil {
			return m[1], nil
		}
	}
	return "", nil
}

// Ticket is a row of Tickets.
type Ticket struct {
	ID            int64
	EffectiveID   int64
	Queue         int64
	Owner         int64
	Subject       string
	Status        string
	Priority      int
	TimeEstimated int
	TimeWorked    int
	Due           time.Time
	Resolved      time.Time
	Created       time.Time
	LastUpdated   time.Time
}

// TicketFilter chooses the tickets to read.
type TicketFilter struct {
	After int64 // ids above
	// With transactions in (TxnAfter, TxnUpTo]; TxnAfter 0: every ticket.
	TxnAfter, TxnUpTo int64
	Since             time.Time // updated at or after; zero: any
}

func (d *DB) ticketWhere(f TicketFilter, args *[]any) string {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	w := `id > ` + arg(f.After)
	if f.TxnAfter > 0 {
		w += ` AND id IN (SELECT ObjectId FROM Transactions WHERE ObjectType = 'RT::Ticket' AND id > ` + arg(f.TxnAfter) + ` AND id <= ` + arg(f.TxnUpTo) + `)`
	}
	if !f.Since.IsZero() {
		w += ` AND LastUpdated >= ` + arg(d.timeArg(f.Since))
	}
	return w
}

// CountTickets counts the tickets a filter chooses.
func (d *DB) CountTickets(ctx context.Context, f TicketFilter) (int64, error) {
	var args []any
	var n int64
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM Tickets WHERE `+d.ticketWhere(f, &args), args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count tickets: %w", err)
	}
	return n, nil
}

// Tickets reads up to limit tickets a filter chooses, by id.
func (d *DB) Tickets(ctx context.Context, f TicketFilter, limit int) ([]Ticket, error) {
	var args []any
	w := d.ticketWhere(f, &args)
	args = append(args, limit)
	rows, err := d.db.QueryContext(ctx, `SELECT id, COALESCE(EffectiveId, id), COALESCE(Queue, 0), COALESCE(Owner, 0), COALESCE(Subject, ''), COALESCE(Status, ''),
		COALESCE(Priority, 0), COALESCE(TimeEstimated, 0), COALESCE(TimeWorked, 0), Due, Resolved, Created, LastUpdated
		FROM Tickets WHERE `+w+` ORDER BY id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("read tickets: %w", err)
	}
	defer rows.Close()
	var ts []Ticket
	for rows.Next() {
		var t Ticket
		var due, resolved, created, updated any
		if err := rows.Scan(&t.ID, &t.EffectiveID, &t.Queue, &t.Owner, &t.Subject, &t.Status, &t.Priority, &t.TimeEstimated, &t.TimeWorked,
			&due, &resolved, &created, &updated); err != nil {
			return nil, fmt.Errorf("read tickets: %w", err)
		}
		t.Due, t.Resolved, t.Created, t.LastUpdated = rtTime(due), rtTime(resolved), rtTime(created), rtTime(updated)
		if t.EffectiveID == 0 {
			t.EffectiveID = t.ID
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// Transaction is a row of Transactions of a ticket.
type Transaction struct {
	ID           int64
	Ticket       int64 // ObjectId
	Type         string
	Field        string
	OldValue     string
	NewValue     string
	Data         string
	TimeTaken    int
	Creator      int64
	Created      time.Time
	OldReference int64
	NewReference int64
	Parts        []Part
}

// Transactions reads a ticket's transactions in (after, upTo] with their
// attachments, in order.
func (d *DB) Transactions(ctx context.Context, ticket, after, upTo int64) ([]Transaction, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, COALESCE(Type, ''), COALESCE(Field, ''), COALESCE(OldValue, ''), COALESCE(NewValue, ''), COALESCE(Data, ''),
		COALESCE(TimeTaken, 0), COALESCE(Creator, 0), Created, COALESCE(OldReference, 0), COALESCE(NewReference, 0)
		FROM Transactions WHERE ObjectType = 'RT::Ticket' AND ObjectId = $1 AND id > $2 AND id <= $3 ORDER BY id`, ticket, after, upTo)
	if err != nil {
		return nil, fmt.Errorf("read transactions of ticket %d: %w", ticket, err)
	}
	var xs []Transaction
	idx := map[int64]int{}
	for rows.Next() {
		x := Transaction{Ticket: ticket}
		var created any
		if err := rows.Scan(&x.ID, &x.Type, &x.Field, &x.OldValue, &x.NewValue, &x.Data, &x.TimeTaken, &x.Creator, &created, &x.OldReference, &x.NewReference); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read transactions of ticket %d: %w", ticket, err)
		}
		x.Created = rtTime(created)
		idx[x.ID] = len(xs)
		xs = append(xs, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(xs) == 0 {
		return xs, nil
	}
	rows, err = d.db.QueryContext(ctx, `SELECT a.id, a.TransactionId, COALESCE(a.Parent, 0), COALESCE(a.MessageId, ''), COALESCE(a.Subject, ''), COALESCE(a.Filename, ''),
		COALESCE(a.ContentType, ''), COALESCE(a.ContentEncoding, ''), a.Content, COALESCE(a.Headers, '')
		FROM Attachments a WHERE a.TransactionId IN (SELECT id FROM Transactions WHERE ObjectType = 'RT::Ticket' AND ObjectId = $1 AND id > $2 AND id <= $3)
		ORDER BY a.id`, ticket, after, upTo)
	if err != nil {
		return nil, fmt.Errorf("read attachments of ticket %d: %w", ticket, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p Part
		var content []byte
		if err := rows.Scan(&p.ID, &p.TransactionID, &p.Parent, &p.MessageID, &p.Subject, &p.Filename, &p.ContentType, &p.ContentEncoding, &content, &p.Headers); err != nil {
			return nil, fmt.Errorf("read attachments of ticket %d: %w", ticket, err)
		}
		p.Content, p.HasContent = content, content != nil
		if i, ok := idx[p.TransactionID]; ok {
			xs[i].Parts = append(xs[i].Parts, p)
		}
	}
	return xs, rows.Err()
}

// Watcher is a member of a ticket's role group.
type Watcher struct {
	Role string // Requestor, Cc, AdminCc
	User User
}

// Watchers lists the users in a ticket's Requestor, Cc and AdminCc groups.
func (d *DB) Watchers(ctx context.Context, ticket int64) ([]Watcher, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT g.Name, u.id, u.Name, COALESCE(u.EmailAddress, ''), COALESCE(u.RealName, '')
		FROM Groups g JOIN GroupMembers m ON m.GroupId = g.id JOIN Users u ON u.id = m.MemberId
		WHERE g.Domain = 'RT::Ticket-Role' AND g.Instance = $1 AND g.Name IN ('Requestor', 'Cc', 'AdminCc') ORDER BY m.id`, ticket)
	if err != nil {
		return nil, fmt.Errorf("read watchers of ticket %d: %w", ticket, err)
	}
	defer rows.Close()
	var ws []Watcher
	for rows.Next() {
		var w Watcher
		if err := rows.Scan(&w.Role, &w.User.ID, &w.User.Name, &w.User.Email, &w.User.RealName); err != nil {
			return nil, err
		}
		ws = append(ws, w)
	}
	return ws, rows.Err()
}

// Link is a row of Links.
type Link struct {
	Base, Target, Type string
	Created            time.Time
}

// Links lists the links whose Base is uri.
func (d *DB) Links(ctx context.Context, uri string) ([]Link, error) {
	return d.links(ctx, `WHERE Base = $1`, uri)
}

// MergeLinks lists every MergedInto link. RT's SQLite schema has no index
// on Links.Target, so asking per ticket for the links that target it read
// all of them each time, and an import slowed as it went; they are read
// once instead.
func (d *DB) MergeLinks(ctx context.Context) ([]Link, error) {
	return d.links(ctx, `WHERE Type = 'MergedInto'`)
}

func (d *DB) links(ctx context.Context, where string, args ...any) ([]Link, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT COALESCE(Base, ''), COALESCE(Target, ''), Type, Created FROM Links `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read links: %w", err)
	}
	defer rows.Close()
	var ls []Link
	for rows.Next() {
		var l Link
		var created any
		if err := rows.Scan(&l.Base, &l.Target, &l.Type, &created); err != nil {
			return nil, err
		}
		l.Created = rtTime(created)
		ls = append(ls, l)
	}
	return ls, rows.Err()
}

// CustomFieldValue reads the field name and value of an
// ObjectCustomFieldValues row.
func (d *DB) CustomFieldValue(ctx context.Context, id int64) (name, value string, err error) {
	err = d.db.QueryRowContext(ctx, `SELECT COALESCE(cf.Name, ''), COALESCE(v.Content, '') FROM ObjectCustomFieldValues v
		LEFT JOIN CustomFields cf ON cf.id = v.CustomField WHERE v.id = $1`, id).Scan(&name, &value)
	if err == sql.ErrNoRows {
		return "", "", nil
	}
	return name, value, err
}

// CustomFieldName reads a custom field's name.
func (d *DB) CustomFieldName(ctx context.Context, id int64) (string, error) {
	var name string
	err := d.db.QueryRowContext(ctx, `SELECT COALESCE(Name, '') FROM CustomFields WHERE id = $1`, id).Scan(&name)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return name, err
}

// Merges lists the tickets merged into another: id → EffectiveId.
func (d *DB) Merges(ctx context.Context) (map[int64]int64, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, EffectiveId FROM Tickets WHERE EffectiveId <> id AND EffectiveId > 0`)
	if err != nil {
		return nil, fmt.Errorf("read merged tickets: %w", err)
	}
	defer rows.Close()
	m := map[int64]int64{}
	for rows.Next() {
		var id, into int64
		if err := rows.Scan(&id, &into); err != nil {
			return nil, err
		}
		m[id] = into
	}
	return m, rows.Err()
}
