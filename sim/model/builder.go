package model

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"
)

// ErrDuplicate is the error of declaring a name twice.
var ErrDuplicate = errors.New("declared twice")

// Builder collects the parts of a model and checks them in Build. Add
// methods check only the name they declare; references between parts are
// checked by Build, so parts may be added in any order. A Builder is not
// safe for concurrent use.
type Builder struct {
	kinds  map[string]Kind
	locs   []string
	roles  []string
	poss   []Possessible
	actors []Actor
	conns  []Connection
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder { return &Builder{kinds: map[string]Kind{}} }

// declare records name as kind, or returns an error wrapping ErrDuplicate.
func (b *Builder) declare(name string, kind Kind) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if k, ok := b.kinds[name]; ok {
		return fmt.Errorf("%s %q: %w (already a %s)", kind, name, ErrDuplicate, k)
	}
	b.kinds[name] = kind
	return nil
}

// CheckName returns an error when name cannot name a part of a model: it
// must be non-empty valid UTF-8 without control characters.
func CheckName(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("name %q is not valid UTF-8", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("name %q holds a control character", name)
		}
	}
	return nil
}

// AddLocation declares a location.
func (b *Builder) AddLocation(name string) error {
	if err := b.declare(name, KindLocation); err != nil {
		return err
	}
	b.locs = append(b.locs, name)
	return nil
}

// AddRole declares a role.
func (b *Builder) AddRole(name string) error {
	if err := b.declare(name, KindRole); err != nil {
		return err
	}
	b.roles = append(b.roles, name)
	return nil
}

// AddPossessible declares a possessible: a credential or a document.
func (b *Builder) AddPossessible(p Possessible) error {
	if !p.Kind.Possessible() {
		return fmt.Errorf("possessible %q: kind %s is not credential or document", p.Name, p.Kind)
	}
	if err := b.declare(p.Name, p.Kind); err != nil {
		return err
	}
	b.poss = append(b.poss, p)
	return nil
}

// AddActor declares an actor.
func (b *Builder) AddActor(a Actor) error {
	if err := b.declare(a.Name, KindActor); err != nil {
		return err
	}
	b.actors = append(b.actors, a)
	return nil
}

// AddConnection adds a connection. A second connection between the same
// two locations in the same direction is an error of Build, which finds
// it once the connections are sorted, without a set of every pair.
func (b *Builder) AddConnection(c Connection) error {
	b.conns = append(b.conns, c)
	return nil
}

// Build checks the parts and returns the model. It copies what it keeps,
// so the parts added may be changed afterwards.
func (b *Builder) Build() (*Model, error) {
	m := &Model{
		locs:    sortedCopy(b.locs),
		roles:   sortedCopy(b.roles),
		poss:    slices.Clone(b.poss),
		actors:  slices.Clone(b.actors),
		locID:   map[string]int{},
		roleID:  map[string]int{},
		possID:  map[string]int{},
		actorID: map[string]int{},
	}
	for i, n := range m.locs {
		m.locID[n] = i
	}
	for i, n := range m.roles {
		m.roleID[n] = i
	}
	slices.SortFunc(m.poss, func(x, y Possessible) int { return cmp.Compare(x.Name, y.Name) })
	for i, p := range m.poss {
		m.possID[p.Name] = i
	}
	slices.SortFunc(m.actors, func(x, y Actor) int { return cmp.Compare(x.Name, y.Name) })
	for i, a := range m.actors {
		m.actorID[a.Name] = i
	}
	if err := m.buildPossessibles(b.kinds); err != nil {
		return nil, err
	}
	if err := m.buildActors(b.kinds); err != nil {
		return nil, err
	}
	if err := m.buildConnections(b.conns, b.kinds); err != nil {
		return nil, err
	}
	return m, nil
}

// sortedCopy returns a sorted copy of s, nil when s is empty.
func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// names returns a sorted copy of list, or an error naming what if a name
// appears twice or is not of the kind want.
func names(list []string, kinds map[string]Kind, what string, want ...Kind) ([]string, error) {
	out := sortedCopy(list)
	for i, n := range out {
		if i > 0 && out[i-1] == n {
			return nil, fmt.Errorf("%s %q named twice", what, n)
		}
		if k, ok := kinds[n]; !ok {
			return nil, fmt.Errorf("%s %q is not declared", what, n)
		} else if !slices.Contains(want, k) {
			return nil, fmt.Errorf("%s %q is a %s", what, n, k)
		}
	}
	return out, nil
}

func (m *Model) buildPossessibles(kinds map[string]Kind) error {
	m.lying = make([][]int, len(m.locs))
	m.holder = make([]int, len(m.poss))
	for i := range m.poss {
		p := &m.poss[i]
		m.holder[i] = -1
		if p.At != "" {
			l, ok := m.locID[p.At]
			if !ok {
				return fmt.Errorf("possessible %q lies at %q, which is not a location", p.Name, p.At)
			}
			m.lying[l] = append(m.lying[l], i)
		}
		if len(p.Policies[Move]) > 0 {
			return fmt.Errorf("possessible %q: move is an action on connections, not on possessibles", p.Name)
		}
		if p.Kind != KindDocument && len(p.Policies[Read]) > 0 {
			return fmt.Errorf("possessible %q: only documents can be read", p.Name)
		}
		var err error
		if p.Policies, err = m.buildPolicies(p.Policies, kinds); err != nil {
			return fmt.Errorf("possessible %q: %w", p.Name, err)
		}
	}
	return nil
}

func (m *Model) buildActors(kinds map[string]Kind) error {
	for i := range m.actors {
		a := &m.actors[i]
		if _, ok := m.locID[a.At]; !ok {
			if a.At == "" {
				return fmt.Errorf("actor %q has no start location", a.Name)
			}
			return fmt.Errorf("actor %q starts at %q, which is not a location", a.Name, a.At)
		}
		var err error
		if a.Roles, err = names(a.Roles, kinds, "role", KindRole); err != nil {
			return fmt.Errorf("actor %q: %w", a.Name, err)
		}
		if a.Holds, err = names(a.Holds, kinds, "holding", KindCredential, KindDocument); err != nil {
			return fmt.Errorf("actor %q: %w", a.Name, err)
		}
		if a.Goals, err = names(a.Goals, kinds, "goal", KindLocation, KindCredential, KindDocument); err != nil {
			return fmt.Errorf("actor %q: %w", a.Name, err)
		}
		for _, h := range a.Holds {
			p := m.possID[h]
			if at := m.poss[p].At; at != "" {
				return fmt.Errorf("actor %q holds %q, which lies at %q", a.Name, h, at)
			}
			if o := m.holder[p]; o >= 0 {
				return fmt.Errorf("actor %q holds %q, which actor %q holds", a.Name, h, m.actors[o].Name)
			}
			m.holder[p] = i
		}
	}
	return nil
}

func (m *Model) buildConnections(conns []Connection, kinds map[string]Kind) error {
	store := make([]Connection, len(conns)) // one allocation for all
	m.conns = make([]*Connection, len(conns))
	for i, c := range conns {
		for _, end := range []string{c.From, c.To} {
			if _, ok := m.locID[end]; !ok {
				return fmt.Errorf("connection %q -> %q: %q is not a location", c.From, c.To, end)
			}
		}
		if c.From == c.To {
			return fmt.Errorf("connection %q -> %q: a connection joins two different locations", c.From, c.To)
		}
		for a := Take; a < NumActions; a++ {
			if len(c.Policies[a]) > 0 {
				return fmt.Errorf("connection %q -> %q: %s is an action on possessibles, not on connections", c.From, c.To, a)
			}
		}
		var err error
		if c.Policies, err = m.buildPolicies(c.Policies, kinds); err != nil {
			return fmt.Errorf("connection %q -> %q: %w", c.From, c.To, err)
		}
		store[i] = c
		m.conns[i] = &store[i]
	}
	slices.SortFunc(m.conns, func(x, y *Connection) int {
		return cmp.Or(cmp.Compare(x.From, y.From), cmp.Compare(x.To, y.To))
	})
	for i := 1; i < len(m.conns); i++ {
		if c, d := m.conns[i-1], m.conns[i]; c.From == d.From && c.To == d.To {
			return fmt.Errorf("connection %q -> %q: %w", c.From, c.To, ErrDuplicate)
		}
	}
	m.index()
	return nil
}

// buildPolicies returns a checked copy of ps with the restrictions sorted
// and compiled to ids.
func (m *Model) buildPolicies(ps Policies, kinds map[string]Kind) (Policies, error) {
	var out Policies
	for a, p := range ps {
		if p == nil {
			continue
		}
		out[a] = make(AccessPolicy, len(p))
		for i, c := range p {
			var err error
			if c.Restrictions.Credentials, err = names(c.Restrictions.Credentials, kinds, "credential", KindCredential); err != nil {
				return out, fmt.Errorf("%s: %w", Action(a), err)
			}
			if c.Restrictions.Roles, err = names(c.Restrictions.Roles, kinds, "role", KindRole); err != nil {
				return out, fmt.Errorf("%s: %w", Action(a), err)
			}
			if err := c.Annotation.check(); err != nil {
				return out, fmt.Errorf("%s: %w", Action(a), err)
			}
			if c.Log&^allLog != 0 {
				return out, fmt.Errorf("%s: unknown log fields %#x", Action(a), uint8(c.Log&^allLog))
			}
			c.creds, c.roles = NewSet(len(m.poss)), NewSet(len(m.roles))
			for _, n := range c.Restrictions.Credentials {
				c.creds.Add(m.possID[n])
			}
			for _, n := range c.Restrictions.Roles {
				c.roles.Add(m.roleID[n])
			}
			out[a][i] = c
		}
	}
	return out, nil
}
