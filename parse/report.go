package parse

import (
	"strings"
)

func isDeliveryReport(reportType string) bool {
	t := strings.ToLower(strings.TrimSpace(reportType))
	return t == "delivery-status" || t == "global-delivery-status"
}

// report returns the message's Report, creating it.
func (p *parser) report() *Report {
	if p.msg.Report == nil {
		p.msg.Report = &Report{}
	}
	return p.msg.Report
}

// actionRank orders RFC 3464 actions from best to worst.
func actionRank(action string) int {
	switch action {
	case "delivered":
		return 1
	case "expanded":
		return 2
	case "relayed":
		return 3
	case "delayed":
		return 4
	case "failed":
		return 5
	}
	return 0
}

// deliveryStatus reads a message/delivery-status body (RFC 3464 2.1): a
// per-message block, then one block per recipient, separated by blank lines.
// A body without recipient fields is human text in the wrong part and is
// shown as such.
func (p *parser) deliveryStatus(data []byte) {
	rep := p.report()
	text, _ := toUTF8(string(data))
	text = cleanText(text)
	worst, found := 0, false
	for _, h := range dsnBlocks(text) {
		rcpt := dsnRecipient(h)
		if rcpt == "" {
			continue
		}
		found = true
		rep.Recipients = append(rep.Recipients, rcpt)
		action := strings.ToLower(strings.TrimSpace(h.get("Action")))
		if r := actionRank(action); r > worst {
			worst = r
			rep.Action = action
			rep.Status = strings.TrimSpace(h.get("Status"))
			rep.Diagnostic = afterType(h.get("Diagnostic-Code"))
		}
	}
	if !found {
		p.defect("delivery status names no recipient; shown as text")
		p.addText(text, false)
	}
}

// dsnBlocks reads the blank-line separated field blocks of a delivery
// status body.
func dsnBlocks(text string) []header {
	var blocks []header
	for _, block := range strings.Split(text, "\n\n") {
		block = strings.TrimLeft(block, "\n")
		if block == "" {
			continue
		}
		h, _ := newParser().readHeader([]byte(block+"\n"), "delivery status")
		blocks = append(blocks, h)
	}
	return blocks
}

// dsnRecipient returns the final recipient, else the original one, without
// the address type ("rfc822;").
func dsnRecipient(h header) string {
	if r := afterType(h.get("Final-Recipient")); r != "" {
		return r
	}
	return afterType(h.get("Original-Recipient"))
}

// afterType strips the "type;" prefix of a DSN field value.
func afterType(v string) string {
	if _, rest, ok := strings.Cut(v, ";"); ok {
		v = rest
	}
	return strings.Trim(foldSpace(v), "<>")
}

// returnedMessage takes the Message-ID of the message a report returns.
func (p *parser) returnedMessage(data []byte) {
	if p.msg.Report.OriginalMessageID != "" {
		return
	}
	sub := newParser()
	h, _ := sub.readHeader(data, "returned message")
	p.msg.Report.OriginalMessageID = sub.messageID(h)
}
