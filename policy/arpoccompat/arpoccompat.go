// Package arpoccompat finds the places in loaded entity files where
// Gatehouse's decision can differ from the one ARPOC's running code makes,
// one Finding per place and per difference that docs/policy-language.md
// numbers under "Differences from ARPOC", each with the rewrite that keeps
// ARPOC's meaning. gatehouse policy check --against arpoc prints them.
package arpoccompat

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/expr"
)

// The differences of docs/policy-language.md that a Finding names.
const (
	DenyRuleFalse      = 1  // a DENY rule whose condition is false grants
	AndOrMixed         = 2  // and binds tighter than or
	ShortCircuit       = 3  // and and or stop at the operand that decides
	ExistsAccess       = 4  // exists access.x is false when x is absent
	IntFloat           = 5  // integers and floats compare with < and >
	ContainedTwice     = 6  // an entity contained twice gives its result to both
	SettledResolver    = 7  // a settled resolver stops at once
	ObligationRepeated = 9  // each obligation runs once per decision
	Regexp             = 11 // regular expressions are RE2's
	DuplicateID        = 13 // duplicate ids keep the first definition
	NestedObject       = 15 // object setters run when the attribute read is absent
)

// Finding is a place where Gatehouse's decision can differ from ARPOC's
// code.
type Finding struct {
	// File and Line locate the place: the key of the entity at fault, or
	// its definition.
	File string `json:"file"`
	Line int    `json:"line"`
	// Entity and Kind ("PolicySet", "Policy", "Rule", or "" when the
	// definition was refused before its kind was read) name the entity.
	Entity string `json:"entity"`
	Kind   string `json:"kind,omitempty"`
	// Field is the key at fault: "Condition", "Rules", ...
	Field string `json:"field,omitempty"`
	// Column is the column in the Target or Condition, from 1.
	Column int `json:"column,omitempty"`
	// Difference is the number of the difference in
	// docs/policy-language.md.
	Difference int `json:"difference"`
	// Message says what differs.
	Message string `json:"message"`
	// Rewrite says how to write the place so that Gatehouse decides as
	// ARPOC's code does, or why no rewrite can.
	Rewrite string `json:"rewrite"`
}

// String returns the finding on one line, without its rewrite:
//
//	rules.json:12: difference 1: rule "r": Condition: ...
func (f Finding) String() string {
	p := policy.Problem{File: f.File, Line: f.Line, Entity: f.Entity, Kind: f.Kind, Field: f.Field, Column: f.Column,
		Message: fmt.Sprintf("difference %d: %s", f.Difference, f.Message)}
	return p.Error()
}

// Check returns the places of s where Gatehouse's decision can differ
// from ARPOC's code, sorted by file, line and column, and the errors of s
// that are not such places: refused files and entities, and references to
// entities that are not loaded. A definition refused because its id was
// defined before, and an entity refused for a regular expression RE2
// cannot read, are findings, not errors.
func Check(s *policy.Snapshot) (findings []Finding, errors []policy.Problem) {
	c := &checker{s: s}
	c.duplicates()
	// explained are the refusals that are findings; a reference to an
	// entity they refused is reported with the refusal's text.
	var explained []string
	for _, p := range s.Errors() {
		switch {
		case isDuplicate(s, p):
			explained = append(explained, p.Error())
		case (p.Field == "Target" || p.Field == "Condition") && pythonOnly(p.Message):
			explained = append(explained, p.Error())
			rewrite := "write the pattern without back-references or look-arounds, which RE2 has not: test the text a look-around guards with a comparison of its own joined by and, and a repeated group by listing its forms"
			if strings.Contains(p.Message, "`\\Z`") {
				rewrite = `write \z, the end of the text, for Python's \Z`
			}
			c.add(Finding{File: p.File, Line: p.Line, Entity: p.Entity, Kind: p.Kind, Field: p.Field, Column: p.Column, Difference: Regexp,
				Message: "Gatehouse refuses the entity: " + p.Message + "; Python's re, which ARPOC uses, reads it",
				Rewrite: rewrite})
		default:
			errors = append(errors, p)
		}
	}
	errors = slices.DeleteFunc(errors, func(p policy.Problem) bool {
		return slices.ContainsFunc(explained, func(refusal string) bool { return strings.Contains(p.Message, "("+refusal+")") })
	})
	ents := s.Entities()
	for _, e := range ents {
		c.entity(e)
	}
	c.containers(ents)
	slices.SortStableFunc(c.out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column), cmp.Compare(a.Difference, b.Difference))
	})
	return c.out, errors
}

// pythonOnly reports whether msg refuses a pattern for what Python's re
// reads and RE2 has not: look-arounds and other (?...) groups of Perl,
// back-references, \Z.
func pythonOnly(msg string) bool {
	if !strings.HasPrefix(msg, "bad regular expression") {
		return false
	}
	if strings.Contains(msg, "invalid or unsupported Perl syntax") {
		return true
	}
	_, esc, ok := strings.Cut(msg, "invalid escape sequence: `\\")
	return ok && esc != "" && strings.ContainsRune("123456789Z", rune(esc[0]))
}

// checker collects the findings of a snapshot.
type checker struct {
	s   *policy.Snapshot
	out []Finding
}

func (c *checker) add(f Finding) { c.out = append(c.out, f) }

// at returns a finding at the key field of e.
func (c *checker) at(e policy.Entity, field string, column, difference int) Finding {
	return Finding{File: e.File, Line: c.s.KeyLine(e.Kind, e.ID, field), Entity: e.ID, Kind: e.Kind.String(), Field: field,
		Column: column, Difference: difference}
}

// isDuplicate reports whether p refuses a definition whose id was defined
// before.
func isDuplicate(s *policy.Snapshot, p policy.Problem) bool {
	for _, d := range s.Duplicates() {
		if d.Problem == p {
			return true
		}
	}
	return false
}

// duplicates reports the definitions refused for an id defined before:
// ARPOC keeps the last definition, Gatehouse the first.
func (c *checker) duplicates() {
	for _, d := range c.s.Duplicates() {
		p := d.Problem
		c.add(Finding{File: p.File, Line: p.Line, Entity: p.Entity, Kind: p.Kind, Difference: DuplicateID,
			Message: fmt.Sprintf("%q is defined again: ARPOC keeps the last definition, Gatehouse the first, at %s:%d", p.Entity, d.FirstFile, d.FirstLine),
			Rewrite: fmt.Sprintf("keep only the last definition of %q, the one ARPOC uses: delete the one at %s:%d", p.Entity, d.FirstFile, d.FirstLine)})
	}
}

// entity checks the expressions of e.
func (c *checker) entity(e policy.Entity) {
	target, condition := c.s.Expressions(e.Kind, e.ID)
	if target != nil {
		c.expression(e, "Target", e.Target, target)
	}
	if condition == nil {
		return
	}
	c.expression(e, "Condition", e.Condition, condition)
	if e.Effect == policy.Deny {
		c.denyRule(e, condition)
	}
}

// denyRule reports a DENY rule whose condition can be false: ARPOC's code
// denies then, Gatehouse grants.
func (c *checker) denyRule(e policy.Entity, x *expr.Expr) {
	truth, known := constant(x.Root())
	if known && truth {
		return
	}
	f := c.at(e, "Condition", 0, DenyRuleFalse)
	if known {
		f.Message = "the condition of this DENY rule is always false: Gatehouse grants wherever the rule applies, ARPOC's code denies"
		f.Rewrite = `"Condition": "True" (or set policy.compat: arpoc-code)`
	} else {
		f.Message = "where the condition of this DENY rule is false, Gatehouse grants and ARPOC's code denies"
		f.Rewrite = fmt.Sprintf(`"Condition": %q: ARPOC's code denies whenever the rule applies, and the condition still reads its attributes, so a missing one denies as incomplete as in ARPOC (or set policy.compat: arpoc-code)`,
			operand(e.Condition, x.Root())+" or True")
	}
	c.add(f)
}

// operand returns src, the source of the expression whose root is n, in
// parentheses when n is an and or an or.
func operand(src string, n expr.Node) string {
	if k := n.Kind(); k == expr.NodeAnd || k == expr.NodeOr {
		return "(" + strings.TrimSpace(src) + ")"
	}
	return strings.TrimSpace(src)
}

// constant returns the truth of n when it needs no attribute.
func constant(n expr.Node) (truth, known bool) {
	switch n.Kind() {
	case expr.NodeLiteral:
		return expr.Truthy(n.Value()), true
	case expr.NodeExists:
		return n.Operands()[0].Kind() == expr.NodeLiteral, n.Operands()[0].Kind() == expr.NodeLiteral
	case expr.NodeNot:
		t, ok := constant(n.Operands()[0])
		return !t, ok
	case expr.NodeAnd, expr.NodeOr:
		stop := n.Kind() == expr.NodeOr // the truth that decides
		all := true
		for _, o := range n.Operands() {
			t, ok := constant(o)
			if ok && t == stop {
				return stop, true
			}
			all = all && ok
		}
		return !stop, all
	}
	return false, false
}

// expression checks the expression x, the field of e, whose source is src.
func (c *checker) expression(e policy.Entity, field, src string, x *expr.Expr) {
	if arpoc, col := expr.Group(src, "or"); col > 0 {
		gatehouse, _ := expr.Group(src, "and")
		f := c.at(e, field, col, AndOrMixed)
		f.Message = fmt.Sprintf("and and or are mixed without parentheses: Gatehouse reads %s; ARPOC's grammar ranks and and or alike, and its parser picks a grouping by a tie-break (it read the documented examples with or first)", gatehouse)
		f.Rewrite = fmt.Sprintf("%q: %q, or first, as ARPOC read the documented examples; if ARPOC's decisions show Gatehouse's grouping, write that: %q", field, arpoc, gatehouse)
		c.add(f)
	}
	c.shortCircuit(e, field, src, x)
	walk(x.Root(), func(n expr.Node) {
		switch n.Kind() {
		case expr.NodeExists:
			if a := n.Operands()[0].Attribute(); a != nil && a.Category == expr.Access {
				f := c.at(e, field, a.Column, ExistsAccess)
				f.Message = fmt.Sprintf("exists %s is false in Gatehouse when the access attribute is absent, and always true in ARPOC", a)
				f.Rewrite = fmt.Sprintf("write True for exists %s, which is what ARPOC's code computes", a)
				c.add(f)
			}
		case expr.NodeCompare:
			c.comparison(e, field, n)
			if pattern, ok := n.Operands()[1].Value().(string); ok && n.Op() == expr.OpMatches {
				c.pattern(e, field, n.Column(), pattern)
			}
		case expr.NodeAttribute:
			if a := n.Attribute(); a.Category == expr.Object && len(a.Segments) > 1 {
				f := c.at(e, field, a.Column, NestedObject)
				f.Message = fmt.Sprintf("where object.%s is present without %s, Gatehouse runs the object setters and ARPOC does not (it runs them only when object.%s is absent): a setter that supplies it makes the decisions differ",
					a.Segments[0], strings.Join(a.Segments[1:], "."), a.Segments[0])
				f.Rewrite = fmt.Sprintf("no expression stops the setters; give the request's object.%s the whole of what the rule reads, or have the setters supply a top-level object attribute to read instead", a.Segments[0])
				c.add(f)
			}
		}
	})
}

// walk calls fn for n and every node under it, parents first.
func walk(n expr.Node, fn func(expr.Node)) {
	fn(n)
	for _, o := range n.Operands() {
		walk(o, fn)
	}
}

// shortCircuit reports the attributes that and and or may never read:
// ARPOC reads every attribute of an expression before it combines, so a
// missing one decides there.
func (c *checker) shortCircuit(e policy.Entity, field, src string, x *expr.Expr) {
	always := map[string]bool{}
	var maybe []*expr.Attribute
	var reads func(n expr.Node, sure bool)
	reads = func(n expr.Node, sure bool) {
		switch n.Kind() {
		case expr.NodeAttribute:
			if a := n.Attribute(); a.Category != expr.Access {
				if sure {
					always[a.String()] = true
				} else {
					maybe = append(maybe, a)
				}
			}
		case expr.NodeExists: // never missing, in ARPOC either
		case expr.NodeAnd, expr.NodeOr:
			for i, o := range n.Operands() {
				reads(o, sure && i == 0)
			}
		default:
			for _, o := range n.Operands() {
				reads(o, sure)
			}
		}
	}
	reads(x.Root(), true)
	var names, guards []string
	col := 0
	for _, a := range maybe {
		if always[a.String()] || slices.Contains(names, a.String()) {
			continue
		}
		if col == 0 {
			col = a.Column
		}
		names = append(names, a.String())
		guards = append(guards, "("+a.String()+" or True)")
	}
	if len(names) == 0 {
		return
	}
	result := "the entity does not apply (incomplete)"
	if field == "Condition" {
		result = "the rule denies (incomplete)"
	}
	f := c.at(e, field, col, ShortCircuit)
	f.Message = fmt.Sprintf("Gatehouse may not read %s: and and or stop at the operand that decides; ARPOC reads every attribute first, so where one is missing %s even when an earlier operand decides",
		strings.Join(names, ", "), result)
	f.Rewrite = fmt.Sprintf("%q: %q: each (x or True) reads x first and is true whenever x is present", field,
		strings.Join(guards, " and ")+" and "+operand(src, x.Root()))
	c.add(f)
}

// comparison reports an order comparison whose operands may be an
// integer and a float, which ARPOC's code refuses (it compares values of
// one Python type only) and Gatehouse compares by value.
func (c *checker) comparison(e policy.Entity, field string, n expr.Node) {
	switch n.Op() {
	case expr.OpLt, expr.OpLe, expr.OpGt, expr.OpGe:
	default:
		return
	}
	ops := n.Operands()
	kind := func(o expr.Node) string {
		switch o.Kind() {
		case expr.NodeAttribute:
			return "attribute"
		case expr.NodeLiteral:
			switch o.Value().(type) {
			case float64:
				return "float"
			case string, bool, []any:
				return ""
			}
			return "integer"
		}
		return ""
	}
	l, r := kind(ops[0]), kind(ops[1])
	if l == "" || r == "" || (l != "attribute" && r != "attribute") {
		return
	}
	f := c.at(e, field, n.Column(), IntFloat)
	const fails = "ARPOC's code fails the decision where one operand is an integer and the other a float; Gatehouse compares them by value"
	switch {
	case l == "float" || r == "float":
		f.Message = fmt.Sprintf("%s differs wherever the attribute holds an integer: %s", n, fails)
		f.Rewrite = "write the literal as an integer when the attribute holds integers (ARPOC's literals are integers only); no expression reproduces ARPOC's failure"
	case l == "integer" || r == "integer":
		f.Message = fmt.Sprintf("%s may differ, where the attribute holds a float: %s", n, fails)
		f.Rewrite = "nothing to rewrite where the attribute always holds integers; no expression reproduces ARPOC's failure on a float, so make its source give integers"
	default:
		f.Message = fmt.Sprintf("%s may differ, where one attribute holds an integer and the other a float: %s", n, fails)
		f.Rewrite = "nothing to rewrite where both attributes hold numbers of one type; no expression reproduces ARPOC's failure, so make their sources agree"
	}
	c.add(f)
}
