// Package agents lets agent plugins drive simulated actors: it adapts a
// session of an agent component (host.Session) to simulate.Agent,
// converting the simulator's types to the ABI's messages and back.
package agents

import (
	"context"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/sim/agent"
	"github.com/gatehouse/gatehouse/sim/model"
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
	s       Session
	actor   string
	edges   *edges
	choices []abi.Action // the choices of the last observation, reused
}

// edges is the connection graph of a model as the ABI gives it to agents,
// converted once for the agents that share it.
type edges struct {
	m     *model.Model
	edges []abi.Edge
}

// of returns the edges of m, every connection in the model's order.
func (e *edges) of(m *model.Model) []abi.Edge {
	if e.m != m {
		e.m, e.edges = m, make([]abi.Edge, len(m.Connections()))
		for i, c := range m.Connections() {
			e.edges[i] = abi.Edge{From: c.From, To: c.To}
		}
	}
	return e.edges
}

// New returns an agent played by the component of session s.
func New(s Session) *Agent { return &Agent{s: s, edges: &edges{}} }

// Agents returns the function that makes the agents of the actors that
// the component of session s plays in a run; they share the edges of the
// run's model, converted once.
func Agents(s Session) func() simulate.Agent {
	e := &edges{}
	return func() simulate.Agent { return &Agent{s: s, edges: e} }
}

// Reset starts the plugin's run for start.Actor.
func (a *Agent) Reset(ctx context.Context, start simulate.Start) error {
	a.actor = start.Actor
	return a.s.AgentReset(ctx, abi.AgentResetRequest{Actor: start.Actor, Seed: start.Seed, Goals: start.Goals, Edges: a.edges.of(start.Model)})
}

// Act asks the plugin for the actor's action.
func (a *Agent) Act(ctx context.Context, obs simulate.Observation) (simulate.Action, error) {
	a.choices = a.choices[:0]
	for _, c := range obs.Choices {
		a.choices = append(a.choices, abi.Action(c))
	}
	act, err := a.s.AgentAct(ctx, abi.AgentActRequest{Actor: a.actor, Observation: abi.Observation{Tick: obs.Tick,
		Location: obs.Location, Holdings: obs.Holdings, Goals: obs.Goals, Choices: a.choices}})
	return simulate.Action(act), err
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
