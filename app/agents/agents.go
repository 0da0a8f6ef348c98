// Package agents lets agent plugins drive simulated actors: it adapts a
// session of an agent component (host.Session) to simulate.Agent.
package agents

import (
	"context"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/sim/agent"
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

// Agent is the agent of one actor, played by a plugin component.
type Agent struct {
	s     Session
	actor string
}

// New returns an agent played by the component of session s.
func New(s Session) *Agent { return &Agent{s: s} }

// Reset starts the plugin's run for req.Actor.
func (a *Agent) Reset(ctx context.Context, req abi.AgentResetRequest) error {
	a.actor = req.Actor
	return a.s.AgentReset(ctx, req)
}

// Act asks the plugin for the actor's action.
func (a *Agent) Act(ctx context.Context, obs abi.Observation) (abi.Action, error) {
	return a.s.AgentAct(ctx, abi.AgentActRequest{Actor: a.actor, Observation: obs})
}

// Team returns the Config.Agent of a run whose actors play the agents
// assigned names (agent.Assign): the built-in ones, and plugin components
// through sessions, by name.
func Team(assigned map[string]string, sessions map[string]Session) func(actor string) (simulate.Agent, error) {
	plugins := make(map[string]func() simulate.Agent, len(sessions))
	for name, s := range sessions {
		plugins[name] = func() simulate.Agent { return New(s) }
	}
	return agent.Play(assigned, plugins)
}
