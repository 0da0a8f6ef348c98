// Package agent holds the built-in agents: RandomWalk and ShortestPath.
// They implement simulate.Agent from what the ABI gives an agent plugin
// (the edges and goals at reset, an observation at each act), so they can
// stand in for plugins and be compared with them.
package agent

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// New returns a fresh built-in agent by name: "random" or "shortest".
func New(name string) (simulate.Agent, bool) {
	switch name {
	case "random":
		return &RandomWalk{}, true
	case "shortest":
		return &ShortestPath{}, true
	}
	return nil, false
}

// Names lists the built-in agents.
var Names = []string{"random", "shortest"}

// newRand returns the random source of an agent's run: the reset's seed
// mixed with the actor's name.
func newRand(req abi.AgentResetRequest) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(req.Actor))
	return rand.New(rand.NewPCG(uint64(req.Seed), h.Sum64()))
}

// goalChoice returns the index of the least risky choice that moves to,
// takes or reads a goal, the first among equals, or -1. Choices that
// always fail do not count.
func goalChoice(obs abi.Observation, goals []string) int {
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
func (w *RandomWalk) Reset(_ context.Context, req abi.AgentResetRequest) error {
	w.r, w.goals = newRand(req), req.Goals
	return nil
}

// Act picks a choice.
func (w *RandomWalk) Act(_ context.Context, obs abi.Observation) (abi.Action, error) {
	if i := goalChoice(obs, w.goals); i >= 0 {
		return obs.Choices[i], nil
	}
	return obs.Choices[w.r.IntN(len(obs.Choices))], nil
}

// ShortestPath heads for its nearest goal location along the edges: it
// takes a choice that meets a goal when there is one; else the move that
// brings it closest to a goal location (fewest edges, the least risky
// among equals); else it takes whatever it may take, in case it opens a
// door; else it moves at random, or waits when it cannot move. It never
// chooses a goal or a step closer that is sure to fail (100% risk). An
// actor without goals waits.
type ShortestPath struct {
	r     *rand.Rand
	goals []string
	dist  map[string]int32 // edges from each location to the nearest goal location
}

// Reset computes the distances to the goal locations, breadth-first over
// the reversed edges.
func (a *ShortestPath) Reset(_ context.Context, req abi.AgentResetRequest) error {
	a.r, a.goals = newRand(req), req.Goals
	into := map[string][]string{}
	for _, e := range req.Edges {
		into[e.To] = append(into[e.To], e.From)
	}
	a.dist = map[string]int32{}
	var queue []string
	for _, g := range req.Goals {
		if _, isLoc := into[g]; isLoc {
			a.dist[g] = 0
			queue = append(queue, g)
		}
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, u := range into[v] {
			if _, seen := a.dist[u]; !seen {
				a.dist[u] = a.dist[v] + 1
				queue = append(queue, u)
			}
		}
	}
	return nil
}

// Act picks a choice.
func (a *ShortestPath) Act(_ context.Context, obs abi.Observation) (abi.Action, error) {
	if len(a.goals) == 0 {
		return abi.Action{Kind: simulate.KindWait}, nil
	}
	if i := goalChoice(obs, a.goals); i >= 0 {
		return obs.Choices[i], nil
	}
	best, bestDist := -1, int32(-1)
	if d, ok := a.dist[obs.Location]; ok {
		bestDist = d
	}
	moves, take := 0, -1
	for i, c := range obs.Choices {
		switch c.Kind {
		case simulate.KindMove:
			moves++
			d, ok := a.dist[c.Target]
			if ok && c.Risk < 1 && (bestDist < 0 || d < bestDist || d == bestDist && best >= 0 && c.Risk < obs.Choices[best].Risk) {
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
	return abi.Action{Kind: simulate.KindWait}, nil
}
