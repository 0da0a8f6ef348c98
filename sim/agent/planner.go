package agent

import (
	"context"
	"slices"

	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/plan"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// Planner follows a plan to its goals (package sim/plan): the one with the
// fewest ticks expected when each failed action is tried again, picking up
// on the way the credentials it needs. It plans again from what it
// observes whenever the run goes otherwise than planned: an action failed,
// or a possessible it meant to take or read is not there, which it then
// remembers as gone. When no plan meets its goals it acts as ShortestPath
// does, and plans again once its holdings change or it finds another
// possessible gone: wherever it walks to with the same holdings, no plan
// starts either, for one would start where it was. An actor without goals
// waits.
type Planner struct {
	m        *model.Model
	problem  plan.Problem // the actor's roles and goals
	gone     []string     // possessibles found missing
	steps    []plan.Step  // the plan being followed
	next     int          // the step to take next
	at       string       // where the actor should be before steps[next]
	holds    []string     // what it should hold then
	stuck    string       // the holdings and gone possessibles with which planning last failed
	fallback ShortestPath
}

// Reset forgets the last run's plan.
func (a *Planner) Reset(ctx context.Context, start simulate.Start) error {
	p, err := plan.ForActor(start.Model, start.Actor)
	if err != nil {
		return err
	}
	*a = Planner{m: start.Model, problem: p}
	return a.fallback.Reset(ctx, start)
}

// Act takes the plan's next step, planning again first when the actor is
// not where and as the plan expects, or the step is not among its choices.
func (a *Planner) Act(ctx context.Context, obs simulate.Observation) (simulate.Action, error) {
	if len(a.problem.Goals) == 0 {
		return simulate.Action{Kind: simulate.KindWait}, nil
	}
	onPlan := a.next < len(a.steps) && obs.Location == a.at && sameSet(obs.Holdings, a.holds)
	for onPlan || a.replan(obs) {
		st := a.steps[a.next]
		if act, ok := choice(obs, st); ok {
			a.next++
			switch st.Action {
			case simulate.KindMove:
				a.at = st.Target
			case simulate.KindTake:
				a.holds = append(slices.Clone(a.holds), st.Possessible)
			}
			return act, nil
		}
		// A take or read of something that is not here: it is gone. (The
		// simulator offers every move a plan can make.)
		if st.Action == simulate.KindMove || slices.Contains(a.gone, st.Possessible) {
			break
		}
		a.gone = append(a.gone, st.Possessible)
		onPlan = false
	}
	return a.fallback.Act(ctx, obs)
}

// replan plans from the observed state, and reports whether it found a
// plan with a step to take.
func (a *Planner) replan(obs simulate.Observation) bool {
	state := joinNames(obs.Holdings) + "\x00" + joinNames(a.gone)
	if state == a.stuck {
		return false
	}
	found, err := plan.Find(a.m, ProblemAt(a.m, a.problem, obs, a.gone), plan.Options{Criterion: plan.Expected})
	if err != nil || len(found.Steps) == 0 {
		a.stuck, a.steps = state, nil
		return false
	}
	a.steps, a.next, a.at, a.holds, a.stuck = found.Steps, 0, obs.Location, slices.Clone(obs.Holdings), ""
	return true
}

// ProblemAt returns the problem of the actor of problem p (plan.ForActor)
// from the state obs observes, counting possessibles gone as not there:
// its goals are those obs lists as open, and its location goals even when
// met, for a plan must not lead the actor away from them.
func ProblemAt(m *model.Model, p plan.Problem, obs simulate.Observation, gone []string) plan.Problem {
	at := p
	at.From, at.Holds, at.Gone, at.Goals = obs.Location, obs.Holdings, gone, nil
	for _, g := range p.Goals {
		if _, isLoc := m.LocationID(g); isLoc || slices.Contains(obs.Goals, g) {
			at.Goals = append(at.Goals, g)
		}
	}
	return at
}

// choice returns the choice of obs that takes plan step st.
func choice(obs simulate.Observation, st plan.Step) (simulate.Action, bool) {
	for _, c := range obs.Choices {
		if c.Kind == st.Action && c.Target == st.Target+st.Possessible {
			return c, true
		}
	}
	return simulate.Action{}, false
}

func joinNames(names []string) string {
	var b []byte
	for _, n := range names {
		b = append(append(b, n...), 0)
	}
	return string(b)
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
