package expr

import (
	"strings"
)

// PythonKind is a kind of difference between Python's re and RE2 in the
// reading of one part of a pattern.
type PythonKind int

const (
	// PythonReading is a part both accept and read differently without a
	// word: a{,2} is Python's a{0,2} and RE2's text "{,2}"; [[:alpha:]] is
	// RE2's letters and Python's set of "[:alph" followed by a "]".
	PythonReading PythonKind = iota
	// PythonUnicodeClass is \d, \D, \w, \W, \s or \S: Unicode in Python's
	// str patterns, ASCII in RE2.
	PythonUnicodeClass
	// PythonBoundary is \b or \B: a boundary of Unicode words in Python,
	// of ASCII words in RE2.
	PythonBoundary
	// PythonRefused is an escape RE2 reads and Python's re refuses
	// (\p, \P, \Q, \E, \z, \C), so Python fails to compile the pattern.
	PythonRefused
)

// PythonFinding is one part of a pattern that Python's re reads otherwise
// than RE2.
type PythonFinding struct {
	Kind PythonKind
	// Offset is the byte offset of Text in the pattern.
	Offset int
	// Text is the part as written, such as "{,2}", "[:alpha:]" or `\d`.
	Text string
	// RE2 is Text written for RE2 to read as Python does, such as
	// "{0,2}", `\[:alpha:]` or `\p{Nd}`; Text itself where RE2 has no such
	// form (\b, \B, negated class escapes inside [...], refused escapes).
	RE2 string
}

// PythonScan is what ScanPython finds in a pattern.
type PythonScan struct {
	// Findings are the parts read differently, in the pattern's order.
	Findings []PythonFinding
	// Rewrite is the pattern with each finding's Text replaced by its RE2.
	Rewrite string
	// Exact reports whether Rewrite reads exactly as Python does: false
	// when a finding has no RE2 form or Python refuses the pattern.
	Exact bool
}

// Python's \w and \s in a str pattern, written for RE2 (without the
// brackets, to go inside a class): Unicode letters, digits and _; the
// characters str.isspace holds.
const (
	pythonWord  = `\p{L}\p{N}_`
	pythonSpace = `\t\n\v\f\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`
)

// pythonClassEscapes are the RE2 forms of Python's class escapes: outside
// a class, and inside one ("" where RE2 has none).
var pythonClassEscapes = map[byte][2]string{
	'd': {`\p{Nd}`, `\p{Nd}`},
	'D': {`\P{Nd}`, `\P{Nd}`},
	'w': {"[" + pythonWord + "]", pythonWord},
	'W': {"[^" + pythonWord + "]", ""},
	's': {"[" + pythonSpace + "]", pythonSpace},
	'S': {"[^" + pythonSpace + "]", ""},
}

// posixClasses are the names RE2 reads in [[:name:]].
var posixClasses = []string{"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "word", "xdigit"}

// ScanPython returns the parts of pattern, read as RE2 syntax, that
// Python's re (which ARPOC matches with) reads otherwise, and the pattern
// rewritten for RE2 to read as Python does.
func ScanPython(pattern string) PythonScan {
	p := pattern
	var b strings.Builder
	scan := PythonScan{Exact: true}
	found := func(kind PythonKind, at int, text, re2 string) {
		scan.Findings = append(scan.Findings, PythonFinding{Kind: kind, Offset: at, Text: text, RE2: re2})
		if re2 == text {
			scan.Exact = false
		}
		b.WriteString(re2)
	}
	inClass := false
	for i := 0; i < len(p); {
		ch := p[i]
		switch {
		case ch == '\\' && i+1 < len(p):
			esc := p[i+1]
			forms, class := pythonClassEscapes[esc]
			switch {
			case class:
				form := forms[0]
				if inClass {
					form = forms[1]
				}
				if form == "" {
					form = p[i : i+2]
				}
				found(PythonUnicodeClass, i, p[i:i+2], form)
			case esc == 'Q':
				// RE2 reads up to \E (or the end) as text.
				found(PythonRefused, i, p[i:i+2], p[i:i+2])
				end := strings.Index(p[i+2:], `\E`)
				if end < 0 {
					b.WriteString(p[i+2:])
					i = len(p)
					continue
				}
				b.WriteString(p[i+2 : i+2+end])
				i += 2 + end
				found(PythonRefused, i, p[i:i+2], p[i:i+2])
			case strings.IndexByte("pPEzC", esc) >= 0:
				found(PythonRefused, i, p[i:i+2], p[i:i+2])
			case esc == 'b' || esc == 'B':
				found(PythonBoundary, i, p[i:i+2], p[i:i+2])
			default:
				b.WriteString(p[i : i+2])
			}
			i += 2
		case inClass && ch == ']':
			inClass = false
			b.WriteByte(ch)
			i++
		case inClass && ch == '[' && posixAt(p[i:]) != "":
			c := posixAt(p[i:])
			// Python's class ends at the ] of [:name:], RE2's after it:
			// escaping the [ makes RE2 end it there too.
			found(PythonReading, i, c, `\`+c)
			i += len(c)
			inClass = false
		case inClass:
			b.WriteByte(ch)
			i++
		case ch == '[':
			inClass = true
			b.WriteByte(ch)
			i++
			if i < len(p) && p[i] == '^' {
				b.WriteByte('^')
				i++
			}
			if i < len(p) && p[i] == ']' { // a ] first is one of the class
				b.WriteByte(']')
				i++
			}
		case ch == '{' && strings.HasPrefix(p[i:], "{,"):
			j := i + 2
			for j < len(p) && p[j] >= '0' && p[j] <= '9' {
				j++
			}
			if j < len(p) && p[j] == '}' {
				found(PythonReading, i, p[i:j+1], "{0,"+p[i+2:j+1])
				i = j + 1
				continue
			}
			b.WriteByte(ch)
			i++
		default:
			b.WriteByte(ch)
			i++
		}
	}
	scan.Rewrite = b.String()
	return scan
}

// posixAt returns the POSIX class "[:name:]" or "[:^name:]" at the start
// of s, or "".
func posixAt(s string) string {
	for _, n := range posixClasses {
		for _, neg := range []string{"", "^"} {
			if c := "[:" + neg + n + ":]"; strings.HasPrefix(s, c) {
				return c
			}
		}
	}
	return ""
}

// pythonWarnings returns the warnings, at column, of the parts of a literal
// pattern that Python's re reads otherwise than RE2 without a word (the
// kind PythonReading); the other kinds are for a check against ARPOC, as
// they differ only in text beyond ASCII or fail loudly in Python.
func pythonWarnings(column int, pattern string) []*Error {
	var out []*Error
	for _, f := range ScanPython(pattern).Findings {
		switch {
		case f.Kind != PythonReading:
		case strings.HasPrefix(f.Text, "{"):
			out = append(out, errorCol(column, "%s in pattern %s is literal text in RE2 but the repetition %s in Python's re (ARPOC): write %s, or \\%s for the text", f.Text, quote(pattern), f.RE2, f.RE2, f.Text))
		default:
			out = append(out, errorCol(column, "%s in pattern %s is a POSIX class in RE2 but a set of its characters in Python's re (ARPOC): write the characters, such as [a-zA-Z] for [:alpha:]", f.Text, quote(pattern)))
		}
	}
	return out
}
