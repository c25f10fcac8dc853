package mailstore

import "time"

// Ticket statuses, as in RT.
const (
	StatusNew      = "new"
	StatusOpen     = "open"
	StatusStalled  = "stalled"
	StatusResolved = "resolved"
	StatusRejected = "rejected"
	StatusDeleted  = "deleted"
)

// Statuses lists every status in life-cycle order.
var Statuses = []string{StatusNew, StatusOpen, StatusStalled, StatusResolved, StatusRejected, StatusDeleted}

// Queue roles.
const (
	RoleCaseworker = "caseworker"
	RoleManager    = "manager"
	RoleWatcher    = "watcher"
)

// Where an action came from, recorded on its transaction rows.
const (
	ViaCLI    = "cli"
	ViaMail   = "mail"
	ViaImport = "import"
	ViaAPI    = "api"
)

// User is a person sak knows: a caseworker or admin with a login, or a
// requestor known only by address (Login "").
type User struct {
	ID       int64     `json:"id"`
	Login    string    `json:"login"`
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Sysadmin bool      `json:"sysadmin"`
	Disabled bool      `json:"disabled"`
	Created  time.Time `json:"created"`
	// Digest is when the user's daily digest is mailed: "HH:MM" local
	// time, "off", or "" for their queues' default.
	Digest string `json:"digest"`
}

// Queue is a place tickets live, with its mail addresses.
type Queue struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	Address        string    `json:"address"`
	CommentAddress string    `json:"comment_address"`
	Tag            string    `json:"tag"`
	Description    string    `json:"description"`
	Created        time.Time `json:"created"`
	// Lang is the language of the mail sak writes for the queue: nb, en
	// or nb+en (both, Norwegian first, in mail to requestors).
	Lang string `json:"lang"`
	// Signature closes the mail to requestors; "" for the queue's name.
	Signature string `json:"signature"`
	// NotifyResolved: requestors get a notice when a ticket is resolved.
	NotifyResolved bool `json:"notify_resolved"`
	// DigestDefault is the digest time ("HH:MM", "" for none) of the
	// queue's caseworkers who chose none.
	DigestDefault string `json:"digest_default"`

	templates templatesVersion // as read with the queue
}

// Member is one role a user holds on a queue.
type Member struct {
	Login string `json:"login"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	// Notify is what a watcher is told: NotifyAll or NotifyNew.
	Notify string `json:"notify,omitempty"`
	// Group is the group the role is granted to; "" for the user's own.
	Group string `json:"group,omitempty"`
}

// QueueGroup is a role on a queue granted to a group.
type QueueGroup struct {
	Group  string `json:"group"`
	Role   string `json:"role"`
	Notify string `json:"notify,omitempty"`
}

// Ticket is a case.
type Ticket struct {
	ID         int64    `json:"id"`
	Queue      string   `json:"queue"`
	QueueID    int64    `json:"-"`
	Subject    string   `json:"subject"`
	Status     string   `json:"status"`
	Owner      *string  `json:"owner"`
	Priority   int      `json:"priority"`
	Requestors []string `json:"requestors"`
	Ccs        []string `json:"ccs"`
	// Names are the display names sak knows of the requestors and Ccs,
	// by address ("Kari Nordmann"), as their mail or a caseworker gave
	// them.
	Names      map[string]string `json:"names,omitempty"`
	AlsoSentTo []string          `json:"also_sent_to"`
	Created    time.Time         `json:"created"`
	Updated    time.Time         `json:"updated"`
	Resolved   *time.Time        `json:"resolved"`
	MergedInto *int64            `json:"merged_into"`
	// Due is when the ticket should be done, nil for no due time.
	Due *time.Time `json:"due"`
	// TimeWorked and TimeEstimated are minutes, as RT kept them.
	TimeWorked    int `json:"time_worked"`
	TimeEstimated int `json:"time_estimated"`
	// Links are the ticket's links to other tickets and theirs to it;
	// only a ticket read on its own (Store.Ticket) has them.
	Links []Link `json:"links,omitempty"`
	// Fields are values sak keeps and shows but has no verb to change:
	// the custom fields of the old tracker. Only a ticket read on its own
	// has them.
	Fields []Field `json:"fields,omitempty"`
	// Watchers are the logins of those who watch the ticket itself (not
	// its queue); as Links, only a ticket read on its own has them.
	Watchers []string `json:"watchers,omitempty"`
}

// Field is one value of a ticket's read-only field; a field with several
// values comes as several, in order.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Link types, as RT names them: the ticket depends on, refers to, or is a
// member (child) of the other.
const (
	LinkDependsOn = "DependsOn"
	LinkRefersTo  = "RefersTo"
	LinkMemberOf  = "MemberOf"
)

// LinkTypes are the types of link a caseworker makes.
var LinkTypes = []string{LinkDependsOn, LinkRefersTo, LinkMemberOf}

// Link is a link between a ticket and another ticket or a URI (as an
// import from another tracker brought it).
type Link struct {
	Type string `json:"type"`
	// Direction is "out" for the ticket's link to Ticket or URI ("depends
	// on #5"), "in" for Ticket's link to it ("#7 depends on this").
	Direction string `json:"direction"`
	Ticket    int64  `json:"ticket,omitempty"`
	URI       string `json:"uri,omitempty"` // the target when it is no sak ticket
}

// Person is addr as people read it: "Name <addr>" when the ticket knows
// the name, else addr.
func (t *Ticket) Person(addr string) string {
	if n := t.Names[addr]; n != "" {
		return n + " <" + addr + ">"
	}
	return addr
}

// OwnerLogin is the owner's login, or "" when nobody owns the ticket.
func (t *Ticket) OwnerLogin() string {
	if t.Owner == nil {
		return ""
	}
	return *t.Owner
}

// Detail is a ticket with its history, as 'ticket show -o json' prints it
// and the API's GET /api/v1/tickets/{id} answers.
type Detail struct {
	*Ticket
	Transactions []Transaction `json:"transactions"`
}

// Transaction types.
const (
	TxCreate      = "create"
	TxCorrespond  = "correspond"
	TxComment     = "comment"
	TxStatus      = "status"
	TxTake        = "take"
	TxSteal       = "steal"
	TxGive        = "give"
	TxMove        = "move"
	TxMerge       = "merge"         // on the ticket merged away: new_value is the target
	TxMergedFrom  = "merged-from"   // on the target: new_value is the merged ticket
	TxAddRequest  = "add-requestor" // new_value is the address
	TxDelRequest  = "del-requestor" // old_value is the address
	TxUntake      = "untake"        // old_value is the owner the ticket had
	TxAddCc       = "add-cc"        // new_value is the address
	TxDelCc       = "del-cc"        // old_value is the address
	TxAlsoSentTo  = "also-sent-to"  // new_value is the other queue
	TxNote        = "note"          // mail kept on the ticket as an internal note
	TxSendFailure = "send-failure"  // outgoing mail that could not be delivered
	TxBounce      = "bounce"        // a delivery report about sak's own mail
	TxPromote     = "promote"       // a non-participant's note made correspondence
	TxMsgidReused = "msgid-reused"  // new_value the ticket that used the mail's Message-ID first, note the Message-ID
)

// Transaction is one recorded change to a ticket.
type Transaction struct {
	ID       int64     `json:"id"`
	TicketID int64     `json:"ticket"`
	Type     string    `json:"type"`
	Actor    string    `json:"actor"`           // login, else address, else "" (sak itself)
	Agent    string    `json:"agent,omitempty"` // login of who acted for Actor (a sysadmin over the API), else ""
	Created  time.Time `json:"created"`
	Old      string    `json:"old,omitempty"`
	New      string    `json:"new,omitempty"`
	Via      string    `json:"via,omitempty"`
	Note     string    `json:"note,omitempty"`
	Message  *Message  `json:"message,omitempty"`
}

// Message is a mail stored on a ticket: the raw bytes kept exactly, and the
// decoded parts people read and search.
type Message struct {
	ID          int64        `json:"id"`
	MessageID   string       `json:"message_id"`
	Outgoing    bool         `json:"outgoing"`
	From        string       `json:"from"`
	Subject     string       `json:"subject"`
	Date        *time.Time   `json:"date"`
	Size        int64        `json:"size"`
	Text        string       `json:"text"`
	Flags       []string     `json:"flags,omitempty"`
	Attachments []Attachment `json:"attachments"`
}

// Attachment describes one attached part of a message.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	// Inline, Header and Body come with incoming mail and with files
	// attached from the CLI (FileAttachment), not from the store: whether
	// the part is shown inline, the header to send it under (made by
	// internal/mimepart, each line ending in CRLF) and its body in its
	// transfer encoding. A relay sends the body on as it came.
	Inline bool   `json:"-"`
	Header string `json:"-"`
	Body   []byte `json:"-"`
	// ContentID is the part's Content-ID without angle brackets, which
	// an HTML body's cid: URLs name; incoming mail only.
	ContentID string `json:"-"`
}

// Message flags.
const (
	FlagUnverified     = "unverified"      // claims a caseworker's address without authentication
	FlagNonParticipant = "non-participant" // from someone not on the ticket
	FlagUnparseable    = "unparseable"     // the parser could not make sense of it
)
