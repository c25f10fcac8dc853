package mailstore

import (
	"context"
	"mime"
	"path/filepath"
	"slices"
	"strings"

	"sak/internal/mimepart"
)

// Reply sends a caseworker's answer, with files attached (FileAttachment),
// to the ticket's requestors and Ccs: it is stored on the ticket and queued
// in the outbox in one transaction. A new ticket becomes open.
func (s *Store) Reply(ctx context.Context, actor string, id int64, text string, files ...Attachment) error {
	return s.writeAs(ctx, actor, id, text, files, "reply to", func(o *op) error {
		return o.correspond(text, files)
	})
}

// Comment adds an internal comment, with files attached, sent to the owner
// and the queue's watchers only, never to requestors.
func (s *Store) Comment(ctx context.Context, actor string, id int64, text string, files ...Attachment) error {
	return s.writeAs(ctx, actor, id, text, files, "comment on", func(o *op) error {
		return o.comment(text, files)
	})
}

// FileAttachment makes an attachment of a file's contents for Reply and
// Comment: its type from the name's extension, its body in base64.
func FileAttachment(name string, data []byte) Attachment {
	name = filepath.Base(name)
	typ, params, err := mime.ParseMediaType(mime.TypeByExtension(filepath.Ext(name)))
	if err != nil {
		typ, params = "application/octet-stream", nil
	}
	return Attachment{Name: name, ContentType: typ, Size: int64(len(data)),
		Header: mimepart.Header(typ, params, name, false, "base64"), Body: mimepart.Base64(data)}
}

func (s *Store) writeAs(ctx context.Context, actor string, id int64, text string, files []Attachment, what string, fn func(*op) error) error {
	if strings.TrimSpace(text) == "" && len(files) == 0 {
		return refuse(ErrInvalid, "nothing to send: the text is empty")
	}
	total := 0
	for _, f := range files {
		total += len(f.Body)
	}
	if total > attachLimit {
		return refuse(ErrInvalid, "the files attached make %d bytes in base64; at most %d fit a mail", total, attachLimit)
	}
	return s.onTicket(ctx, actor, id, what, fn)
}

// correspond records the actor's answer and queues it to requestors and Ccs.
func (o *op) correspond(text string, files []Attachment) error {
	txn, err := o.record(TxCorrespond, "", "", "")
	if err != nil {
		return err
	}
	reqs, err := o.people("requestor")
	if err != nil {
		return err
	}
	ccs, err := o.people("cc")
	if err != nil {
		return err
	}
	reqs, ccs = o.without(reqs, o.actor.Email), o.without(ccs, o.actor.Email)
	inReplyTo, refs, err := o.references()
	if err != nil {
		return err
	}
	r, err := o.mailText(TmplCorrespond, &TemplateData{Sender: o.actor.Email, Text: text})
	if err != nil {
		return err
	}
	out := &outMail{
		kind: KindCorrespond, fromName: o.actor.Name, fromAddr: o.queue.Address,
		to: reqs, cc: ccs, subject: taggedSubject(o.queue, o.t.id, r.subject), text: r.body, lang: r.lang,
		inReplyTo: inReplyTo, refs: refs, attachments: files, keep: true,
	}
	m, err := o.compose(out)
	if err != nil {
		return err
	}
	if _, err := o.storeMessage(txn, m); err != nil {
		return err
	}
	envelope, err := o.withWatchers(append(slices.Clip(reqs), ccs...))
	if err != nil {
		return err
	}
	if err := o.send(o.queue.Address, KindCorrespond, txn, out, envelope); err != nil {
		return err
	}
	if o.t.status == StatusNew {
		return o.setStatus(StatusOpen)
	}
	return nil
}

// comment records the actor's internal comment and queues it to the owner
// and watchers.
func (o *op) comment(text string, files []Attachment) error {
	txn, err := o.record(TxComment, "", "", "")
	if err != nil {
		return err
	}
	staff, err := o.staff(NotifyNew)
	if err != nil {
		return err
	}
	staff = o.without(staff, o.actor.Email)
	inReplyTo, refs, err := o.references()
	if err != nil {
		return err
	}
	r, err := o.mailText(TmplComment, &TemplateData{Sender: o.actor.Email, Text: text})
	if err != nil {
		return err
	}
	out := &outMail{
		kind: KindComment, fromName: o.actor.Name, fromAddr: o.queue.CommentAddress,
		to: staff, subject: taggedSubject(o.queue, o.t.id, r.subject), text: r.body, lang: r.lang,
		inReplyTo: inReplyTo, refs: refs, attachments: files, keep: true,
	}
	m, err := o.compose(out)
	if err != nil {
		return err
	}
	if _, err := o.storeMessage(txn, m); err != nil {
		return err
	}
	return o.send(o.queue.Address, KindComment, txn, out, staff)
}
