package parse

import (
	"net/mail"
	"strings"
)

// mailbox returns the first address of a header field, or nil.
func (p *parser) mailbox(h header, name string) *Address {
	list := p.addressList(h, name)
	if len(list) == 0 {
		return nil
	}
	return &list[0]
}

// addressList parses every field of that name as an address list. What the
// RFC 5322 parser rejects is read leniently, with a defect.
func (p *parser) addressList(h header, name string) []Address {
	var out []Address
	for _, raw := range h.all(name) {
		v := cleanString(p.headerUTF8(name, raw))
		if strings.TrimSpace(v) == "" {
			continue
		}
		out = append(out, p.parseAddresses(name, v)...)
	}
	return out
}

func (p *parser) parseAddresses(name, v string) []Address {
	ap := mail.AddressParser{WordDecoder: p.wd}
	list, err := ap.ParseList(padWords(v))
	if err == nil {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			out = append(out, Address{Name: cleanString(a.Name), Addr: cleanString(a.Address)})
		}
		return out
	}
	out := p.looseAddresses(v)
	if len(out) == 0 {
		p.defectf("%s has no readable address", strings.ToLower(name))
	} else {
		p.defectf("%s is not a valid address list; read leniently", strings.ToLower(name))
	}
	return out
}

// looseAddresses reads what looks like addresses from a malformed list:
// "Name <addr>", "addr (Name)" or a bare addr, separated by commas.
func (p *parser) looseAddresses(v string) []Address {
	var out []Address
	for _, item := range splitAddressList(v) {
		if a, ok := p.looseAddress(item); ok {
			out = append(out, a)
		}
	}
	return out
}

func (p *parser) looseAddress(item string) (Address, bool) {
	item = strings.Trim(item, " \t;")
	if i := strings.IndexByte(item, ':'); i >= 0 && !strings.ContainsAny(item[:i], "<@\"") {
		item = strings.TrimSpace(item[i+1:]) // group name
	}
	var name, addr string
	if lt := strings.IndexByte(item, '<'); lt >= 0 {
		name = item[:lt]
		addr, _, _ = strings.Cut(item[lt+1:], ">")
		_, addr = cutComments(addr)
		if comment, rest := cutComments(name); strings.TrimSpace(rest) != "" || comment == "" {
			name = rest
		} else {
			name = comment
		}
	} else {
		name, addr = cutComments(item)
		if f := strings.Fields(addr); len(f) > 0 {
			addr = f[0]
			for _, tok := range f {
				if strings.Contains(tok, "@") {
					addr = tok
					break
				}
			}
		}
	}
	addr = strings.Trim(strings.Join(strings.Fields(addr), ""), "\"'")
	if addr == "" {
		return Address{}, false
	}
	return Address{Name: p.displayName(name), Addr: cleanString(addr)}, true
}

// displayName unquotes and decodes a display name.
func (p *parser) displayName(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.ReplaceAll(s[1:len(s)-1], "\\", "")
	}
	return foldSpace(cleanString(p.decodeWords(s)))
}

// cutComments splits "addr (comment)" into the comment text and the rest.
func cutComments(s string) (comment, rest string) {
	var c, r strings.Builder
	depth, escaped := 0, false
	for _, ch := range s {
		switch {
		case escaped:
			escaped = false
			if depth > 0 {
				c.WriteRune(ch)
			} else {
				r.WriteRune(ch)
			}
		case ch == '\\' && depth > 0:
			escaped = true
		case ch == '(':
			depth++
		case ch == ')' && depth > 0:
			depth--
		case depth > 0:
			c.WriteRune(ch)
		default:
			r.WriteRune(ch)
		}
	}
	return c.String(), r.String()
}

// splitAddressList splits at commas outside quotes, angle brackets and
// comments.
func splitAddressList(v string) []string {
	var items []string
	quoted, angle, paren := false, false, 0
	start := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case c == '(':
			paren++
		case c == ')' && paren > 0:
			paren--
		case c == ',' && !angle && paren == 0:
			items = append(items, v[start:i])
			start = i + 1
		}
	}
	return append(items, v[start:])
}
