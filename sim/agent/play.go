package agent

import (
	"fmt"

	"github.com/gatehouse/gatehouse/sim/simulate"
)

// Play returns the Config.Agent of a run whose actors play the agents
// assigned names (Assign): the built-in ones, and the others made by
// plugins, by name, one agent per actor.
func Play(assigned map[string]string, plugins map[string]func() simulate.Agent) func(actor string) (simulate.Agent, error) {
	return func(actor string) (simulate.Agent, error) {
		name := assigned[actor]
		if a, ok := New(name); ok {
			return a, nil
		}
		newAgent, ok := plugins[name]
		if !ok {
			return nil, fmt.Errorf("no plugin plays the agent %q", name)
		}
		return newAgent(), nil
	}
}
