package simulate

import (
	"context"

	"github.com/gatehouse/gatehouse/abi"
)

// Agent chooses the actions of one actor during a run. It has the shape of
// the ABI's agent kind (gatehouse_agent_reset, gatehouse_agent_act), so
// that built-in Go agents and agent plugins are interchangeable.
type Agent interface {
	// Reset starts the agent on a new run for req.Actor, with the run's
	// seed, the actor's goals and every connection as an edge. req.Edges
	// is shared between the agents of a run and must not be modified.
	Reset(ctx context.Context, req abi.AgentResetRequest) error
	// Act returns the action the actor takes now: its kind and target must
	// be those of one of obs.Choices (its risk and time do not matter).
	// obs.Goals are the goals not met now. The slices of obs are reused
	// once Act returns.
	Act(ctx context.Context, obs abi.Observation) (abi.Action, error)
}

// The kinds of abi.Action the simulator offers.
const (
	KindMove = "move"
	KindTake = "take"
	KindRead = "read"
	KindDrop = "drop"
	KindWait = "wait"
)
