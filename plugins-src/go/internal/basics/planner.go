package basics

import (
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/abi"
	hostplan "github.com/gatehouse/gatehouse/abi/pdk/go/plan"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
)

// RegisterPlanner registers the agent planner, which asks the host for
// plans (ABI 1.3), so only a plugin of the native binding has it.
func RegisterPlanner(r *registry.Registry) {
	r.Require(abi.CapPlan)
	r.Agent(abi.Component{
		Name:        "planner",
		Description: "follows the host's plan to its goals, planning again when the run goes otherwise, else acts as greedy",
	}, planner.reset, planner.act)
}

// planRun is what planner remembers of a run for one actor: greedy's run,
// for when no plan starts, and the plan it follows.
type planRun struct {
	greedy *run
	steps  []abi.Action // the plan being followed
	next   int          // the step to take next
	at     string       // where the actor should be before steps[next]
	holds  []string     // what it should hold then
	gone   []string     // possessibles found missing
	stuck  string       // the holdings and gone possessibles with which planning last failed
}

// planAgent holds the runs of the agent planner, by actor.
type planAgent struct {
	runs   map[string]*planRun
	graphs graphs
}

var planner = &planAgent{runs: map[string]*planRun{}}

func (a *planAgent) reset(req abi.AgentResetRequest) error {
	g := new(run)
	if err := g.start(req, &a.graphs); err != nil {
		return err
	}
	a.runs[req.Actor] = &planRun{greedy: g}
	return nil
}

// act is the built-in planner's Act (sim/agent): it takes the plan's next
// step, planning again first when the actor is not where and as the plan
// expects; a take or read of something not there marks it gone. When no
// plan starts it acts as greedy.
func (a *planAgent) act(req abi.AgentActRequest) (abi.Action, error) {
	r, ok := a.runs[req.Actor]
	if !ok {
		return abi.Action{}, abi.Errorf(abi.CodeInvalidRequest, "actor %q has no run: reset it first", req.Actor)
	}
	obs := req.Observation
	if len(r.greedy.goals) == 0 {
		return abi.Action{Kind: "wait"}, nil
	}
	onPlan := r.next < len(r.steps) && obs.Location == r.at && sameSet(obs.Holdings, r.holds)
	for onPlan || r.replan(obs) {
		st := r.steps[r.next]
		for _, c := range obs.Choices {
			if c.Kind == st.Kind && c.Target == st.Target {
				r.next++
				switch st.Kind {
				case "move":
					r.at = st.Target
				case "take":
					r.holds = append(slices.Clone(r.holds), st.Target)
					slices.Sort(r.holds)
				}
				return c, nil
			}
		}
		if st.Kind == "move" || slices.Contains(r.gone, st.Target) {
			break
		}
		r.gone = append(r.gone, st.Target)
		onPlan = false
	}
	if len(obs.Choices) == 0 {
		return abi.Action{Kind: "wait"}, nil
	}
	if len(obs.Goals) == 0 {
		obs.Goals = r.greedy.goals
	}
	return obs.Choices[chooseGreedy(r.greedy, &obs)], nil
}

// replan asks the host for a plan from the observed state, and reports
// whether it got one with a step to take. It does not ask again with the
// holdings and gone possessibles of its last failure: wherever the actor
// walks to with them, no plan starts either.
func (r *planRun) replan(obs abi.Observation) bool {
	state := strings.Join(obs.Holdings, "\x00") + "\x01" + strings.Join(r.gone, "\x00")
	if state == r.stuck {
		return false
	}
	rep, err := hostplan.Find(abi.PlanRequest{Gone: r.gone})
	if err != nil || len(rep.Steps) == 0 {
		r.stuck, r.steps = state, nil
		return false
	}
	r.steps, r.next, r.at, r.holds, r.stuck = rep.Steps, 0, obs.Location, slices.Clone(obs.Holdings), ""
	return true
}

// sameSet reports whether a and b, lists without repeats, hold the same
// names, in whatever order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, n := range a {
		if !slices.Contains(b, n) {
			return false
		}
	}
	return true
}
