package lang

import (
	"fmt"
	"slices"

	"github.com/gatehouse/gatehouse/sim/model"
)

// Parse reads a model file and returns its model. A syntax error stops it;
// semantic errors (unknown names, names declared twice, a holding that
// lies elsewhere) are all reported. The error is an ErrorList.
//
// # Notes
//
// Declarations may be left implicit, as in the fragment
// `connections { hallway -> office { key: mlog (0%, 2) *: m (10%, 5) }; }`:
// a file without a locations section declares a location wherever it names
// one, and a file without a possessibles section declares a credential
// (lying nowhere) for every undeclared name in a requirement. Roles are
// always declared.
func Parse(src []byte) (*model.Model, error) {
	f, err := parse(src)
	if err != nil {
		return nil, ErrorList{err}
	}
	c := &checker{f: f, decl: map[string]declared{}}
	m := c.check()
	if len(c.errs) > 0 {
		slices.SortStableFunc(c.errs, func(a, b *Error) int {
			if a.Pos.Line != b.Pos.Line {
				return a.Pos.Line - b.Pos.Line
			}
			return a.Pos.Col - b.Pos.Col
		})
		return nil, c.errs
	}
	return m, nil
}

// declared is what a name was declared as, and where.
type declared struct {
	kind model.Kind
	pos  Pos
}

// checker resolves the names of a syntax tree and builds its model.
type checker struct {
	f        *file
	decl     map[string]declared
	implicit []name // the credentials declared by naming them in a requirement
	errs     ErrorList
}

func (c *checker) errorf(pos Pos, format string, args ...any) {
	c.errs = append(c.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// declare declares n as kind, unless it is declared already.
func (c *checker) declare(n name, kind model.Kind) {
	if d, ok := c.decl[n.text]; ok {
		c.errorf(n.pos, "%q declared twice: first as a %s at %s", n.text, d.kind, d.pos)
		return
	}
	c.decl[n.text] = declared{kind, n.pos}
}

// declareImplicit declares n as kind if it is not declared at all, and
// reports whether it did.
func (c *checker) declareImplicit(n name, kind model.Kind) bool {
	if _, ok := c.decl[n.text]; ok {
		return false
	}
	c.decl[n.text] = declared{kind, n.pos}
	return true
}

// resolve reports whether n is declared as one of the kinds, and reports an
// error naming what was expected if not.
func (c *checker) resolve(n name, what string, kinds ...model.Kind) bool {
	d, ok := c.decl[n.text]
	switch {
	case !ok:
		c.errorf(n.pos, "unknown %s %q", what, n.text)
	case !slices.Contains(kinds, d.kind):
		c.errorf(n.pos, "%q is a %s (declared at %s), not a %s", n.text, d.kind, d.pos, what)
	default:
		return true
	}
	return false
}

// resolveList resolves names, each at most once, and returns those it
// resolved.
func (c *checker) resolveList(names []name, what string, kinds ...model.Kind) []name {
	var out []name
	for i, n := range names {
		if j := slices.IndexFunc(names[:i], func(o name) bool { return o.text == n.text }); j >= 0 {
			c.errorf(n.pos, "%s %q named twice (first at %s)", what, n.text, names[j].pos)
			continue
		}
		if c.resolve(n, what, kinds...) {
			out = append(out, n)
		}
	}
	return out
}

func (c *checker) check() *model.Model {
	f := c.f
	c.declareAll()
	b := model.NewBuilder()
	// add adds the declaration n to the builder, unless n declares a name
	// declared before.
	add := func(n name, addTo func() error) {
		if c.decl[n.text].pos != n.pos {
			return
		}
		if err := addTo(); err != nil {
			c.errorf(n.pos, "%v", err)
		}
	}
	for n, d := range c.decl {
		switch d.kind {
		case model.KindLocation:
			add(name{n, d.pos}, func() error { return b.AddLocation(n) })
		case model.KindRole:
			add(name{n, d.pos}, func() error { return b.AddRole(n) })
		}
	}
	policies := c.policies()
	placed := map[string]Pos{} // possessible -> where it lies or who holds it
	for _, d := range f.possessibles {
		p := model.Possessible{Name: d.name.text, Kind: d.kind, Policies: model.DefaultPolicies(d.kind)}
		if d.at != nil && c.resolve(*d.at, "location", model.KindLocation) {
			p.At = d.at.text
			placed[p.Name] = d.at.pos
		}
		if ps, ok := policies[p.Name]; ok {
			p.Policies = ps
		}
		add(d.name, func() error { return b.AddPossessible(p) })
	}
	for _, n := range c.implicit {
		add(n, func() error {
			return b.AddPossessible(model.Possessible{Name: n.text, Kind: model.KindCredential, Policies: model.DefaultPolicies(model.KindCredential)})
		})
	}
	for _, d := range f.actors {
		a := c.actor(d, placed)
		add(d.name, func() error { return b.AddActor(a) })
	}
	c.connections(b)
	if len(c.errs) > 0 {
		return nil
	}
	m, err := b.Build()
	if err != nil {
		c.errorf(Pos{1, 1}, "%v", err)
	}
	return m
}

// declareAll declares every name: the declared ones first, then the
// implicit locations and credentials.
func (c *checker) declareAll() {
	f := c.f
	for _, n := range f.locations {
		c.declare(n, model.KindLocation)
	}
	for _, n := range f.roles {
		c.declare(n, model.KindRole)
	}
	for _, d := range f.possessibles {
		c.declare(d.name, d.kind)
	}
	for _, d := range f.actors {
		c.declare(d.name, model.KindActor)
	}
	if !f.hasLocations {
		for _, d := range f.connections {
			c.declareImplicit(d.from, model.KindLocation)
			c.declareImplicit(d.to, model.KindLocation)
		}
		for _, d := range f.possessibles {
			if d.at != nil {
				c.declareImplicit(*d.at, model.KindLocation)
			}
		}
		for _, d := range f.actors {
			if d.at != nil {
				c.declareImplicit(*d.at, model.KindLocation)
			}
		}
	}
	if !f.hasPossessibles {
		for _, d := range f.connections {
			for _, cl := range d.clauses {
				for _, n := range cl.requires {
					if c.declareImplicit(n, model.KindCredential) {
						c.implicit = append(c.implicit, n)
					}
				}
			}
		}
	}
}

// policies resolves the policies section, by possessible.
func (c *checker) policies() map[string]model.Policies {
	out := map[string]model.Policies{}
	first := map[string]Pos{}
	for _, d := range c.f.policies {
		n := d.name
		if !c.resolve(n, "possessible", model.KindCredential, model.KindDocument) {
			continue
		}
		if pos, ok := first[n.text]; ok {
			c.errorf(n.pos, "policy of %q given twice (first at %s)", n.text, pos)
			continue
		}
		first[n.text] = n.pos
		var ps model.Policies
		for _, cl := range d.clauses {
			switch {
			case cl.action == model.Move:
				c.errorf(cl.actionPos, "a possessible's policy governs take, read and drop, not move")
				continue
			case cl.action == model.Read && c.decl[n.text].kind != model.KindDocument:
				c.errorf(cl.actionPos, "%q is a credential, and only documents can be read", n.text)
				continue
			}
			ps[cl.action] = append(ps[cl.action], c.component(cl))
		}
		out[n.text] = ps
	}
	return out
}

func (c *checker) actor(d actorDecl, placed map[string]Pos) model.Actor {
	a := model.Actor{Name: d.name.text}
	if d.at == nil {
		c.errorf(d.name.pos, "actor %q has no start location: add `at LOCATION;`", a.Name)
	} else if c.resolve(*d.at, "location", model.KindLocation) {
		a.At = d.at.text
	}
	a.Roles = texts(c.resolveList(d.roles, "role", model.KindRole))
	a.Goals = texts(c.resolveList(d.goals, "location or possessible", model.KindLocation, model.KindCredential, model.KindDocument))
	for _, h := range c.resolveList(d.holds, "possessible", model.KindCredential, model.KindDocument) {
		if pos, ok := placed[h.text]; ok {
			c.errorf(h.pos, "%q is held or lies elsewhere already (at %s)", h.text, pos)
			continue
		}
		placed[h.text] = h.pos
		a.Holds = append(a.Holds, h.text)
	}
	return a
}

// texts returns the texts of names.
func texts(names []name) []string {
	var out []string
	for _, n := range names {
		out = append(out, n.text)
	}
	return out
}

func (c *checker) connections(b *model.Builder) {
	first := map[[2]string]Pos{}
	for _, d := range c.f.connections {
		okFrom := c.resolve(d.from, "location", model.KindLocation)
		okTo := c.resolve(d.to, "location", model.KindLocation)
		var ps model.Policies
		for _, cl := range d.clauses {
			if cl.action != model.Move {
				c.errorf(cl.actionPos, "a connection's policy governs move, not %s", cl.action)
				continue
			}
			ps[model.Move] = append(ps[model.Move], c.component(cl))
		}
		if !okFrom || !okTo {
			continue
		}
		if d.from.text == d.to.text {
			c.errorf(d.from.pos, "connection from %q to itself", d.from.text)
			continue
		}
		ends := [][2]string{{d.from.text, d.to.text}}
		if d.both {
			ends = append(ends, [2]string{d.to.text, d.from.text})
		}
		for _, e := range ends {
			if pos, ok := first[e]; ok {
				c.errorf(d.from.pos, "connection %q -> %q declared twice (first at %s)", e[0], e[1], pos)
				continue
			}
			first[e] = d.from.pos
			if err := b.AddConnection(model.Connection{From: e[0], To: e[1], Policies: ps}); err != nil { // Build copies ps
				c.errorf(d.from.pos, "%v", err)
			}
		}
	}
}

// component resolves a clause's requirement into a component.
func (c *checker) component(cl clause) model.Component {
	comp := model.Component{Annotation: cl.ann, Log: cl.log}
	for _, n := range c.resolveList(cl.requires, "credential or role", model.KindCredential, model.KindRole) {
		if c.decl[n.text].kind == model.KindRole {
			comp.Restrictions.Roles = append(comp.Restrictions.Roles, n.text)
		} else {
			comp.Restrictions.Credentials = append(comp.Restrictions.Credentials, n.text)
		}
	}
	return comp
}
