package lang

import (
	"bufio"
	"bytes"
	"io"
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
	w := NewWriter(&b)
	for _, l := range m.Locations() {
		w.AddLocation(l)
	}
	for _, r := range m.Roles() {
		w.AddRole(r)
	}
	for _, p := range m.Possessibles() {
		w.AddPossessible(p)
	}
	for _, a := range m.Actors() {
		w.AddActor(a)
	}
	for _, c := range m.Connections() {
		w.AddConnection(*c)
	}
	w.Flush() // a bytes.Buffer takes every write
	return b.Bytes()
}

// Writer writes a model in the model language as its parts are added, the
// way Format does, without holding the model: only the possessibles with
// a policy of their own are kept, for the policies section that Flush
// writes last. Parts must be added section by section, in the order of
// the methods (locations, roles, possessibles, actors, connections); the
// names are not checked. Its Add methods match model.Builder's, so code
// that makes a model can write it instead.
type Writer struct {
	w       *bufio.Writer
	section string // the section open, if any
	custom  []model.Possessible
	started bool
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: bufio.NewWriter(w)} }

// open opens section title, closing the one open.
func (w *Writer) open(title string) {
	if w.section == title {
		return
	}
	w.close()
	if w.started {
		w.w.WriteByte('\n')
	}
	w.section, w.started = title, true
	w.w.WriteString(title + " {\n")
}

// close closes the section open.
func (w *Writer) close() {
	if w.section != "" {
		w.w.WriteString("}\n")
		w.section = ""
	}
}

// AddLocation writes a location.
func (w *Writer) AddLocation(name string) error {
	w.open("locations")
	_, err := w.w.WriteString("  " + Quote(name) + ";\n")
	return err
}

// AddRole writes a role.
func (w *Writer) AddRole(name string) error {
	w.open("roles")
	_, err := w.w.WriteString("  " + Quote(name) + ";\n")
	return err
}

// AddPossessible writes a possessible, and keeps it for Flush when its
// policies differ from model.DefaultPolicies.
func (w *Writer) AddPossessible(p model.Possessible) error {
	w.open("possessibles")
	w.w.WriteString("  " + p.Kind.String() + " " + Quote(p.Name))
	if p.At != "" {
		w.w.WriteString(" at " + Quote(p.At))
	}
	if !reflect.DeepEqual(stripped(p.Policies), stripped(model.DefaultPolicies(p.Kind))) {
		w.custom = append(w.custom, p)
	}
	_, err := w.w.WriteString(";\n")
	return err
}

// AddActor writes an actor.
func (w *Writer) AddActor(a model.Actor) error {
	w.open("actors")
	w.w.WriteString("  " + Quote(a.Name) + " {\n")
	list := func(kw string, names []string) {
		if len(names) > 0 {
			w.w.WriteString("    " + kw + " " + quoteAll(names) + ";\n")
		}
	}
	list("roles", a.Roles)
	w.w.WriteString("    at " + Quote(a.At) + ";\n")
	list("holds", a.Holds)
	list("goals", a.Goals)
	_, err := w.w.WriteString("  };\n")
	return err
}

// AddConnection writes a connection.
func (w *Writer) AddConnection(c model.Connection) error {
	w.open("connections")
	w.w.WriteString("  " + Quote(c.From) + " -> " + Quote(c.To) + " {\n")
	w.clauses(c.Policies)
	_, err := w.w.WriteString("  };\n")
	return err
}

// Flush writes the policies of the possessibles that have their own,
// closes the last section and flushes the underlying writer. It returns
// the first error of a write.
func (w *Writer) Flush() error {
	for _, p := range w.custom {
		w.open("policies")
		w.w.WriteString("  " + Quote(p.Name) + " {\n")
		w.clauses(p.Policies)
		w.w.WriteString("  };\n")
	}
	w.custom = nil
	w.close()
	return w.w.Flush()
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

// clauses writes one clause per component, action by action.
func (w *Writer) clauses(ps model.Policies) {
	for a, p := range ps {
		for _, c := range p {
			w.w.WriteString("    " + Clause(model.Action(a), c) + "\n")
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
