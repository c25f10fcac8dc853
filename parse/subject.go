package parse

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// TicketTag is a "[TAG #123]" subject tag.
type TicketTag struct {
	Tag string // case preserved
	ID  int64
}

// tagRE matches "[TAG #ID]": TAG is letters, digits, '.', '-' and '_'.
var tagRE = lazyRegexp(`\[([\pL\pN._-]+)[ \t]+#([0-9]+)\]`)

// TicketTags returns every "[TAG #ID]" tag in subject, in order. Tags whose
// number does not fit an int64 are skipped.
func TicketTags(subject string) []TicketTag {
	var tags []TicketTag
	for _, m := range tagRE().FindAllStringSubmatch(subject, -1) {
		id, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil {
			continue
		}
		tags = append(tags, TicketTag{Tag: m[1], ID: id})
	}
	return tags
}

// Command is a caseworker command given as a subject tag, e.g. "[give alice]".
type Command struct {
	Name string // lower case: take, steal, give, move, resolve, reject, stall, open, comment
	Arg  string // the login or queue of give and move, as written
}

// Commands finds the command tags in subject, case-insensitively, and
// returns them with the rest of the subject, which has them removed and its
// white space tidied. Brackets that are not commands ("[External]",
// "[support #42]", "[give]" without an argument) stay in rest. Brackets
// nest: a command inside another bracket is removed first, and the outer
// bracket is then judged on what remains, so Commands(rest) finds nothing.
func Commands(subject string) (cmds []Command, rest string) {
	out := make([]byte, 0, len(subject))
	var open []bracket // unmatched '[' in out
	brackets := 0      // '[' and ']' in out
	for i := 0; i < len(subject); i++ {
		c := subject[i]
		if c == ']' && len(open) > 0 {
			b := open[len(open)-1]
			open = open[:len(open)-1]
			// Only a bracket that holds no kept brackets can be a command.
			if brackets == b.brackets+1 {
				if cmd, ok := parseCommand(string(out[b.pos+1:])); ok {
					cmds = append(cmds, cmd)
					out, brackets = out[:b.pos], b.brackets
					continue
				}
			}
		}
		if c == '[' {
			open = append(open, bracket{pos: len(out), brackets: brackets})
		}
		if c == '[' || c == ']' {
			brackets++
		}
		out = append(out, c)
	}
	return cmds, foldSpace(string(out))
}

// bracket is an unmatched '[' seen by Commands: its position in the output
// and the number of brackets before it.
type bracket struct {
	pos, brackets int
}

// parseCommand reads the inside of one bracket pair as a command.
func parseCommand(s string) (Command, bool) {
	if strings.ContainsAny(s, "[]") {
		return Command{}, false
	}
	f := strings.Fields(s)
	if len(f) == 0 {
		return Command{}, false
	}
	name := asciiLower(f[0])
	switch name {
	case "take", "steal", "resolve", "reject", "stall", "open", "comment":
		if len(f) != 1 {
			return Command{}, false
		}
		return Command{Name: name}, true
	case "give", "move":
		if len(f) != 2 || strings.HasPrefix(f[1], "#") {
			return Command{}, false
		}
		return Command{Name: name, Arg: f[1]}, true
	case "remind":
		// [remind 2d]: a reminder to the sender, that far from now.
		if len(f) != 2 {
			return Command{}, false
		}
		if _, err := Duration(f[1]); err != nil {
			return Command{}, false
		}
		return Command{Name: name, Arg: f[1]}, true
	}
	return Command{}, false
}

// lazyRegexp compiles expr on first use: most sak commands parse no mail,
// and compiling the package's expressions at every start slowed them all
// (BENCHMARKS.md).
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// attemptRE matches a bracket holding no brackets, as a command is written.
var attemptRE = lazyRegexp(`\[([^\[\]]*)\]`)

// Attempts finds, in the rest of a subject that Commands returned, the
// brackets that look like commands sak does not know, as written
// ("[reslove]", "[give]", "[remind soon]"). A bracket is an attempt when
// it holds one word, or a word and one argument that does not start with
// '#', and the word is a command's name (in any case: "[give]" without its
// argument, "[remind soon]") or is written in lower-case letters a to z
// alone ("[reslove]", "[tkae]"). A ticket tag ("[support #42]") and
// markers that mail systems put in subjects ("[EXTERNAL]", "[SPAM]",
// "[Ekstern]") are not: they are not in lower case. The caller asks only
// of a subject that held a real command as well, where a lower-case word
// in brackets is most likely a mistyped one.
func Attempts(rest string) []string {
	var out []string
	for _, m := range attemptRE().FindAllStringSubmatch(rest, -1) {
		f := strings.Fields(m[1])
		if len(f) == 0 || len(f) > 2 || len(f) == 2 && strings.HasPrefix(f[1], "#") {
			continue
		}
		if slices.Contains(CommandNames, asciiLower(f[0])) || lowerWord(f[0]) {
			out = append(out, "["+strings.Join(f, " ")+"]")
		}
	}
	return out
}

// CommandNames are the names of the subject commands, in the order the
// documentation lists them.
var CommandNames = []string{"take", "steal", "give", "move", "resolve", "reject", "stall", "open", "comment", "remind"}

// lowerWord reports whether s is two to twenty letters a to z.
func lowerWord(s string) bool {
	if len(s) < 2 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}
