package arpoccompat

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/expr"
)

// pattern reports the parts of a literal pattern of matches that Python's
// re, which ARPOC uses, reads otherwise than RE2, with the pattern that
// reads as Python does.
func (c *checker) pattern(e policy.Entity, field string, column int, p string) {
	scan := expr.ScanPython(p)
	var what, refused []string
	for _, r := range scan.Findings {
		var s string
		switch r.Kind {
		case expr.PythonRefused:
			refused = append(refused, r.Text)
			continue
		case expr.PythonUnicodeClass:
			s = r.Text + " is Unicode in Python and ASCII in Gatehouse"
		case expr.PythonBoundary:
			s = r.Text + " is a boundary of Unicode words in Python and of ASCII words in Gatehouse"
		case expr.PythonReading:
			if strings.HasPrefix(r.Text, "{") {
				s = fmt.Sprintf("Python reads %s as %s, RE2 as the text %s", r.Text, r.RE2, r.Text)
			} else {
				s = fmt.Sprintf("Python reads %s inside a class as its characters, RE2 as a POSIX class", r.Text)
			}
		}
		if !slices.Contains(what, s) {
			what = append(what, s)
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
	if scan.Exact {
		f.Rewrite = "the pattern " + rawString(scan.Rewrite) + ", which reads as Python does"
	} else {
		f.Rewrite = "the pattern " + rawString(scan.Rewrite) + ` reads as Python does but for \b, \B and negated escapes inside [...], which RE2 has only in ASCII: they match the same in ASCII text`
	}
	c.add(f)
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
