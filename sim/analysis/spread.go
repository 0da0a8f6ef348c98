package analysis

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/sim/fixpoint"
	"github.com/gatehouse/gatehouse/sim/model"
)

// Spread is where a possessible can end up: the locations it can come to
// lie at and the actors who can come to hold it.
type Spread struct {
	Possessible string   `json:"possessible"`
	Locations   []string `json:"locations"`
	Holders     []string `json:"holders"`
}

// SpreadOf analyses where the possessible p (an id of m) can end up, given
// the reach of every actor of m, in actor id order, as Reach computes it.
//
// From each location where p can lie, each actor that can be there with
// holdings that let it take p carries it as far as it can get from there
// (a fixpoint of its reach, seeded with p in hand), and p can lie wherever
// the actor may drop it on the way. This repeats until no location is
// added. An actor holding p at the start carries it wherever it can reach.
//
// Each actor's carrying is one incremental fixpoint: a location where p
// comes to lie adds its seeds to the fixpoint found so far, so the cost
// is that of one reach per actor, not one per location.
func SpreadOf(m *model.Model, p int, reaches []*Reachability) Spread {
	s, _ := SpreadOfContext(context.Background(), m, p, reaches)
	return s
}

// SpreadOfContext is SpreadOf that gives up once ctx is done, with an
// error naming the possessible and wrapping ctx's.
func SpreadOfContext(ctx context.Context, m *model.Model, p int, reaches []*Reachability) (Spread, error) {
	pp := &m.Possessibles()[p]
	lie := make([]bool, m.Len())
	held := make([]bool, len(m.Actors()))
	var queue []int
	// drop adds w to where p can lie if the actor of r may drop it there
	// holding one of sets.
	drop := func(r *Reachability, w int, sets antichain) {
		for _, s := range sets {
			if !lie[w] && r.flow.allows(pp.Policies[model.Drop], s) {
				lie[w] = true
				queue = append(queue, w)
			}
		}
	}
	if v, ok := m.LocationID(pp.At); ok {
		lie[v] = true
		queue = append(queue, v)
	}
	if h := m.Holder(p); h >= 0 {
		held[h] = true
		for w := range m.Len() {
			sets, _ := reaches[h].result.Fact(w)
			drop(reaches[h], w, sets)
		}
	}
	carries := make([]*fixpoint.Solver[antichain], len(reaches))
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for a, r := range reaches {
			sets, _ := r.result.Fact(v)
			var seeds antichain
			for _, s := range sets {
				if r.flow.allows(pp.Policies[model.Take], s) {
					if pp.Kind == model.KindCredential {
						s = s.Clone()
						s.Add(p)
						s, _ = r.flow.close(v, s)
					}
					seeds, _ = seeds.with(s)
				}
			}
			if len(seeds) == 0 {
				continue
			}
			held[a] = true
			if carries[a] == nil {
				carry := *r.flow
				carries[a] = fixpoint.NewSolver(m, fixpoint.Flow[antichain](&carry), fixpoint.Options{MaxSteps: carry.steps})
			}
			carries[a].Add(v, seeds)
			if _, err := carries[a].RunContext(ctx, func(w int, sets antichain) { drop(r, w, sets) }); err != nil {
				return Spread{}, fmt.Errorf("spread of %q: %w", pp.Name, err)
			}
		}
	}
	out := Spread{Possessible: pp.Name, Locations: []string{}, Holders: []string{}}
	for v, ok := range lie {
		if ok {
			out.Locations = append(out.Locations, m.Locations()[v])
		}
	}
	for a, ok := range held {
		if ok {
			out.Holders = append(out.Holders, m.Actors()[a].Name)
		}
	}
	return out, nil
}

// GoalReport is a goal of some actor and every actor who can meet it.
type GoalReport struct {
	Goal   string   `json:"goal"`
	Actors []string `json:"actors"`
}

// Report is every analysis of a model.
type Report struct {
	Actors       []*Reachability `json:"actors"`
	Goals        []GoalReport    `json:"goals"`
	Possessibles []Spread        `json:"possessibles"`
}

// Analyze runs every analysis on m: the reach of each actor, who can meet
// each goal that some actor has, and where each possessible can end up.
func Analyze(m *model.Model, o Options) *Report {
	rep, _ := AnalyzeContext(context.Background(), m, o)
	return rep
}

// AnalyzeContext is Analyze that gives up once ctx is done, with an error
// naming the analysis cut short and wrapping ctx's.
func AnalyzeContext(ctx context.Context, m *model.Model, o Options) (*Report, error) {
	rep := &Report{Actors: []*Reachability{}, Goals: []GoalReport{}, Possessibles: []Spread{}}
	goals := map[string]bool{}
	done, total := 0, len(m.Actors())+len(m.Possessibles())
	progress := func() {
		if done++; o.Progress != nil {
			o.Progress(done, total)
		}
	}
	for _, a := range m.Actors() {
		r, err := ReachContext(ctx, m, a.Name, o) // a is an actor of m: only ctx can fail it
		if err != nil {
			return nil, err
		}
		rep.Actors = append(rep.Actors, r)
		progress()
		for _, g := range a.Goals {
			goals[g] = true
		}
	}
	for _, name := range sortedKeys(goals) {
		g := GoalReport{Goal: name, Actors: []string{}}
		for _, r := range rep.Actors {
			if r.CanMeet(name) {
				g.Actors = append(g.Actors, r.Actor)
			}
		}
		rep.Goals = append(rep.Goals, g)
	}
	for p := range m.Possessibles() {
		s, err := SpreadOfContext(ctx, m, p, rep.Actors)
		if err != nil {
			return nil, err
		}
		rep.Possessibles = append(rep.Possessibles, s)
		progress()
	}
	return rep, nil
}
