package mailstore

import (
	"context"
	"strings"

	"sak/parse"
)

// Automatic says why RFC 3834 and common sense forbid answering a mail
// automatically ("" when an auto-reply may go out), and whether the mail
// is sak's own come back (OwnMail), which gets nothing at all: no
// auto-reply and no notification. mailFrom is the envelope sender. With
// the check of a new ticket's sender against the queues' own addresses
// (create), it is the one place that decides what sak must not answer.
func (s *Store) Automatic(ctx context.Context, mailFrom string, msg *parse.Message) (why string, own bool, err error) {
	own, err = s.OwnMail(ctx, msg.MessageID, msg.Get(LoopHeader))
	if err != nil {
		return "", false, err
	}
	switch {
	case mailFrom == "":
		return "null sender", own, nil
	case isSystemAddress(mailFrom) || msg.From != nil && isSystemAddress(msg.From.Addr):
		return "mailer-daemon", own, nil
	case msg.AutoSubmitted != "" && msg.AutoSubmitted != "no":
		return "auto-submitted", own, nil
	case msg.Precedence == "bulk" || msg.Precedence == "list" || msg.Precedence == "junk":
		return "precedence " + msg.Precedence, own, nil
	case msg.ListID != "" || msg.ListUnsubscribe:
		return "mailing list", own, nil
	case own:
		return "sak's own mail", own, nil
	case msg.Get("X-Autoreply") != "" || msg.Get("X-Autorespond") != "":
		return "auto-reply", own, nil
	case msg.Report != nil:
		return "delivery report", own, nil
	}
	return "", own, nil
}

// isSystemAddress reports whether addr is a mail system's own
// (MAILER-DAEMON, postmaster), which no one answers.
func isSystemAddress(addr string) bool {
	local, _, _ := strings.Cut(strings.ToLower(addr), "@")
	return local == "mailer-daemon" || local == "postmaster"
}
