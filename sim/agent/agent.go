// Package agent holds the built-in agents, RandomWalk, ShortestPath and
// Planner, and assigns agents to the actors of a run. The built-in agents
// implement simulate.Agent from what an agent plugin is given too (the
// connection graph and the goals at the start, an observation at each
// act), so they can stand in for plugins and be compared with them.
package agent

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/paths"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// Names lists the built-in agents, as New knows them.
var Names = []string{"random", "shortest", "planner"}

// New returns a new built-in agent by name: "random", "shortest" or
// "planner".
func New(name string) (simulate.Agent, bool) {
	switch name {
	case "random":
		return &RandomWalk{}, true
	case "shortest":
		return &ShortestPath{}, true
	case "planner":
		return &Planner{}, true
	}
	return nil, false
}

// newRand returns the random source of an agent's run: the run's seed
// mixed with the actor's name.
func newRand(start simulate.Start) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(start.Actor))
	return rand.New(rand.NewPCG(uint64(start.Seed), h.Sum64()))
}

// goalChoice returns the index of the least risky choice that moves to,
// takes or reads a goal, the first among equals, or -1. Choices that
// always fail do not count.
func goalChoice(obs simulate.Observation, goals []string) int {
	best := -1
	for i, c := range obs.Choices {
		if c.Kind != simulate.KindDrop && c.Kind != simulate.KindWait && c.Risk < 1 && slices.Contains(goals, c.Target) &&
			(best < 0 || c.Risk < obs.Choices[best].Risk) {
			best = i
		}
	}
	return best
}

// RandomWalk takes a choice that meets a goal when there is one, and
// otherwise a choice drawn uniformly from its seeded random source.
type RandomWalk struct {
	r     *rand.Rand
	goals []string
}

// Reset seeds the walk.
func (w *RandomWalk) Reset(_ context.Context, start simulate.Start) error {
	w.r, w.goals = newRand(start), start.Goals
	return nil
}

// Act picks a choice.
func (w *RandomWalk) Act(_ context.Context, obs simulate.Observation) (simulate.Action, error) {
	if i := goalChoice(obs, w.goals); i >= 0 {
		return obs.Choices[i], nil
	}
	return obs.Choices[w.r.IntN(len(obs.Choices))], nil
}

// ShortestPath heads for its nearest goal location along the connections:
// it takes a choice that meets a goal when there is one; else the move
// that brings it closest to a goal location (fewest connections, whatever
// their policies, the least risky among equals); else it takes whatever
// it may take, in case it opens a door; else it moves at random, or waits
// when it cannot move. It never chooses a goal or a step closer that is
// sure to fail (100% risk). An actor without goals waits.
type ShortestPath struct {
	r     *rand.Rand
	goals []string
	m     *model.Model
	dist  []int32 // connections from each location to the nearest goal location, or -1
}

// Reset computes the distances to the goal locations.
func (a *ShortestPath) Reset(_ context.Context, start simulate.Start) error {
	a.r, a.goals, a.m = newRand(start), start.Goals, start.Model
	var targets []int
	for _, goal := range start.Goals {
		if v, ok := a.m.LocationID(goal); ok {
			targets = append(targets, v)
		}
	}
	a.dist = paths.Distances(a.m, targets, nil)
	return nil
}

// distance returns the distance of a location to the nearest goal
// location, or -1.
func (a *ShortestPath) distance(loc string) int32 {
	if v, ok := a.m.LocationID(loc); ok {
		return a.dist[v]
	}
	return -1
}

// Act picks a choice.
func (a *ShortestPath) Act(_ context.Context, obs simulate.Observation) (simulate.Action, error) {
	if len(a.goals) == 0 {
		return simulate.Action{Kind: simulate.KindWait}, nil
	}
	if i := goalChoice(obs, a.goals); i >= 0 {
		return obs.Choices[i], nil
	}
	best, bestDist := -1, a.distance(obs.Location)
	moves, take := 0, -1
	for i, c := range obs.Choices {
		switch c.Kind {
		case simulate.KindMove:
			moves++
			d := a.distance(c.Target)
			if d >= 0 && c.Risk < 1 && (bestDist < 0 || d < bestDist || d == bestDist && best >= 0 && c.Risk < obs.Choices[best].Risk) {
				best, bestDist = i, d
			}
		case simulate.KindTake:
			if take < 0 {
				take = i
			}
		}
	}
	switch {
	case best >= 0:
		return obs.Choices[best], nil
	case take >= 0:
		return obs.Choices[take], nil
	case moves > 0:
		n := a.r.IntN(moves)
		for _, c := range obs.Choices {
			if c.Kind == simulate.KindMove {
				if n == 0 {
					return c, nil
				}
				n--
			}
		}
	}
	return simulate.Action{Kind: simulate.KindWait}, nil
}

// Default is the agent of every actor that Assign gives none.
const Default = "shortest"

// Assign returns the agent name of every actor of m from specs of the form
// ACTOR=AGENT, and *=AGENT for the actors no spec names; the agents of
// actors no spec covers are Default. An agent name that is not built in
// names a plugin component. Errors name the spec.
func Assign(m *model.Model, specs []string) (map[string]string, error) {
	byActor := map[string]string{}
	fallback := Default
	for _, s := range specs {
		actor, name, ok := strings.Cut(s, "=")
		if !ok || actor == "" || name == "" {
			return nil, fmt.Errorf("agent %q: want ACTOR=AGENT", s)
		}
		if actor == "*" {
			fallback = name
			continue
		}
		if _, ok := m.ActorID(actor); !ok {
			return nil, fmt.Errorf("agent %q: the model has no actor %q", s, actor)
		}
		byActor[actor] = name
	}
	out := map[string]string{}
	for _, a := range m.Actors() {
		out[a.Name] = fallback
		if name, ok := byActor[a.Name]; ok {
			out[a.Name] = name
		}
	}
	return out, nil
}

// Plugins returns the agent names of assigned that are not built in, each
// once, sorted: the plugin components a run needs.
func Plugins(assigned map[string]string) []string {
	var names []string
	for _, name := range assigned {
		if !slices.Contains(Names, name) && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
