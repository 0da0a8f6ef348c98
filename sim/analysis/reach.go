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
	"cmp"
	"context"
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
	// MaxSets bounds the holdings the analysis tells apart at one
	// location; 0 means DefaultMaxSets. Past it, the holdings are widened
	// to their union, and the result may overstate what the actor can do
	// (Reachability.Exact is false).
	MaxSets int
	// Progress, when set, is told by Analyze after each actor's reach and
	// each possessible's spread: done of total, for progress bars.
	Progress func(done, total int)
}

// DefaultMaxSets is the default of Options.MaxSets.
const DefaultMaxSets = 16

// Reachability is what one actor can reach and obtain on its own.
type Reachability struct {
	Actor     string   `json:"actor"`
	Locations []string `json:"locations"` // the locations it can get to, sorted
	Obtains   []string `json:"obtains"`   // the possessibles it can come to hold, sorted
	Reads     []string `json:"reads"`     // the documents it can read, sorted
	Goals     []Goal   `json:"goals"`     // its own goals, and whether it can meet each
	Converged bool     `json:"converged"` // false when Options.MaxSteps cut the analysis short
	Exact     bool     `json:"exact"`     // false when Options.MaxSets widened the holdings

	m       *model.Model
	flow    *reachFlow
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
// The fact at each location is the credentials the actor can hold there:
// an antichain of credential sets, since holding more never allows less
// and only the greatest sets matter. Arriving at a location, the actor
// takes every credential lying there that its holdings and roles allow it
// to take, repeatedly, unless Options.Fixed. Documents open nothing and
// stay out of the sets: the actor obtains a document where it may take
// it, and reads it where it may read it, lying there or, once taken,
// anywhere it can carry it (a second fixpoint, seeded where it is taken).
func Reach(m *model.Model, actor string, o Options) (*Reachability, error) {
	return ReachContext(context.Background(), m, actor, o)
}

// ReachContext is Reach that gives up once ctx is done, with an error
// naming the actor and wrapping ctx's.
func ReachContext(ctx context.Context, m *model.Model, actor string, o Options) (*Reachability, error) {
	id, ok := m.ActorID(actor)
	if !ok {
		return nil, fmt.Errorf("no actor %q", actor)
	}
	a := m.Actors()[id]
	start, _ := m.LocationID(a.At)
	p := &reachFlow{m: m, roles: m.RoleSet(a.Roles), fixed: o.Fixed, maxSets: cmp.Or(o.MaxSets, DefaultMaxSets), steps: o.MaxSteps}
	held := m.Holdings(a.Holds)
	creds := model.NewSet(len(m.Possessibles()))
	for _, id := range held.Members() {
		if m.Possessibles()[id].Kind == model.KindCredential {
			creds.Add(id)
		}
	}
	creds, _ = p.close(start, creds)
	p.entry = []fixpoint.Fact[antichain]{{Node: start, Value: antichain{creds}}}
	r := &Reachability{Actor: actor, m: m, flow: p}
	var err error
	if r.result, err = p.solve(ctx); err == nil {
		err = r.summarise(ctx, held)
	}
	if err != nil {
		return nil, fmt.Errorf("reach of actor %q: %w", actor, err)
	}
	r.Goals = make([]Goal, 0, len(a.Goals))
	for _, g := range a.Goals {
		r.Goals = append(r.Goals, Goal{Name: g, Met: r.CanMeet(g)})
	}
	return r, nil
}

// summarise fills in the lists from the facts, for an actor holding held
// at the start, or fails with ctx's error once ctx is done.
func (r *Reachability) summarise(ctx context.Context, held model.Set) error {
	m, p := r.m, r.flow
	r.reached = make([]bool, m.Len())
	r.Locations = []string{}
	r.obtains, r.reads = held.Clone(), model.NewSet(len(m.Possessibles()))
	r.Converged = r.result.Done()
	taken := map[int][]fixpoint.Fact[antichain]{} // document -> where the actor may take it, and with what
	for v, name := range m.Locations() {
		sets, ok := r.result.Fact(v)
		if !ok {
			continue
		}
		r.reached[v] = true
		r.Locations = append(r.Locations, name)
		for _, s := range sets {
			for _, id := range s.Members() {
				r.obtains.Add(id)
			}
			r.readable(s, held.Members())
			for _, id := range m.LyingAt(v) {
				if r.readable(s, []int{id}); m.Possessibles()[id].Kind != model.KindDocument || !p.allows(m.Possessibles()[id].Policies[model.Take], s) {
					continue
				}
				r.obtains.Add(id)
				taken[id] = append(taken[id], fixpoint.Fact[antichain]{Node: v, Value: antichain{s}})
			}
		}
	}
	for _, id := range sortedInts(taken) {
		if r.reads.Has(id) || len(m.Possessibles()[id].Policies[model.Read]) == 0 {
			continue
		}
		carry := *p
		carry.entry = taken[id]
		res, err := carry.solve(ctx)
		if err != nil {
			return err
		}
		for v := range m.Len() {
			sets, _ := res.Fact(v)
			for _, s := range sets {
				r.readable(s, []int{id})
			}
		}
		p.widened = p.widened || carry.widened
		r.Converged = r.Converged && res.Done()
	}
	r.Exact = !p.widened
	r.Obtains, r.Reads = r.names(r.obtains), r.names(r.reads)
	return nil
}

// readable adds to the documents read those of ids that credentials s let
// the actor read.
func (r *Reachability) readable(s model.Set, ids []int) {
	for _, id := range ids {
		if pp := &r.m.Possessibles()[id]; pp.Kind == model.KindDocument && r.flow.allows(pp.Policies[model.Read], s) {
			r.reads.Add(id)
		}
	}
}

func (r *Reachability) names(s model.Set) []string {
	out := []string{}
	for _, id := range s.Members() {
		out = append(out, r.m.Possessibles()[id].Name)
	}
	return out
}

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

// antichain is a set of credential sets none of which contains another.
// Antichains and their sets are values: never modified once made, so that
// nodes may share them.
type antichain []model.Set

// with returns a with s added unless a set of a contains s, dropping the
// sets s contains, and whether it added s.
func (a antichain) with(s model.Set) (antichain, bool) {
	for _, t := range a {
		if t.Contains(s) {
			return a, false
		}
	}
	out := make(antichain, 0, len(a)+1)
	for _, t := range a {
		if !s.Contains(t) {
			out = append(out, t)
		}
	}
	return append(out, s), true
}

// reachFlow is the data flow of one actor's reach.
type reachFlow struct {
	m       *model.Model
	roles   model.Set
	fixed   bool
	entry   []fixpoint.Fact[antichain]
	maxSets int
	steps   int  // fixpoint.Options.MaxSteps
	widened bool // whether widen merged sets
}

func (p *reachFlow) solve(ctx context.Context) (*fixpoint.Result[antichain], error) {
	return fixpoint.SolveContext[antichain](ctx, p.m, p, fixpoint.Options{MaxSteps: p.steps})
}

// widen returns a if it has at most maxSets sets, and else the union of its
// sets alone.
func (p *reachFlow) widen(a antichain) antichain {
	if len(a) <= p.maxSets {
		return a
	}
	p.widened = true
	u := a[0].Clone()
	for _, s := range a[1:] {
		for _, id := range s.Members() {
			u.Add(id)
		}
	}
	return antichain{u}
}

func (p *reachFlow) Entry() []fixpoint.Fact[antichain] { return p.entry }

// Transfer returns f itself when every set of it crosses a and takes
// nothing at a.To, as most do.
func (p *reachFlow) Transfer(a model.Arc, f antichain) (antichain, bool) {
	same := true
	for _, s := range f {
		if !p.allows(a.Conn.Policies[model.Move], s) {
			same = false
			break
		}
		if _, took := p.close(a.To, s); took {
			same = false
			break
		}
	}
	if same {
		return f, len(f) > 0
	}
	var out antichain
	for _, s := range f {
		if p.allows(a.Conn.Policies[model.Move], s) {
			s, _ = p.close(a.To, s)
			out, _ = out.with(s)
		}
	}
	return p.widen(out), len(out) > 0
}

func (p *reachFlow) Join(old, in antichain) (antichain, bool) {
	if len(old) == len(in) && len(in) > 0 && &old[0] == &in[0] {
		return old, false // the same fact, shared along an arc that changed nothing
	}
	grew := false
	for _, s := range in {
		var added bool
		old, added = old.with(s)
		grew = grew || added
	}
	if !grew {
		return old, false
	}
	return p.widen(old), true
}

// allows reports whether some component of policy that can succeed lets an
// actor with the flow's roles and the holdings s act.
func (p *reachFlow) allows(policy model.AccessPolicy, s model.Set) bool {
	for i := range policy {
		if c := &policy[i]; c.Annotation.Risk < 100 && c.Allows(s, p.roles) {
			return true
		}
	}
	return false
}

// close returns s with every credential lying at v that the actor can
// take, taking until nothing more can be, and whether it took any; s
// itself is not modified.
func (p *reachFlow) close(v int, s model.Set) (model.Set, bool) {
	if p.fixed {
		return s, false
	}
	took := false
	for grew := true; grew; {
		grew = false
		for _, id := range p.m.LyingAt(v) {
			pp := &p.m.Possessibles()[id]
			if pp.Kind == model.KindCredential && !s.Has(id) && p.allows(pp.Policies[model.Take], s) {
				s = s.Clone()
				s.Add(id)
				grew, took = true, true
			}
		}
	}
	return s, took
}

func sortedInts[V any](m map[int]V) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedKeys(set map[string]bool) []string {
	var out []string
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
