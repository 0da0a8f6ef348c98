package expr

import (
	"fmt"
	"regexp"
	"strings"
)

// Two forms that both RE2 and Python's re accept, but read differently.
var (
	// emptyMin is a repetition without its minimum, a{,2}: Python's
	// a{0,2}, RE2's literal text "{,2}".
	emptyMin = regexp.MustCompile(`^\{,[0-9]*\}`)
	// posixClass is a POSIX class inside a class, [[:alpha:]]: RE2's
	// letters, Python's set of the characters "[:alph" followed by a "]".
	posixClass = regexp.MustCompile(`^\[:\^?[a-z]+:\]`)
)

// pythonReadings returns what in pattern Python's re reads otherwise than
// RE2 does, one message each, for the warnings of a pattern written in an
// expression (ARPOC matches with Python's re).
func pythonReadings(pattern string) []string {
	var out []string
	inClass := false
	for i := 0; i < len(pattern); i++ {
		rest := pattern[i:]
		switch {
		case strings.HasPrefix(rest, `\Q`):
			end := strings.Index(rest, `\E`)
			if end < 0 {
				return out
			}
			i += end + 1
		case rest[0] == '\\':
			i++
		case inClass:
			if m := posixClass.FindString(rest); m != "" {
				out = append(out, fmt.Sprintf("%s in pattern %s is a POSIX class in RE2 but a set of its characters in Python's re (ARPOC): write the characters, such as [a-zA-Z] for [:alpha:]", m, quote(pattern)))
				i += len(m) - 1
			} else if rest[0] == ']' {
				inClass = false
			}
		case rest[0] == '[':
			inClass = true
			// A ] first in a class is one of its characters.
			if strings.HasPrefix(rest, "[]") || strings.HasPrefix(rest, "[^]") {
				i += strings.IndexByte(rest, ']')
			}
		default:
			if m := emptyMin.FindString(rest); m != "" {
				py := "{0," + m[2:]
				out = append(out, fmt.Sprintf("%s in pattern %s is literal text in RE2 but the repetition %s in Python's re (ARPOC): write %s, or \\%s for the text", m, quote(pattern), py, py, m))
				i += len(m) - 1
			}
		}
	}
	return out
}
