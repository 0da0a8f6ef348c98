package model

import (
	"cmp"
	"reflect"
	"slices"
	"sync"

	"github.com/dominikbraun/graph"
)

// Model is a checked, read-only model. The slices and pointers its methods
// return are shared with the model and must not be modified.
type Model struct {
	graphOnce sync.Once
	g         graph.Graph[string, string] // made on the first call of Graph
	locs      []string
	roles     []string
	poss      []Possessible
	actors    []Actor
	conns     []*Connection

	locID, roleID, possID, actorID map[string]int

	// The arcs leaving location v are out[outAt[v]:outAt[v+1]], sorted by
	// target id, and those entering it in[inAt[v]:inAt[v+1]], sorted by
	// source id: each list is one slice, whatever the number of locations.
	out, in     []Arc
	outAt, inAt []int32
	lying       [][]int // possessible ids lying at each location at the start
	holder      []int   // actor id holding each possessible at the start, or -1
}

// index derives the arcs leaving and entering every location from the
// connections.
func (m *Model) index() {
	n := len(m.conns)
	m.out, m.in = make([]Arc, n), make([]Arc, n)
	m.outAt, m.inAt = make([]int32, len(m.locs)+1), make([]int32, len(m.locs)+1)
	for _, c := range m.conns {
		m.outAt[m.locID[c.From]+1]++
		m.inAt[m.locID[c.To]+1]++
	}
	for v := range m.locs {
		m.outAt[v+1] += m.outAt[v]
		m.inAt[v+1] += m.inAt[v]
	}
	next := slices.Clone(m.outAt[:len(m.locs)])
	for _, c := range m.conns {
		a := Arc{From: m.locID[c.From], To: m.locID[c.To], Conn: c}
		m.out[next[a.From]] = a
		next[a.From]++
	}
	for v := range m.locs {
		arcs := m.Out(v)
		slices.SortFunc(arcs, func(x, y Arc) int { return cmp.Compare(x.To, y.To) })
	}
	copy(next, m.inAt[:len(m.locs)])
	for _, a := range m.out { // by source id, so each location's arcs in are sorted
		m.in[next[a.To]] = a
		next[a.To]++
	}
}

// Graph returns the connection graph: locations are its vertices, and each
// edge carries its *Connection as EdgeProperties.Data.
//
// # Notes
//
// The graph is made on the first call, and costs several times the
// memory of the rest of the model: the analyses and the simulator read
// Out and In instead.
func (m *Model) Graph() graph.Graph[string, string] {
	m.graphOnce.Do(func() {
		m.g = graph.New(graph.StringHash, graph.Directed())
		for _, l := range m.locs {
			_ = m.g.AddVertex(l) // names are unique
		}
		for _, c := range m.conns {
			_ = m.g.AddEdge(c.From, c.To, graph.EdgeData(c)) // ends are locations, each pair once
		}
	})
	return m.g
}

// Locations returns the location names, sorted; a location's id is its
// index.
func (m *Model) Locations() []string { return m.locs }

// Roles returns the role names, sorted; a role's id is its index.
func (m *Model) Roles() []string { return m.roles }

// Possessibles returns the possessibles, sorted by name; a possessible's id
// is its index.
func (m *Model) Possessibles() []Possessible { return m.poss }

// Actors returns the actors, sorted by name; an actor's id is its index.
func (m *Model) Actors() []Actor { return m.actors }

// Connections returns the connections, sorted by source and target.
func (m *Model) Connections() []*Connection { return m.conns }

// Len returns the number of locations.
func (m *Model) Len() int { return len(m.locs) }

// Out returns the arcs leaving location v, sorted by target.
func (m *Model) Out(v int) []Arc { return m.out[m.outAt[v]:m.outAt[v+1]:m.outAt[v+1]] }

// In returns the arcs entering location v, sorted by source id.
func (m *Model) In(v int) []Arc { return m.in[m.inAt[v]:m.inAt[v+1]:m.inAt[v+1]] }

// LocationID returns the id of a location.
func (m *Model) LocationID(name string) (int, bool) {
	id, ok := m.locID[name]
	return id, ok
}

// PossessibleID returns the id of a possessible.
func (m *Model) PossessibleID(name string) (int, bool) {
	id, ok := m.possID[name]
	return id, ok
}

// ActorID returns the id of an actor.
func (m *Model) ActorID(name string) (int, bool) {
	id, ok := m.actorID[name]
	return id, ok
}

// Kind returns the kind of a name of the model.
func (m *Model) Kind(name string) (Kind, bool) {
	if _, ok := m.locID[name]; ok {
		return KindLocation, true
	}
	if _, ok := m.roleID[name]; ok {
		return KindRole, true
	}
	if id, ok := m.possID[name]; ok {
		return m.poss[id].Kind, true
	}
	if _, ok := m.actorID[name]; ok {
		return KindActor, true
	}
	return 0, false
}

// LyingAt returns the ids of the possessibles lying at location v at the
// start, sorted.
func (m *Model) LyingAt(v int) []int { return m.lying[v] }

// Holder returns the id of the actor holding possessible p at the start,
// or -1.
func (m *Model) Holder(p int) int { return m.holder[p] }

// Holdings returns the set of possessible ids named by names, which must
// be possessibles of the model.
func (m *Model) Holdings(names []string) Set {
	s := NewSet(len(m.poss))
	for _, n := range names {
		s.Add(m.possID[n])
	}
	return s
}

// RoleSet returns the set of role ids named by names, which must be roles
// of the model.
func (m *Model) RoleSet(names []string) Set {
	s := NewSet(len(m.roles))
	for _, n := range names {
		s.Add(m.roleID[n])
	}
	return s
}

// Equal reports whether m and o describe the same model: the same names of
// the same kinds, the same placements, actors and policies.
func (m *Model) Equal(o *Model) bool {
	if len(m.conns) != len(o.conns) {
		return false
	}
	for i, c := range m.conns {
		if !reflect.DeepEqual(c, o.conns[i]) {
			return false
		}
	}
	return reflect.DeepEqual(m.locs, o.locs) && reflect.DeepEqual(m.roles, o.roles) &&
		reflect.DeepEqual(m.poss, o.poss) && reflect.DeepEqual(m.actors, o.actors)
}
