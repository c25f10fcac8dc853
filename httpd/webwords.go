package httpd

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"sak/mailstore"
)

// words are the web view's texts in bokmål and English. A key is a Go
// identifier, so that a page writes {{.L.key}}.
var words = map[string]map[string]string{
	"nb": {
		"lang_other": "English", "lang_other_code": "en",
		"home": "Mine saker", "queue": "Kø", "search": "Søk", "stats": "Statistikk", "login": "Logg inn", "logout": "Logg ut", "error": "Feil",
		"skip": "Hopp til innholdet", "logged_in_as": "Logget inn som",
		"owned": "Mine saker som venter på svar", "owned_none": "Du har ingen nye eller åpne saker.",
		"unowned": "Nye saker uten saksbehandler", "unowned_none": "Ingen nye saker venter.",
		"due": "Påminnelser som har forfalt", "due_none": "Ingen påminnelser har forfalt.",
		"queues": "Køene", "queues_none": "Du har ingen roller i noen kø.",
		"id": "Nr.", "subject": "Emne", "status": "Status", "owner": "Saksbehandler", "requestor": "Innsender", "updated": "Oppdatert", "created": "Opprettet",
		"new": "ny", "open": "åpen", "stalled": "på vent", "resolved": "løst", "rejected": "avvist", "deleted": "slettet",
		"count_new": "Nye", "count_open": "Åpne", "count_stalled": "På vent", "received": "Mottatt", "resolved_share": "Løst", "rejected_share": "Avvist",
		"nobody": "ingen", "any": "alle", "me": "meg", "filter": "Vis", "next_page": "Eldre saker", "tickets_none": "Ingen saker passer.",
		"login_user": "Brukernavn", "login_code": "Kode fra e-posten", "login_send": "Send meg en kode", "login_go": "Logg inn",
		"login_sent":         "Hvis brukernavnet finnes, er en kode sendt til e-postadressen sak har for det. Koden virker én gang, i ti minutter.",
		"login_intro":        "Skriv brukernavnet ditt. sak sender en engangskode til e-postadressen din.",
		"login_user_missing": "Skriv brukernavnet ditt.", "login_code_wrong": "Feil eller utløpt kode. Be om en ny.",
		"requestors": "Innsendere", "ccs": "Kopi til", "history": "Historikk", "internal": "Internt", "attachments": "Vedlegg", "quoted": "Sitert tekst",
		"reply": "Svar innsenderne", "reply_help": "Går på e-post til innsenderne og kopimottakerne.", "comment": "Internt notat", "comment_help": "Går bare til saksbehandleren og køens observatører.",
		"text": "Tekst", "files": "Vedlegg", "send": "Send", "save": "Lagre",
		"act_take": "Ta saken", "act_steal": "Overta saken", "act_untake": "Gi fra deg saken", "act_open": "Åpne", "act_stall": "Sett på vent", "act_resolve": "Løs", "act_reject": "Avvis",
		"give": "Gi saken til", "give_user": "Brukernavn", "move": "Flytt til kø", "merge": "Slå sammen med sak", "merge_into": "Saksnummer",
		"edit_subject": "Emne", "edit_priority": "Prioritet (0–99)", "edit_due": "Frist (tomt for ingen)", "link": "Koble til sak",
		"link_DependsOn": "avhenger av", "link_RefersTo": "viser til", "link_MemberOf": "er del av",
		"more": "Mer å gjøre med saken", "remind": "Påminnelse", "remind_due": "Når", "remind_to": "Til (brukernavn, tomt for deg)", "remind_text": "Hva", "reminders": "Påminnelser",
		"search_q": "Søk etter", "search_none": "Ingen saker passer.", "match": "Treff",
		"weeks": "Mottatt og løst per uke", "last_weeks": "De siste tolv ukene", "total": "I alt", "first_response": "Første svar (median)", "resolution": "Løsningstid (median)",
		"week_of": "uke fra",
		"err_400": "Det gikk ikke", "err_401": "Du er ikke logget inn", "err_403": "Ikke tillatt", "err_404": "Finnes ikke",
		"err_409": "Det går ikke nå", "err_413": "For stort", "err_429": "For mange forespørsler", "err_503": "Prøv igjen om litt",
		"err_next": "Gå tilbake og prøv igjen, eller gå til", "err_why": "sak svarte:",
		"due_time": "Frist", "links": "Koblinger", "fields": "Andre felt",
		"link_DependsOn_out": "avhenger av %s", "link_DependsOn_in": "%s avhenger av denne",
		"link_RefersTo_out": "viser til %s", "link_RefersTo_in": "%s viser til denne",
		"link_MemberOf_out": "er del av %s", "link_MemberOf_in": "%s er del av denne",
	},
	"en": {
		"lang_other": "Norsk", "lang_other_code": "nb",
		"home": "My tickets", "queue": "Queue", "search": "Search", "stats": "Statistics", "login": "Log in", "logout": "Log out", "error": "Error",
		"skip": "Skip to the content", "logged_in_as": "Logged in as",
		"owned": "My tickets waiting for an answer", "owned_none": "You have no new or open tickets.",
		"unowned": "New tickets nobody owns", "unowned_none": "No new tickets are waiting.",
		"due": "Reminders due", "due_none": "No reminders are due.",
		"queues": "Queues", "queues_none": "You have no role in any queue.",
		"id": "No.", "subject": "Subject", "status": "Status", "owner": "Owner", "requestor": "Requestor", "updated": "Updated", "created": "Created",
		"new": "new", "open": "open", "stalled": "stalled", "resolved": "resolved", "rejected": "rejected", "deleted": "deleted",
		"count_new": "New", "count_open": "Open", "count_stalled": "Stalled", "received": "Received", "resolved_share": "Resolved", "rejected_share": "Rejected",
		"nobody": "nobody", "any": "any", "me": "me", "filter": "Show", "next_page": "Older tickets", "tickets_none": "No tickets match.",
		"login_user": "User name", "login_code": "Code from the mail", "login_send": "Mail me a code", "login_go": "Log in",
		"login_sent":         "If the user name exists, a code was mailed to the address sak has for it. The code works once, for ten minutes.",
		"login_intro":        "Type your user name. sak mails a one-time code to your address.",
		"login_user_missing": "Type your user name.", "login_code_wrong": "Wrong or expired code. Ask for a new one.",
		"requestors": "Requestors", "ccs": "Cc", "history": "History", "internal": "Internal", "attachments": "Attachments", "quoted": "Quoted text",
		"reply": "Reply to the requestors", "reply_help": "Mailed to the requestors and Ccs.", "comment": "Internal comment", "comment_help": "Goes only to the owner and the queue's watchers.",
		"text": "Text", "files": "Attachments", "send": "Send", "save": "Save",
		"act_take": "Take", "act_steal": "Steal", "act_untake": "Release", "act_open": "Open", "act_stall": "Stall", "act_resolve": "Resolve", "act_reject": "Reject",
		"give": "Give the ticket to", "give_user": "User name", "move": "Move to queue", "merge": "Merge into ticket", "merge_into": "Ticket number",
		"edit_subject": "Subject", "edit_priority": "Priority (0–99)", "edit_due": "Due (empty for none)", "link": "Link to ticket",
		"link_DependsOn": "depends on", "link_RefersTo": "refers to", "link_MemberOf": "is a member of",
		"more": "More for this ticket", "remind": "Reminder", "remind_due": "When", "remind_to": "To (user name, empty for you)", "remind_text": "What", "reminders": "Reminders",
		"search_q": "Search for", "search_none": "No tickets match.", "match": "Match",
		"weeks": "Received and resolved per week", "last_weeks": "The last twelve weeks", "total": "Total", "first_response": "First response (median)", "resolution": "Resolution (median)",
		"week_of": "week from",
		"err_400": "That did not work", "err_401": "You are not logged in", "err_403": "Not allowed", "err_404": "Not found",
		"err_409": "Not now", "err_413": "Too large", "err_429": "Too many requests", "err_503": "Try again in a moment",
		"err_next": "Go back and try again, or go to", "err_why": "sak answered:",
		"due_time": "Due", "links": "Links", "fields": "Other fields",
		"link_DependsOn_out": "depends on %s", "link_DependsOn_in": "%s depends on this",
		"link_RefersTo_out": "refers to %s", "link_RefersTo_in": "%s refers to this",
		"link_MemberOf_out": "member of %s", "link_MemberOf_in": "%s is a member of this",
	},
}

// describe is a transaction as a phrase in the page's language.
func describe(L map[string]string, ticket int64, tx mailstore.Transaction) string {
	nb := L["lang_other_code"] == "en"
	pick := func(n, e string) string {
		if nb {
			return n
		}
		return e
	}
	st := func(s string) string {
		if w, ok := L[s]; ok {
			return w
		}
		return s
	}
	var d string
	switch tx.Type {
	case mailstore.TxCreate:
		d = pick("opprettet saken", "created the ticket")
	case mailstore.TxCorrespond:
		d = pick("skrev", "wrote")
		if tx.Message != nil && tx.Message.Outgoing {
			d = pick("svarte innsenderne", "replied to the requestors")
		}
	case mailstore.TxComment:
		d = pick("skrev et internt notat", "commented")
	case mailstore.TxStatus:
		d = fmt.Sprintf(pick("endret status fra %s til %s", "changed the status from %s to %s"), st(tx.Old), st(tx.New))
	case mailstore.TxTake:
		d = pick("tok saken", "took the ticket")
	case mailstore.TxSteal:
		d = pick("overtok saken fra ", "stole the ticket from ") + tx.Old
	case mailstore.TxGive:
		d = pick("ga saken til ", "gave the ticket to ") + tx.New
	case mailstore.TxUntake:
		d = pick("ga fra seg saken", "released the ticket")
		if tx.Old != tx.Actor {
			d += fmt.Sprintf(pick(" (saksbehandler var %s)", " (owner was %s)"), tx.Old)
		}
	case mailstore.TxLink, mailstore.TxUnlink:
		l := webLink(L, mailstore.Link{Type: tx.Old, Direction: "out", URI: "#" + tx.New})
		d = pick("la til kobling: ", "linked: ")
		if tx.Type == mailstore.TxUnlink {
			d = pick("fjernet kobling: ", "unlinked: ")
		}
		d += l.Before + l.URI + l.After
	case mailstore.TxSetPrefix + "subject":
		d = fmt.Sprintf(pick("endret emnet fra «%s» til «%s»", "changed the subject from “%s” to “%s”"), tx.Old, tx.New)
	case mailstore.TxSetPrefix + "priority":
		d = fmt.Sprintf(pick("endret prioriteten fra %s til %s", "changed the priority from %s to %s"), tx.Old, tx.New)
	case mailstore.TxSetPrefix + "due":
		none := pick("ingen", "none")
		due := func(v string) string {
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				return pageTime(t)
			}
			return or(v, none)
		}
		d = fmt.Sprintf(pick("endret fristen fra %s til %s", "changed the due time from %s to %s"), due(tx.Old), due(tx.New))
	case mailstore.TxMove:
		d = fmt.Sprintf(pick("flyttet saken fra %s til %s", "moved the ticket from %s to %s"), tx.Old, tx.New)
	case mailstore.TxMerge:
		d = fmt.Sprintf(pick("slo sammen #%d med #%s", "merged #%d into #%s"), tx.TicketID, tx.New)
	case mailstore.TxAddCc:
		d = pick("la til kopimottaker ", "added Cc ") + tx.New
	case mailstore.TxDelCc:
		d = pick("fjernet kopimottaker ", "removed Cc ") + tx.Old
	case mailstore.TxNote:
		d = pick("e-post lagret som internt notat", "mail kept as an internal note")
	case mailstore.TxPurge:
		d = pick("slettet innholdet i saken for godt", "purged the ticket: what it held was deleted")
		tx.Note = ""
	case mailstore.TxWatch:
		d = pick("begynte å følge saken", "started watching the ticket")
		if tx.New != tx.Actor {
			d = fmt.Sprintf(pick("lot %s følge saken", "made %s watch the ticket"), tx.New)
		}
	case mailstore.TxUnwatch:
		d = pick("sluttet å følge saken", "stopped watching the ticket")
		if tx.Old != tx.Actor {
			d = fmt.Sprintf(pick("lot %s slutte å følge saken", "stopped %s watching the ticket"), tx.Old)
		}
	case mailstore.TxTime:
		old, _ := strconv.Atoi(tx.Old)
		total, _ := strconv.Atoi(tx.New)
		d = fmt.Sprintf(pick("førte %d minutter arbeid, %d i alt", "recorded %d minutes worked, %d in all"), total-old, total)
	case mailstore.TxSetPrefix + "time_estimated":
		d = fmt.Sprintf(pick("endret anslått tid fra %s til %s minutter", "changed the estimate from %s to %s minutes"), tx.Old, tx.New)
	default:
		d = tx.Type
		if tx.New != "" {
			d += ": " + tx.New
		}
	}
	if tx.Note != "" && tx.Type != mailstore.TxMsgidReused {
		d += " (" + tx.Note + ")"
	}
	if tx.Agent != "" {
		d += fmt.Sprintf(pick(" (av %s)", " (by %s)"), tx.Agent)
	}
	if tx.TicketID != ticket && tx.Type != mailstore.TxMerge {
		d += fmt.Sprintf(pick(" [i #%d]", " [on #%d]"), tx.TicketID)
	}
	return d
}

// or is s, or else when s is "".
func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// linkView is a link as the ticket page shows it: the other ticket (a
// page's link) or URI between the words before and after it.
type linkView struct {
	Before, After string
	Ticket        int64
	URI           string
}

// webLink is a link in the page's language.
func webLink(L map[string]string, l mailstore.Link) linkView {
	v := linkView{Ticket: l.Ticket, URI: l.URI}
	phrase, ok := L["link_"+l.Type+"_"+l.Direction]
	if !ok {
		phrase = l.Type + " %s"
	}
	v.Before, v.After, _ = strings.Cut(phrase, "%s")
	return v
}
