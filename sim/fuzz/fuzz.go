// Package fuzz generates random models, for tests, benchmarks and
// `gatehouse sim fuzz`. A generated model is valid, and the same options
// give the same model.
package fuzz

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
)

// Options shape a random model.
type Options struct {
	Locations   int     // number of locations, at least 1
	Density     float64 // average connections leaving a location, at least 1
	Credentials int
	Documents   int
	Roles       int
	Actors      int
	Seed        uint64
	// Exotic gives some names spaces, quotes, backslashes, arrows, accents
	// or the spelling of a keyword, to exercise quoting and escaping.
	Exotic bool
	// Reachable joins every location to the one it is entered from both
	// ways, by connections whose first clause anybody may cross, so that
	// every actor can reach every location.
	Reachable bool
}

// Generate returns a random model shaped by o.
//
// Every location but the first is entered from a lower-numbered one, so
// the first location reaches all of them when nothing is locked; more
// connections are added at random until the density is met. Connections
// have one or two clauses, some restricted to a credential or a role, with
// random risk, time and log rules. Possessibles lie at a random location,
// are held by a random actor, or lie nowhere; some have their own policy.
// Actors get random roles, a start location and one or two goals.
func Generate(o Options) (*model.Model, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	b := model.NewBuilder()
	if err := newGenerator(o, b).generate(); err != nil {
		return nil, err
	}
	return b.Build()
}

// Write writes the model Generate(o) would return to w in the model
// language, as it generates it: it holds the names and what it needs to
// keep connections apart, never the model. Its text is not Format's (the
// names are not sorted) but it parses into a model equal to Generate's.
func Write(w io.Writer, o Options) error {
	if err := o.Check(); err != nil {
		return err
	}
	lw := lang.NewWriter(w)
	if err := newGenerator(o, lw).generate(); err != nil {
		return err
	}
	return lw.Flush()
}

// Check returns an error when o cannot shape a model.
func (o Options) Check() error {
	if o.Locations < 1 || o.Density < 1 || o.Credentials < 0 || o.Documents < 0 || o.Roles < 0 || o.Actors < 0 {
		return errors.New("fuzz: need at least 1 location, a density of at least 1, and no negative counts")
	}
	return nil
}

// sink takes the parts of a model: *model.Builder and *lang.Writer are
// sinks.
type sink interface {
	AddLocation(name string) error
	AddRole(name string) error
	AddPossessible(p model.Possessible) error
	AddActor(a model.Actor) error
	AddConnection(c model.Connection) error
}

func newGenerator(o Options, b sink) *generator {
	return &generator{o: o, r: rand.New(rand.NewPCG(o.Seed, 0x5eed)), b: b}
}

type generator struct {
	o Options
	r *rand.Rand
	b sink

	locs, creds, docs, roles, actors []string
}

// keywords are spellings an exotic location may take, one per index.
var keywords = []string{"locations", "roles", "possessibles", "actors", "connections", "policies", "credential", "document", "at", "holds", "goals", "log"}

// name returns the i-th name with prefix, decorated when the options ask
// for exotic names. Decorations keep "prefix i" in the name, so names stay
// unique.
func (g *generator) name(prefix string, i int) string {
	base := fmt.Sprintf("%s%d", prefix, i)
	if !g.o.Exotic || g.r.IntN(3) != 0 {
		return base
	}
	switch g.r.IntN(6) {
	case 0:
		return base + " room"
	case 1:
		return `say "` + base + `"`
	case 2:
		return base + `\n`
	case 3:
		return "é" + base
	case 4:
		return base + "->" + base
	}
	if prefix == "l" && i < len(keywords) {
		return keywords[i]
	}
	return "_" + base
}

func (g *generator) names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = g.name(prefix, i)
	}
	return out
}

func (g *generator) generate() error {
	o := g.o
	g.locs, g.creds, g.docs = g.names("l", o.Locations), g.names("c", o.Credentials), g.names("d", o.Documents)
	g.roles, g.actors = g.names("r", o.Roles), g.names("a", o.Actors)
	for _, l := range g.locs {
		if err := g.b.AddLocation(l); err != nil {
			return err
		}
	}
	for _, r := range g.roles {
		if err := g.b.AddRole(r); err != nil {
			return err
		}
	}
	holds := make([][]string, o.Actors)
	for i, n := range append(g.creds[:len(g.creds):len(g.creds)], g.docs...) {
		p := model.Possessible{Name: n, Kind: model.KindCredential}
		if i >= len(g.creds) {
			p.Kind = model.KindDocument
		}
		p.Policies = model.DefaultPolicies(p.Kind)
		if g.r.IntN(10) < 3 {
			p.Policies = g.policies(p.Kind)
		}
		switch x := g.r.IntN(10); {
		case x < 7:
			p.At = g.pick(g.locs)
		case x < 9 && o.Actors > 0:
			a := g.r.IntN(o.Actors)
			holds[a] = append(holds[a], n)
		}
		if err := g.b.AddPossessible(p); err != nil {
			return err
		}
	}
	for i, n := range g.actors {
		a := model.Actor{Name: n, At: g.pick(g.locs), Holds: holds[i], Goals: []string{g.pick(g.locs)}}
		for _, r := range g.roles {
			if g.r.IntN(10) < 3 {
				a.Roles = append(a.Roles, r)
			}
		}
		if len(g.docs) > 0 && g.r.IntN(10) < 3 {
			a.Goals = append(a.Goals, g.pick(g.docs))
		}
		if err := g.b.AddActor(a); err != nil {
			return err
		}
	}
	return g.connect()
}

// connect adds a connection into every location but the first from a
// lower-numbered one, some of them both ways (all with Reachable), then
// random connections up to the density.
func (g *generator) connect() error {
	n := len(g.locs)
	seen := make(map[[2]int]bool, int(float64(n)*g.o.Density))
	add := func(from, to int, open bool) error {
		if from == to || seen[[2]int{from, to}] {
			return nil
		}
		seen[[2]int{from, to}] = true
		p := g.policy()
		if open {
			p[0].Restrictions = model.Restrictions{}
		}
		return g.b.AddConnection(model.Connection{From: g.locs[from], To: g.locs[to], Policies: model.Policies{model.Move: p}})
	}
	for v := 1; v < n; v++ {
		u := g.r.IntN(v)
		if err := add(u, v, g.o.Reachable); err != nil {
			return err
		}
		if g.o.Reachable || g.r.IntN(2) == 0 {
			if err := add(v, u, g.o.Reachable); err != nil {
				return err
			}
		}
	}
	// A location has at most n-1 connections leaving it.
	for want := min(int(float64(n)*g.o.Density), n*(n-1)); len(seen) < want; {
		if err := add(g.r.IntN(n), g.r.IntN(n), false); err != nil {
			return err
		}
	}
	return nil
}

// policies returns a random policy for a possessible of kind.
func (g *generator) policies(kind model.Kind) model.Policies {
	var p model.Policies
	for _, a := range []model.Action{model.Take, model.Read, model.Drop} {
		if a == model.Read && kind != model.KindDocument {
			continue
		}
		if g.r.IntN(5) > 0 {
			p[a] = g.policy()
		}
	}
	return p
}

// policy returns one or two random components.
func (g *generator) policy() model.AccessPolicy {
	p := model.AccessPolicy{g.component()}
	if g.r.IntN(3) == 0 {
		p = append(p, g.component())
	}
	return p
}

var risks = []float64{0, 0, 0, 5, 10, 12.5, 50}

func (g *generator) component() model.Component {
	c := model.Component{Annotation: model.Annotation{Risk: risks[g.r.IntN(len(risks))], Time: 1 + g.r.Int64N(5)}}
	switch x := g.r.IntN(10); {
	case x < 2 && len(g.creds) > 0:
		c.Restrictions.Credentials = []string{g.pick(g.creds)}
	case x < 3 && len(g.roles) > 0:
		c.Restrictions.Roles = []string{g.pick(g.roles)}
	}
	switch x := g.r.IntN(10); {
	case x < 3:
		c.Log = model.DefaultLog
	case x < 5:
		c.Log = model.LogRules(1 + g.r.IntN(63))
	}
	return c
}

func (g *generator) pick(list []string) string { return list[g.r.IntN(len(list))] }
