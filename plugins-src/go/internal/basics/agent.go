package basics

import (
	"slices"

	"github.com/gatehouse/gatehouse/abi"
)

// run is what an agent remembers of a run for one actor.
type run struct {
	seed     uint64
	goals    []string
	goalBias bool
	plan     plan // over the edges, for greedy
}

// agent holds the runs of one agent component, by actor, and chooses with
// choose. A run starts at reset; act for an actor without one is refused.
type agent struct {
	runs   map[string]*run
	graphs graphs
	choose func(*run, abi.Observation) abi.Action
}

var (
	greedy     = &agent{runs: map[string]*run{}, choose: chooseGreedy}
	randomWalk = &agent{runs: map[string]*run{}, choose: chooseRandom}
)

func (a *agent) reset(req abi.AgentResetRequest) error {
	r := a.runs[req.Actor]
	if r == nil {
		r = new(run)
	}
	if err := r.start(req, &a.graphs); err != nil {
		return err
	}
	a.runs[req.Actor] = r
	return nil
}

// start makes r the run that req starts, on the graph of its edges from
// gs, keeping r's buffers; or it returns an error naming a bad option and
// leaves r as it was.
func (r *run) start(req abi.AgentResetRequest, gs *graphs) error {
	bias := true
	switch req.Options["goal-bias"] {
	case "", "true":
	case "false":
		bias = false
	default:
		return abi.Errorf(abi.CodeInvalidRequest, "option goal-bias is %q, not true or false", req.Options["goal-bias"])
	}
	r.seed, r.goals, r.goalBias = uint64(req.Seed), append(r.goals[:0], req.Goals...), bias
	r.plan.reset(gs.of(req.Edges))
	return nil
}

func (a *agent) act(req abi.AgentActRequest) (abi.Action, error) {
	r, ok := a.runs[req.Actor]
	if !ok {
		return abi.Action{}, abi.Errorf(abi.CodeInvalidRequest, "actor %q has no run: reset it first", req.Actor)
	}
	obs := req.Observation
	if len(obs.Choices) == 0 {
		return abi.Action{Kind: "wait"}, nil
	}
	if len(obs.Goals) == 0 {
		obs.Goals = r.goals
	}
	return a.choose(r, obs), nil
}

// goalChoice returns the first choice whose target is a goal.
func goalChoice(obs abi.Observation) (abi.Action, bool) {
	for _, c := range obs.Choices {
		if c.Target != "" && slices.Contains(obs.Goals, c.Target) {
			return c, true
		}
	}
	return abi.Action{}, false
}

// chooseGreedy takes a choice that reaches a goal; else the move to the
// next location on a shortest path over the edges to a goal; else the
// least risky choice, the first among equals.
func chooseGreedy(r *run, obs abi.Observation) abi.Action {
	if c, ok := goalChoice(obs); ok {
		return c
	}
	if hop, ok := r.plan.nextHop(obs.Location, obs.Goals); ok {
		for _, c := range obs.Choices {
			if c.Kind == "move" && c.Target == hop {
				return c
			}
		}
	}
	best := obs.Choices[0]
	for _, c := range obs.Choices[1:] {
		if c.Risk < best.Risk {
			best = c
		}
	}
	return best
}

// chooseRandom takes a choice that reaches a goal, unless the option
// goal-bias is false; else a choice picked by a hash of the seed, the actor's
// location and the tick, so that a run replays exactly.
func chooseRandom(r *run, obs abi.Observation) abi.Action {
	if r.goalBias {
		if c, ok := goalChoice(obs); ok {
			return c
		}
	}
	x := splitmix64(r.seed ^ fnv64a(obs.Location) ^ uint64(obs.Tick)*0x9e3779b97f4a7c15)
	return obs.Choices[x%uint64(len(obs.Choices))]
}

// fnv64a returns the 64-bit FNV-1a hash of s.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := range len(s) {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

// splitmix64 is the output function of the SplitMix64 generator: a good
// 64-bit mix of x.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
