package parse

import (
	"strings"
)

// NewText returns the text a person newly wrote in a reply: the text before
// the first quote header ("On ... wrote:", "Den ... skrev:", "-----Original
// Message-----", an Outlook "From:/Sent:" block), without ">"-quoted lines
// and without a signature after a "-- " line, trimmed.
func NewText(text string) string {
	lines := strings.Split(cleanText(text), "\n")
	var out []string
	for i, line := range lines {
		if isSignatureLine(line) || isQuoteHeader(lines, i) {
			break
		}
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), ">") {
			continue
		}
		out = append(out, line)
	}
	return tidyLines(strings.Join(out, "\n"))
}

// isSignatureLine matches the RFC 3676 4.3 signature separator, also with
// its trailing space lost.
func isSignatureLine(line string) bool {
	return line == "-- " || line == "--"
}

var (
	// separatorRE matches the lines mail clients put above a quoted or
	// forwarded message.
	separatorRE = lazyRegexp(`(?i)^-{2,}\s*(original message|opprinnelig melding|opprinnelig e-post|ursprüngliche nachricht|originalmeddelande|oprindelig meddelelse|message d'origine|forwarded message|videresendt melding|videresendt e-post)\s*-{2,}$`)
	// attributionRE matches "On <date>, <name> wrote:" and its translations.
	attributionRE = lazyRegexp(`(?i)\b(wrote|skrev|schrieb|a écrit|escribió|kirjoitti|scrisse|napisał|schreef)(\s[^:]*)?:$`)
	// headerLabelRE matches the first word of a quoted Outlook header line.
	headerLabelRE = lazyRegexp(`(?i)^\*?(from|fra|von|de|från|sent|sendt|date|dato|gesendet|skickat|envoyé|to|til|an|till|à|subject|emne|betreff|ämne|objet|cc|kopi)\*?\s*:`)
	fromLabelRE   = lazyRegexp(`(?i)^\*?(from|fra|von|de|från)\*?\s*:`)
)

// isQuoteHeader reports whether lines[i] starts the quoted part of a reply.
func isQuoteHeader(lines []string, i int) bool {
	line := strings.TrimSpace(lines[i])
	next := ""
	if i+1 < len(lines) {
		next = strings.TrimSpace(lines[i+1])
	}
	switch {
	case line == "":
		return false
	case separatorRE().MatchString(line):
		return true
	case isAttribution(line) || !strings.HasSuffix(line, ":") && isAttribution(line+" "+next):
		return true
	case isUnderscoreRule(line):
		return i+1 < len(lines) && isOutlookHeader(lines, i+1)
	}
	return isOutlookHeader(lines, i)
}

// isAttribution matches "On Mon, 4 Mar 2024 ... wrote:"; a digit or an
// address must be present so that prose like "I wrote:" is not taken.
func isAttribution(s string) bool {
	// The cheap test first: the regular expression backtracks on every
	// line of a long mail.
	if !strings.HasSuffix(s, ":") {
		return false
	}
	return attributionRE().MatchString(s) && strings.ContainsAny(s, "0123456789@")
}

func isUnderscoreRule(s string) bool {
	return len(s) >= 10 && strings.Trim(s, "_") == ""
}

// isOutlookHeader matches a "From:" line followed by at least one more
// header line (Sent:, To:, Subject: ...) within the next few lines.
func isOutlookHeader(lines []string, i int) bool {
	if !fromLabelRE().MatchString(strings.TrimSpace(lines[i])) {
		return false
	}
	for j := i + 1; j < len(lines) && j <= i+4; j++ {
		if headerLabelRE().MatchString(strings.TrimSpace(lines[j])) {
			return true
		}
	}
	return false
}
