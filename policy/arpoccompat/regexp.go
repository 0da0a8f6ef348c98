package arpoccompat

import (
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/policy"
)

// Python's \w and \s in a str pattern, written for RE2 (without the
// brackets, to go inside a class): Unicode letters, digits and _; the
// characters str.isspace holds.
const (
	pythonWord  = `\p{L}\p{N}_`
	pythonSpace = `\t\n\v\f\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`
)

// classEscapes are the RE2 forms of Python's class escapes: outside a
// class, and inside one ("" where RE2 has none).
var classEscapes = map[byte][2]string{
	'd': {`\p{Nd}`, `\p{Nd}`},
	'D': {`\P{Nd}`, `\P{Nd}`},
	'w': {"[" + pythonWord + "]", pythonWord},
	'W': {"[^" + pythonWord + "]", ""},
	's': {"[" + pythonSpace + "]", pythonSpace},
	'S': {"[^" + pythonSpace + "]", ""},
}

// posixClasses are the names RE2 reads in [[:name:]].
var posixClasses = []string{"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "word", "xdigit"}

// pattern reports the parts of a literal pattern of matches that Python's
// re, which ARPOC uses, reads otherwise than RE2, with the pattern that
// reads as Python does.
func (c *checker) pattern(e policy.Entity, field string, column int, p string) {
	var b strings.Builder
	var what, refused []string
	exact := true
	note := func(s string) {
		for _, w := range what {
			if w == s {
				return
			}
		}
		what = append(what, s)
	}
	inClass := false
	for i := 0; i < len(p); {
		ch := p[i]
		switch {
		case ch == '\\' && i+1 < len(p):
			esc := p[i+1]
			forms, class := classEscapes[esc]
			switch {
			case class:
				note(fmt.Sprintf(`\%c is Unicode in Python and ASCII in Gatehouse`, esc))
				form := forms[0]
				if inClass {
					form = forms[1]
				}
				if form == "" {
					exact = false
					form = p[i : i+2]
				}
				b.WriteString(form)
			case strings.IndexByte("pPQEzC", esc) >= 0:
				refused = append(refused, p[i:i+2])
				b.WriteString(p[i : i+2])
			case esc == 'b' || esc == 'B':
				note(fmt.Sprintf(`\%c is a boundary of Unicode words in Python and of ASCII words in Gatehouse`, esc))
				exact = false
				b.WriteString(p[i : i+2])
			default:
				b.WriteString(p[i : i+2])
			}
			i += 2
		case inClass && ch == ']':
			inClass = false
			b.WriteByte(ch)
			i++
		case inClass && ch == '[' && posixAt(p[i:]) != "":
			note(fmt.Sprintf("Python reads %s inside a class as its characters, RE2 as a POSIX class", posixAt(p[i:])))
			b.WriteString(`\[`)
			i++
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
				note(fmt.Sprintf("Python reads %s as {0,%s}, RE2 as the text %s", p[i:j+1], p[i+2:j], p[i:j+1]))
				b.WriteString("{0," + p[i+2:j] + "}")
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
	if len(refused) > 0 {
		f := c.at(e, field, column, Regexp)
		f.Message = fmt.Sprintf("Python's re refuses the pattern %s (%s), so ARPOC's code fails every decision that evaluates it, which denies; RE2 reads it", rawString(p), strings.Join(refused, ", "))
		f.Rewrite = "no pattern reproduces ARPOC's failure: where such requests must be denied, remove the comparison's rule; else keep Gatehouse's reading"
		c.add(f)
		return
	}
	if len(what) == 0 {
		return
	}
	f := c.at(e, field, column, Regexp)
	f.Message = "the pattern " + rawString(p) + " may match otherwise than in ARPOC: " + strings.Join(what, "; ")
	if exact {
		f.Rewrite = "the pattern " + rawString(b.String()) + ", which reads as Python does"
	} else {
		f.Rewrite = "the pattern " + rawString(b.String()) + ` reads as Python does but for \b, \B and negated escapes inside [...], which RE2 has only in ASCII: they match the same in ASCII text`
	}
	c.add(f)
}

// posixAt returns the POSIX class "[:name:]" at the start of s, or "".
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

// rawString writes s as a raw string of the language.
func rawString(s string) string {
	if !strings.Contains(s, "'") {
		return "r'" + s + "'"
	}
	if !strings.Contains(s, `"`) {
		return `r"` + s + `"`
	}
	return fmt.Sprintf("%q", s)
}
