// Package analysis answers questions about a model without simulating it,
// by fixpoint analyses over its graph: what each actor can reach and
// obtain, collecting credentials along the way; who can meet each goal;
// and where each possessible can end up.
//
// # Notes
//
// Each actor is analysed on its own, as if the other actors did nothing:
// possessibles lie where they start unless the actor itself moves them,
// and nobody hands anything over. An action whose risk is 100% never
// succeeds and counts as not allowed.
package analysis

import (
	"fmt"
	"slices"

	"github.com/gatehouse/gatehouse/sim/fixpoint"
	"github.com/gatehouse/gatehouse/sim/model"
)

// Options shape the analyses.
type Options struct {
	// Fixed keeps each actor's holdings as they are at the start: the actor
	// takes nothing on the way.
	Fixed bool
	// MaxSteps bounds each fixpoint (fixpoint.Options); 0 means no bound.
	MaxSteps int
}

// Reachability is what one actor can reach and obtain on its own.
type Reachability struct {
	Actor     string   `json:"actor"`
	Locations []string `json:"locations"` // the locations it can get to, sorted
	Obtains   []string `json:"obtains"`   // the possessibles it can come to hold, sorted
	Reads     []string `json:"reads"`     // the documents it can read, sorted
	Goals     []Goal   `json:"goals"`     // its own goals, and whether it can meet each
	Converged bool     `json:"converged"` // false when Options.MaxSteps cut the analysis short

	m       *model.Model
	problem *reachProblem
	result  *fixpoint.Result[antichain]
	reached []bool
	obtains model.Set
	reads   model.Set
}

// Goal is a goal and whether an actor can meet it.
type Goal struct {
	Name string `json:"name"`
	Met  bool   `json:"met"`
}

// Reach analyses what the actor named actor can reach and obtain.
//
// The fact at each location is the set of holdings the actor can have
// there: an antichain of possessible sets, since holding more never
// allows less and only the greatest sets matter. Arriving at a location,
// the actor takes every possessible lying there that its holdings and
// roles allow it to take, repeatedly, unless Options.Fixed.
func Reach(m *model.Model, actor string, o Options) (*Reachability, error) {
	id, ok := m.ActorID(actor)
	if !ok {
		return nil, fmt.Errorf("no actor %q", actor)
	}
	a := m.Actors()[id]
	start, _ := m.LocationID(a.At)
	p := &reachProblem{m: m, roles: m.RoleSet(a.Roles), fixed: o.Fixed}
	p.entry = []fixpoint.Fact[antichain]{{Node: start, Value: antichain{p.close(start, m.Holdings(a.Holds))}}}
	r := &Reachability{Actor: actor, m: m, problem: p, result: fixpoint.Solve[antichain](m, p, fixpoint.Options{MaxSteps: o.MaxSteps})}
	r.summarise()
	for _, g := range a.Goals {
		r.Goals = append(r.Goals, Goal{Name: g, Met: r.CanMeet(g)})
	}
	return r, nil
}

// summarise fills in the lists from the facts.
func (r *Reachability) summarise() {
	m, p := r.m, r.problem
	r.reached = make([]bool, m.Len())
	r.obtains, r.reads = model.NewSet(len(m.Possessibles())), model.NewSet(len(m.Possessibles()))
	r.Converged = r.result.Done()
	for v, name := range m.Locations() {
		sets, ok := r.result.Fact(v)
		if !ok {
			continue
		}
		r.reached[v] = true
		r.Locations = append(r.Locations, name)
		for _, s := range sets {
			read := func(id int) {
				if pp := &m.Possessibles()[id]; pp.Kind == model.KindDocument && p.allows(pp.Policies[model.Read], s) {
					r.reads.Add(id)
				}
			}
			for _, id := range s.Members() {
				r.obtains.Add(id)
				read(id)
			}
			for _, id := range m.LyingAt(v) {
				read(id)
			}
		}
	}
	r.Obtains, r.Reads = r.names(r.obtains), r.names(r.reads)
}

func (r *Reachability) names(s model.Set) []string {
	var out []string
	for _, id := range s.Members() {
		out = append(out, r.m.Possessibles()[id].Name)
	}
	return out
}

// CanReach reports whether the actor can get to location v.
func (r *Reachability) CanReach(v int) bool { return r.reached[v] }

// CanMeet reports whether the actor can meet a goal: get to a location,
// come to hold a possessible, or read a document.
func (r *Reachability) CanMeet(goal string) bool {
	if v, ok := r.m.LocationID(goal); ok {
		return r.reached[v]
	}
	if id, ok := r.m.PossessibleID(goal); ok {
		return r.obtains.Has(id) || r.reads.Has(id)
	}
	return false
}

// antichain is a set of possessible sets none of which contains another.
// Its sets are never modified once in it.
type antichain []model.Set

// add adds s unless a set of a contains it, dropping the sets s contains,
// and reports whether it added s. It may modify a.
func (a antichain) add(s model.Set) (antichain, bool) {
	for _, t := range a {
		if t.Contains(s) {
			return a, false
		}
	}
	out := a[:0]
	for _, t := range a {
		if !s.Contains(t) {
			out = append(out, t)
		}
	}
	return append(out, s), true
}

// reachProblem is the fixpoint problem of one actor's reach.
type reachProblem struct {
	m     *model.Model
	roles model.Set
	fixed bool
	entry []fixpoint.Fact[antichain]
}

func (p *reachProblem) Entry() []fixpoint.Fact[antichain] { return p.entry }

func (p *reachProblem) Transfer(a model.Arc, f antichain) (antichain, bool) {
	var out antichain
	for _, s := range f {
		if p.allows(a.Conn.Policies[model.Move], s) {
			out, _ = out.add(p.close(a.To, s))
		}
	}
	return out, len(out) > 0
}

func (p *reachProblem) Join(old, in antichain) (antichain, bool) {
	grew := false
	for _, s := range in {
		var added bool
		old, added = old.add(s)
		grew = grew || added
	}
	return old, grew
}

// allows reports whether some component of policy that can succeed lets an
// actor with the problem's roles and the holdings s act.
func (p *reachProblem) allows(policy model.AccessPolicy, s model.Set) bool {
	for i := range policy {
		if c := &policy[i]; c.Annotation.Risk < 100 && c.Allows(s, p.roles) {
			return true
		}
	}
	return false
}

// close returns s with every possessible lying at v that the actor can
// take, taking until nothing more can be; s itself is not modified.
func (p *reachProblem) close(v int, s model.Set) model.Set {
	if p.fixed {
		return s
	}
	for grew := true; grew; {
		grew = false
		for _, id := range p.m.LyingAt(v) {
			if !s.Has(id) && p.allows(p.m.Possessibles()[id].Policies[model.Take], s) {
				s = s.Clone()
				s.Add(id)
				grew = true
			}
		}
	}
	return s
}

func sortedKeys(set map[string]bool) []string {
	var out []string
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
