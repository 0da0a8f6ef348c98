package lang

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/gatehouse/gatehouse/sim/model"
)

// The syntax tree of a model file, as the parser reads it and before names
// are resolved.
type (
	name struct {
		text string
		pos  Pos
	}
	file struct {
		// Which declaring sections the file has, for implicit declarations.
		hasLocations, hasRoles, hasPossessibles bool

		locations    []name
		roles        []name
		possessibles []possessibleDecl
		actors       []actorDecl
		connections  []connectionDecl
		policies     []policyDecl
	}
	possessibleDecl struct {
		kind model.Kind
		name name
		at   *name
	}
	actorDecl struct {
		name                name
		at                  *name
		roles, holds, goals []name
	}
	connectionDecl struct {
		from, to name
		both     bool // <->
		clauses  []clause
	}
	policyDecl struct {
		name    name
		clauses []clause
	}
	clause struct {
		pos       Pos    // of the requirement
		requires  []name // empty for *
		action    model.Action
		actionPos Pos
		log       model.LogRules
		ann       model.Annotation
	}
)

// parser reads a file's syntax tree. It stops at the first syntax error,
// which it raises as a panic of *Error caught by parse.
type parser struct {
	*lexer
	f file
}

// parse returns the syntax tree of src, or the first syntax error.
func parse(src []byte) (f *file, err *Error) {
	p := &parser{lexer: newLexer(src)}
	if p.err != nil {
		return nil, p.err
	}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			f, err = nil, e
		}
	}()
	p.file()
	return &p.f, nil
}

// errorf stops the parse with an error at pos.
func (p *parser) errorf(pos Pos, format string, args ...any) {
	panic(&Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// advance moves to the next token, stopping on a lexical error.
func (p *parser) advance() {
	p.next()
	if p.err != nil {
		panic(p.err)
	}
}

// describe names the current token for an error message.
func (p *parser) describe() string {
	switch p.tok {
	case tIdent:
		return strconv.Quote(p.text)
	case tString:
		return "quoted name " + strconv.Quote(p.text)
	case tNumber:
		return "number " + p.text
	}
	return p.tok.String()
}

func (p *parser) expect(t token, context string) Pos {
	pos := p.pos
	if p.tok != t {
		p.errorf(pos, "expected %s %s, found %s", t, context, p.describe())
	}
	p.advance()
	return pos
}

func (p *parser) isKeyword(kw string) bool { return p.tok == tIdent && p.text == kw }

// optional consumes the current token if it is t.
func (p *parser) optional(t token) {
	if p.tok == t {
		p.advance()
	}
}

// name reads a bare or quoted name.
func (p *parser) name(what string) name {
	n := name{text: p.text, pos: p.pos}
	switch {
	case p.tok == tIdent && keywords[p.text]:
		p.errorf(p.pos, "expected %s, found the keyword %q (quote it to use it as a name: \"%s\")", what, p.text, p.text)
	case p.tok == tString && p.text == "":
		p.errorf(p.pos, "empty name")
	case p.tok != tIdent && p.tok != tString:
		p.errorf(p.pos, "expected %s, found %s", what, p.describe())
	}
	p.advance()
	return n
}

// names reads one or more names separated by commas.
func (p *parser) names(what string) []name {
	list := []name{p.name(what)}
	for p.tok == tComma {
		p.advance()
		list = append(list, p.name(what))
	}
	return list
}

// block reads "{" items "}" with an optional ";" after it, calling item
// until the closing brace.
func (p *parser) block(context string, item func()) {
	p.expect(tLBrace, context)
	for p.tok != tRBrace {
		if p.tok == tEOF {
			p.errorf(p.pos, "expected %s to close %s, found end of file", tRBrace, context)
		}
		item()
	}
	p.advance()
	p.optional(tSemi)
}

func (p *parser) file() {
	for p.tok != tEOF {
		if p.tok != tIdent {
			p.errorf(p.pos, "expected a section (locations, roles, possessibles, actors, connections or policies), found %s", p.describe())
		}
		switch kw := p.text; kw {
		case "locations":
			p.advance()
			p.f.hasLocations = true
			p.block("after locations", func() {
				p.f.locations = append(p.f.locations, p.names("a location")...)
				p.expect(tSemi, "after a location")
			})
		case "roles":
			p.advance()
			p.f.hasRoles = true
			p.block("after roles", func() {
				p.f.roles = append(p.f.roles, p.names("a role")...)
				p.expect(tSemi, "after a role")
			})
		case "possessibles":
			p.advance()
			p.f.hasPossessibles = true
			p.block("after possessibles", p.possessible)
		case "actors":
			p.advance()
			p.block("after actors", p.actor)
		case "connections":
			p.advance()
			p.block("after connections", p.connection)
		case "policies":
			p.advance()
			p.block("after policies", p.policy)
		default:
			p.errorf(p.pos, "expected a section (locations, roles, possessibles, actors, connections or policies), found %s", p.describe())
		}
	}
}

// possessible reads `credential NAME [at LOCATION];` or the same with
// document.
func (p *parser) possessible() {
	var d possessibleDecl
	switch {
	case p.isKeyword("credential"):
		d.kind = model.KindCredential
	case p.isKeyword("document"):
		d.kind = model.KindDocument
	default:
		p.errorf(p.pos, "expected credential or document, found %s", p.describe())
	}
	p.advance()
	d.name = p.name("the possessible's name")
	if p.isKeyword("at") {
		p.advance()
		at := p.name("a location")
		d.at = &at
	}
	p.expect(tSemi, "after a possessible")
	p.f.possessibles = append(p.f.possessibles, d)
}

// actor reads `NAME { roles ...; at ...; holds ...; goals ...; }`.
func (p *parser) actor() {
	d := actorDecl{name: p.name("an actor")}
	p.block("after the actor's name", func() {
		switch {
		case p.isKeyword("roles"):
			p.advance()
			d.roles = append(d.roles, p.names("a role")...)
		case p.isKeyword("holds"):
			p.advance()
			d.holds = append(d.holds, p.names("a possessible")...)
		case p.isKeyword("goals"):
			p.advance()
			d.goals = append(d.goals, p.names("a location or possessible")...)
		case p.isKeyword("at"):
			pos := p.pos
			p.advance()
			if d.at != nil {
				p.errorf(pos, "actor %q: start location given twice (first at %s)", d.name.text, d.at.pos)
			}
			at := p.name("a location")
			d.at = &at
		default:
			p.errorf(p.pos, "expected roles, at, holds or goals, found %s", p.describe())
		}
		p.expect(tSemi, "after an actor's property")
	})
	p.f.actors = append(p.f.actors, d)
}

// connection reads `FROM -> TO { clauses }` or `FROM <-> TO { clauses }`.
func (p *parser) connection() {
	d := connectionDecl{from: p.name("a location")}
	switch p.tok {
	case tArrow:
	case tBiArrow:
		d.both = true
	default:
		p.errorf(p.pos, "expected %s or %s after %q, found %s", tArrow, tBiArrow, d.from.text, p.describe())
	}
	p.advance()
	d.to = p.name("a location")
	d.clauses = p.clauses("after the connection")
	p.f.connections = append(p.f.connections, d)
}

// policy reads `POSSESSIBLE { clauses }`.
func (p *parser) policy() {
	d := policyDecl{name: p.name("a possessible")}
	d.clauses = p.clauses("after the possessible's name")
	p.f.policies = append(p.f.policies, d)
}

func (p *parser) clauses(context string) []clause {
	var list []clause
	p.block(context, func() {
		list = append(list, p.clause())
		p.optional(tSemi)
	})
	return list
}

// actionWords maps the words of actions to the action and whether the word
// itself asks for the default log.
var actionWords = map[string]struct {
	action model.Action
	log    bool
}{
	"m": {model.Move, false}, "move": {model.Move, false}, "mlog": {model.Move, true},
	"t": {model.Take, false}, "take": {model.Take, false}, "tlog": {model.Take, true},
	"r": {model.Read, false}, "read": {model.Read, false}, "rlog": {model.Read, true},
	"d": {model.Drop, false}, "drop": {model.Drop, false}, "dlog": {model.Drop, true},
}

// clause reads `REQUIREMENT : ACTION [log [FIELDS]] [(RISK%, TIME)]`.
func (p *parser) clause() clause {
	c := clause{pos: p.pos, ann: model.DefaultAnnotation}
	if p.tok == tStar {
		p.advance()
	} else {
		c.requires = p.names("a credential, a role or *")
	}
	p.expect(tColon, "after the requirement")
	c.actionPos = p.pos
	w, ok := actionWords[p.text]
	if p.tok != tIdent || !ok {
		p.errorf(p.pos, "expected an action (m, t, r, d, move, take, read, drop, or with log: mlog, tlog, rlog, dlog), found %s", p.describe())
	}
	c.action = w.action
	p.advance()
	if w.log {
		c.log = model.DefaultLog
	}
	if p.isKeyword("log") {
		if w.log {
			p.errorf(p.pos, "log given twice: %q already logs", c.action)
		}
		p.advance()
		c.log = model.DefaultLog
		if p.tok == tLBrack {
			c.log = p.logFields()
		}
	}
	if p.tok == tLParen {
		c.ann = p.annotation()
	}
	return c
}

// logFields reads `[FIELD, ...]`.
func (p *parser) logFields() model.LogRules {
	p.advance()
	var r model.LogRules
	for {
		pos := p.pos
		if p.tok != tIdent {
			p.errorf(pos, "expected a log field (action, source, target, possessible, credentials, actor, outcome), found %s", p.describe())
		}
		f, ok := model.ParseLogField(p.text)
		if !ok {
			p.errorf(pos, "unknown log field %q (known: action, source, target, possessible, credentials, actor, outcome)", p.text)
		}
		if r.Has(f) {
			p.errorf(pos, "log field %q named twice", p.text)
		}
		r |= model.LogFields(f)
		p.advance()
		if p.tok != tComma {
			break
		}
		p.advance()
	}
	p.expect(tRBrack, "after the log fields")
	return r
}

// annotation reads `(RISK%, TIME)`.
func (p *parser) annotation() model.Annotation {
	p.advance()
	pos := p.pos
	if p.tok != tNumber {
		p.errorf(pos, "expected the risk, a percentage such as 10%%, found %s", p.describe())
	}
	risk, err := strconv.ParseFloat(p.text, 64)
	if err != nil || risk > 100 {
		p.errorf(pos, "risk %s%% is more than 100%%", p.text)
	}
	p.advance()
	p.expect(tPercent, "after the risk")
	p.expect(tComma, "between the risk and the time")
	pos = p.pos
	if p.tok != tNumber {
		p.errorf(pos, "expected the time, a whole number of ticks, found %s", p.describe())
	}
	time, err := strconv.ParseInt(p.text, 10, 64)
	switch {
	case slices.Contains([]byte(p.text), '.'):
		p.errorf(pos, "time %s is not a whole number of ticks", p.text)
	case err != nil || time > model.MaxTime:
		p.errorf(pos, "time %s is more than %d ticks", p.text, model.MaxTime)
	case time < 1:
		p.errorf(pos, "time %s is less than 1 tick", p.text)
	}
	p.advance()
	p.expect(tRParen, "after the time")
	return model.Annotation{Risk: risk, Time: time}
}
