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
// chooseGreedy, or chooseRandom when random is set. A run starts at reset;
// act for an actor without one is refused.
type agent struct {
	runs   map[string]*run
	graphs graphs
	random bool
}

var (
	greedy     = &agent{runs: map[string]*run{}}
	randomWalk = &agent{runs: map[string]*run{}, random: true}
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
	obs := &req.Observation
	if len(obs.Choices) == 0 {
		return abi.Action{Kind: "wait"}, nil
	}
	if len(obs.Goals) == 0 {
		obs.Goals = r.goals
	}
	if a.random {
		return obs.Choices[chooseRandom(r, obs)], nil
	}
	return obs.Choices[chooseGreedy(r, obs)], nil
}

// The choosers take obs by pointer and answer with the index of a choice:
// a WebAssembly build copies a struct of more than a few words with a
// call out of the module (memory.copy). They are called directly, not
// through a func value, so that obs stays on the stack.

// goalChoice returns the index of the first choice whose target is a
// goal, -1 for none.
func goalChoice(obs *abi.Observation) int {
	for i := range obs.Choices {
		if t := obs.Choices[i].Target; t != "" && slices.Contains(obs.Goals, t) {
			return i
		}
	}
	return -1
}

// chooseGreedy takes a choice that reaches a goal; else the move to the
// next location on a shortest path over the edges to a goal; else the
// least risky choice, the first among equals. obs has a choice at least.
func chooseGreedy(r *run, obs *abi.Observation) int {
	if i := goalChoice(obs); i >= 0 {
		return i
	}
	if hop, ok := r.plan.nextHop(obs.Location, obs.Goals); ok {
		for i := range obs.Choices {
			if c := &obs.Choices[i]; c.Kind == "move" && c.Target == hop {
				return i
			}
		}
	}
	best := 0
	for i := range obs.Choices {
		if obs.Choices[i].Risk < obs.Choices[best].Risk {
			best = i
		}
	}
	return best
}

// chooseRandom takes a choice that reaches a goal, unless the option
// goal-bias is false; else a choice picked by a hash of the seed, the actor's
// location and the tick, so that a run replays exactly. obs has a choice
// at least.
func chooseRandom(r *run, obs *abi.Observation) int {
	if r.goalBias {
		if i := goalChoice(obs); i >= 0 {
			return i
		}
	}
	x := splitmix64(r.seed ^ fnv64a(obs.Location) ^ uint64(obs.Tick)*0x9e3779b97f4a7c15)
	return int(x % uint64(len(obs.Choices)))
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
