// Package agents lets agent plugins drive simulated actors: it adapts a
// session of an agent component (host.Session) to simulate.Agent,
// converting the simulator's types to the ABI's messages and back.
package agents

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/sim/agent"
	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/plan"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// Session is what an agent needs of a plugin session; *host.Session is
// one. One session may serve the agents of several actors, since agent
// plugins keep a run per actor; it must not be used by two goroutines at
// once, which a simulation run never does.
type Session interface {
	AgentReset(ctx context.Context, req abi.AgentResetRequest) error
	AgentAct(ctx context.Context, req abi.AgentActRequest) (abi.Action, error)
}

// Agent is the agent of one actor, played by a plugin component. It
// converts what the simulator tells it to the ABI's messages, and the
// plugin's action back.
type Agent struct {
	s     Session
	actor string
	m     *model.Model
	sh    *shared
	// obs is the observation of the act in progress, which planner plans
	// from; planner is made once, so that an act allocates no closure.
	obs     simulate.Observation
	planner host.Planner
}

// shared is what the agents of one session share, as they are called one
// at a time: the connections of the run's model as the ABI's edges,
// converted once, and a buffer for the choices of an observation.
type shared struct {
	m       *model.Model
	edges   []abi.Edge
	choices []abi.Action
}

// edgesOf returns the edges of m, every connection in the model's order.
func (sh *shared) edgesOf(m *model.Model) []abi.Edge {
	if sh.m != m {
		sh.m, sh.edges = m, make([]abi.Edge, len(m.Connections()))
		for i, c := range m.Connections() {
			sh.edges[i] = abi.Edge{From: c.From, To: c.To}
		}
	}
	return sh.edges
}

// New returns an agent played by the component of session s.
func New(s Session) *Agent { return &Agent{s: s, sh: &shared{}} }

// Agents returns the function that makes the agents of the actors that
// the component of session s plays in a run; they share the edges of the
// run's model, converted once.
func Agents(s Session) func() simulate.Agent {
	sh := &shared{}
	return func() simulate.Agent { return &Agent{s: s, sh: sh} }
}

// Reset starts the plugin's run for start.Actor.
func (a *Agent) Reset(ctx context.Context, start simulate.Start) error {
	a.actor, a.m = start.Actor, start.Model
	return a.s.AgentReset(ctx, abi.AgentResetRequest{Actor: start.Actor, Seed: start.Seed, Goals: start.Goals, Edges: a.sh.edgesOf(start.Model)})
}

// Act asks the plugin for the actor's action.
func (a *Agent) Act(ctx context.Context, obs simulate.Observation) (simulate.Action, error) {
	choices := a.sh.choices[:0]
	for _, c := range obs.Choices {
		choices = append(choices, abi.Action(c))
	}
	a.sh.choices = choices
	if a.planner == nil {
		a.planner = func(ctx context.Context, req abi.PlanRequest) (abi.PlanReply, error) {
			return a.plan(ctx, a.obs, req)
		}
	}
	a.obs = obs
	act, err := a.s.AgentAct(host.WithPlanner(ctx, a.planner), abi.AgentActRequest{Actor: a.actor, Observation: abi.Observation{Tick: obs.Tick,
		Location: obs.Location, Holdings: obs.Holdings, Goals: obs.Goals, Choices: choices}})
	a.obs = simulate.Observation{} // the simulator reuses its slices
	return simulate.Action(act), err
}

// plan answers a plan request of the plugin during its act on obs, as
// the built-in planner plans (agent.ProblemAt). A plan that does not
// exist, or that the search bound hides, is a reply without steps that
// says why; a request naming what the model does not have, or a criterion
// plan does not know, fails with invalid_request.
func (a *Agent) plan(ctx context.Context, obs simulate.Observation, req abi.PlanRequest) (abi.PlanReply, error) {
	crit := plan.Expected
	if req.Criterion != "" {
		c, err := plan.ParseCriterion(req.Criterion)
		if err != nil {
			return abi.PlanReply{}, abi.Errorf(abi.CodeInvalidRequest, "%v", err)
		}
		crit = c
	}
	start, err := plan.ForActor(a.m, a.actor)
	if err != nil {
		return abi.PlanReply{}, abi.Errorf(abi.CodeInvalidRequest, "%v", err)
	}
	p := agent.ProblemAt(a.m, start, obs, req.Gone)
	if len(req.Goals) > 0 {
		p.Goals = req.Goals
	}
	found, err := plan.FindContext(ctx, a.m, p, plan.Options{Criterion: crit})
	var bound *plan.BoundError
	switch {
	case errors.Is(err, plan.ErrNoPlan) || errors.As(err, &bound):
		return abi.PlanReply{Reason: err.Error()}, nil
	case ctx.Err() != nil:
		return abi.PlanReply{}, abi.Errorf(abi.CodeTimeout, "planning stopped: %v", ctx.Err())
	case err != nil:
		return abi.PlanReply{}, abi.Errorf(abi.CodeInvalidRequest, "%v", err)
	}
	rep := abi.PlanReply{Steps: make([]abi.Action, len(found.Steps))}
	for i, st := range found.Steps {
		rep.Steps[i] = abi.Action{Kind: st.Action, Target: st.Target + st.Possessible, Risk: st.Risk / 100, Time: st.Time}
	}
	return rep, nil
}

// Team returns the Config.Agent of a run whose actors play the agents
// assigned names (agent.Assign): the built-in ones, and plugin components
// through sessions, by name.
func Team(assigned map[string]string, sessions map[string]Session) func(actor string) (simulate.Agent, error) {
	plugins := make(map[string]func() simulate.Agent, len(sessions))
	for name, s := range sessions {
		plugins[name] = Agents(s)
	}
	return agent.Play(assigned, plugins)
}
