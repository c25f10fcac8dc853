package cmdutil

import (
	"context"
	"time"

	"sak/cli/remote"
	"sak/mailstore"
)

// Desk is what the commands of caseworkers and queue managers need of
// sak: the database itself (on the server, a sysadmin's mode) or a sak
// server's API (package remote, on a caseworker's machine). as is the
// acting user's login. The database and the API answer with the same
// documents and refuse with the same errors, so a command prints the same
// either way; the rules live behind both, in mailstore.
type Desk interface {
	ListTickets(ctx context.Context, as string, f mailstore.Filter) ([]mailstore.Ticket, error)
	// CountTickets counts every page of a list.
	CountTickets(ctx context.Context, as string, f mailstore.Filter) (int, error)
	// Resolve follows a ticket number through merges.
	Resolve(ctx context.Context, as string, id int64) (int64, error)
	Ticket(ctx context.Context, as string, id int64) (*mailstore.Ticket, error)
	History(ctx context.Context, as string, id int64) ([]mailstore.Transaction, error)
	TicketMail(ctx context.Context, as string, id, msg int64) ([]byte, error)
	Search(ctx context.Context, as, query string, f mailstore.SearchFilter) ([]mailstore.Hit, error)
	// Stats are the figures of [f.Since, f.Until); f.Until must be set.
	Stats(ctx context.Context, as string, f mailstore.StatsFilter) (mailstore.StatsReport, error)
	Reminders(ctx context.Context, as string, f mailstore.ReminderFilter) ([]mailstore.Reminder, error)
	QueueDetail(ctx context.Context, as, name string) (*mailstore.QueueDetail, error)
	Queues(ctx context.Context) ([]mailstore.Queue, error)
	Users(ctx context.Context) ([]mailstore.User, error)
	User(ctx context.Context, login string) (*mailstore.User, error)

	CreateTicket(ctx context.Context, as string, nt mailstore.NewTicket) (int64, error)
	// Act is one of the verbs of ticket status changes: take, steal,
	// untake, resolve, reject, stall, open.
	Act(ctx context.Context, as string, id int64, verb string) error
	Give(ctx context.Context, as string, id int64, login string) error
	Move(ctx context.Context, as string, id int64, queue string) error
	Merge(ctx context.Context, as string, id, into int64) error
	Comment(ctx context.Context, as string, id int64, text string, files []File) error
	// Reply answers whom the reply was queued for.
	Reply(ctx context.Context, as string, id int64, text string, files []File) ([]string, error)
	AddCc(ctx context.Context, as string, id int64, addr string) error
	RemoveCc(ctx context.Context, as string, id int64, addr string) error
	AddRequestor(ctx context.Context, as string, id int64, addr string) error
	RemoveRequestor(ctx context.Context, as string, id int64, addr string) error
	EditTicket(ctx context.Context, as string, id int64, c mailstore.TicketChange) error
	// Watch and Unwatch start and stop the user with login ("" for as)
	// watching ticket id.
	Watch(ctx context.Context, as string, id int64, login string) error
	Unwatch(ctx context.Context, as string, id int64, login string) error
	// Purge deletes what ticket id holds and leaves a tombstone.
	Purge(ctx context.Context, as string, id int64) error
	// AddTime adds minutes worked to ticket id.
	AddTime(ctx context.Context, as string, id int64, minutes int, comment string) error
	// LinkTicket and UnlinkTicket make and take away a link of type typ
	// (mailstore.LinkTypes) from ticket id to ticket other.
	LinkTicket(ctx context.Context, as string, id int64, typ string, other int64) error
	UnlinkTicket(ctx context.Context, as string, id int64, typ string, other int64) error
	Promote(ctx context.Context, as string, id, txn int64) error
	AddReminder(ctx context.Context, as string, id int64, due time.Time, to, text string) (*mailstore.Reminder, error)
	DoneReminder(ctx context.Context, as string, id, reminder int64) error

	CreateQueue(ctx context.Context, as string, nq mailstore.NewQueue) (*mailstore.Queue, error)
	SetQueue(ctx context.Context, as, queue string, c mailstore.QueueChange) (*mailstore.Queue, error)
	// SwitchQueue disables a queue (enable false) or enables it again.
	SwitchQueue(ctx context.Context, as, queue string, enable bool) error
	QueueTemplate(ctx context.Context, queue, kind string) (*mailstore.Template, error)
	SetTemplate(ctx context.Context, as, queue, kind, text string) error
	ResetTemplate(ctx context.Context, as, queue, kind string) error
	PreviewTemplate(ctx context.Context, as, queue, kind string, ticket int64) (*mailstore.Preview, error)
	SetUserDigest(ctx context.Context, as, login, when string) (*mailstore.User, error)
	// GrantRole and RevokeRole give a role on a queue to a user or a
	// group, and take it away.
	GrantRole(ctx context.Context, as, queue string, g mailstore.RoleGrant) error
	RevokeRole(ctx context.Context, as, queue string, g mailstore.RoleGrant) error
	Groups(ctx context.Context) ([]mailstore.Group, error)
	Group(ctx context.Context, name string) (*mailstore.Group, error)
	CreateGroup(ctx context.Context, as, name, description string) (*mailstore.Group, error)
	AddGroupMembers(ctx context.Context, as, group string, logins []string) (*mailstore.Group, error)
	RemoveGroupMembers(ctx context.Context, as, group string, logins []string) (*mailstore.Group, error)
	AddUser(ctx context.Context, as string, nu mailstore.NewUser) (*mailstore.User, error)
	DisableUser(ctx context.Context, as, login string) error
	EnableUser(ctx context.Context, as, login string) error
	EditUser(ctx context.Context, as, login string, c mailstore.UserChange) (*mailstore.User, error)
	CreateToken(ctx context.Context, as, login, name string, expires time.Time) (*mailstore.Token, string, error)
	ListTokens(ctx context.Context, as, login string) ([]mailstore.Token, error)
	RevokeToken(ctx context.Context, as string, id int64) error
}

// File is a file attached to a comment or reply: its name (no directory)
// and contents.
type File = remote.File

// local is the Desk of the database: the store's operations, and its
// reads through the acting user's Reader.
type local struct{ *mailstore.Store }

func (l local) ListTickets(ctx context.Context, as string, f mailstore.Filter) ([]mailstore.Ticket, error) {
	return l.As(as).ListTickets(ctx, f)
}

func (l local) CountTickets(ctx context.Context, as string, f mailstore.Filter) (int, error) {
	return l.As(as).CountTickets(ctx, f)
}

func (l local) Resolve(ctx context.Context, as string, id int64) (int64, error) {
	return l.As(as).Resolve(ctx, id)
}

func (l local) Ticket(ctx context.Context, as string, id int64) (*mailstore.Ticket, error) {
	return l.As(as).Ticket(ctx, id)
}

func (l local) History(ctx context.Context, as string, id int64) ([]mailstore.Transaction, error) {
	return l.As(as).History(ctx, id)
}

func (l local) TicketMail(ctx context.Context, as string, id, msg int64) ([]byte, error) {
	return l.As(as).TicketMail(ctx, id, msg)
}

func (l local) Search(ctx context.Context, as, query string, f mailstore.SearchFilter) ([]mailstore.Hit, error) {
	hits, err := l.As(as).Search(ctx, query, f)
	return mailstore.Hits(hits), err
}

func (l local) Stats(ctx context.Context, as string, f mailstore.StatsFilter) (mailstore.StatsReport, error) {
	rows, total, err := l.As(as).Stats(ctx, f)
	if err != nil {
		return mailstore.StatsReport{}, err
	}
	return mailstore.NewStatsReport(rows, total, f.Since, f.Until), nil
}

func (l local) Reminders(ctx context.Context, as string, f mailstore.ReminderFilter) ([]mailstore.Reminder, error) {
	return l.As(as).Reminders(ctx, f)
}

func (l local) QueueDetail(ctx context.Context, as, name string) (*mailstore.QueueDetail, error) {
	return l.As(as).QueueDetail(ctx, name)
}

func (l local) PreviewTemplate(ctx context.Context, as, queue, kind string, ticket int64) (*mailstore.Preview, error) {
	return l.As(as).PreviewTemplate(ctx, queue, kind, ticket)
}

func (l local) Act(ctx context.Context, as string, id int64, verb string) error {
	return l.Store.Act(ctx, as, id, mailstore.Action{Name: verb})
}

func attachments(files []File) []mailstore.Attachment {
	out := make([]mailstore.Attachment, len(files))
	for i, f := range files {
		out[i] = mailstore.FileAttachment(f.Name, f.Data)
	}
	return out
}

func (l local) Comment(ctx context.Context, as string, id int64, text string, files []File) error {
	return l.Store.Comment(ctx, as, id, text, attachments(files)...)
}

func (l local) Reply(ctx context.Context, as string, id int64, text string, files []File) ([]string, error) {
	if err := l.Store.Reply(ctx, as, id, text, attachments(files)...); err != nil {
		return nil, err
	}
	rcpts, _ := l.LastQueued(ctx, id) // only for the confirmation
	return rcpts, nil
}
