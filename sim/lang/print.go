package lang

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/sim/model"
)

// Format writes m in the model language, every section explicit: Parse
// reads it back into a model equal to m. Names that are keywords or not
// bare names are quoted. A possessible's policy is written only when it
// differs from model.DefaultPolicies.
func Format(m *model.Model) []byte {
	var b bytes.Buffer
	section := func(title string, n int, item func(i int)) {
		if n == 0 {
			return
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(title + " {\n")
		for i := range n {
			item(i)
		}
		b.WriteString("}\n")
	}
	locs := m.Locations()
	section("locations", len(locs), func(i int) { b.WriteString("  " + Quote(locs[i]) + ";\n") })
	roles := m.Roles()
	section("roles", len(roles), func(i int) { b.WriteString("  " + Quote(roles[i]) + ";\n") })
	poss := m.Possessibles()
	section("possessibles", len(poss), func(i int) {
		p := poss[i]
		b.WriteString("  " + p.Kind.String() + " " + Quote(p.Name))
		if p.At != "" {
			b.WriteString(" at " + Quote(p.At))
		}
		b.WriteString(";\n")
	})
	actors := m.Actors()
	section("actors", len(actors), func(i int) {
		a := actors[i]
		b.WriteString("  " + Quote(a.Name) + " {\n")
		list := func(kw string, names []string) {
			if len(names) > 0 {
				b.WriteString("    " + kw + " " + quoteAll(names) + ";\n")
			}
		}
		list("roles", a.Roles)
		b.WriteString("    at " + Quote(a.At) + ";\n")
		list("holds", a.Holds)
		list("goals", a.Goals)
		b.WriteString("  };\n")
	})
	conns := m.Connections()
	section("connections", len(conns), func(i int) {
		c := conns[i]
		b.WriteString("  " + Quote(c.From) + " -> " + Quote(c.To) + " {\n")
		writeClauses(&b, c.Policies)
		b.WriteString("  };\n")
	})
	var custom []model.Possessible
	for _, p := range poss {
		if !reflect.DeepEqual(stripped(p.Policies), stripped(model.DefaultPolicies(p.Kind))) {
			custom = append(custom, p)
		}
	}
	section("policies", len(custom), func(i int) {
		p := custom[i]
		b.WriteString("  " + Quote(p.Name) + " {\n")
		writeClauses(&b, p.Policies)
		b.WriteString("  };\n")
	})
	return b.Bytes()
}

// stripped returns the written parts of ps: restrictions, annotations and
// log rules, without the ids a built model adds.
func stripped(ps model.Policies) [model.NumActions][]model.Component {
	var out [model.NumActions][]model.Component
	for a, p := range ps {
		for _, c := range p {
			out[a] = append(out[a], model.Component{Restrictions: c.Restrictions, Annotation: c.Annotation, Log: c.Log})
		}
	}
	return out
}

// actionLetters are the short words of the actions.
var actionLetters = [model.NumActions]string{model.Move: "m", model.Take: "t", model.Read: "r", model.Drop: "d"}

// writeClauses writes one clause per component, action by action.
func writeClauses(b *bytes.Buffer, ps model.Policies) {
	for a, p := range ps {
		for _, c := range p {
			b.WriteString("    " + Clause(model.Action(a), c) + "\n")
		}
	}
}

// Clause returns the clause of component c of action a as the model
// language writes it: `key: mlog (0%, 2)`.
func Clause(a model.Action, c model.Component) string {
	var b strings.Builder
	req := append(quoteEach(c.Restrictions.Credentials), quoteEach(c.Restrictions.Roles)...)
	if len(req) == 0 {
		b.WriteString("*")
	} else {
		b.WriteString(strings.Join(req, ", "))
	}
	b.WriteString(": " + actionLetters[a])
	switch c.Log {
	case 0:
	case model.DefaultLog:
		b.WriteString("log")
	default:
		b.WriteString(" log[")
		for i, f := range c.Log.Fields() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f.String())
		}
		b.WriteString("]")
	}
	b.WriteString(" (" + strconv.FormatFloat(c.Annotation.Risk, 'f', -1, 64) + "%, " + strconv.FormatInt(c.Annotation.Time, 10) + ")")
	return b.String()
}

// Quote returns name as the model language writes it: bare when it can
// be, else in double quotes with \" and \\ for a quote and a backslash.
func Quote(name string) string {
	if isIdent(name) {
		return name
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
}

func quoteEach(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = Quote(n)
	}
	return out
}

func quoteAll(names []string) string { return strings.Join(quoteEach(names), ", ") }
