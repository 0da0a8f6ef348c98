package simulate

import (
	"context"

	"github.com/gatehouse/gatehouse/sim/model"
)

// Agent chooses the actions of one actor during a run. The built-in
// agents (package sim/agent) implement it, and so do agent plugins through
// the adapter that converts these types to the ABI's messages and back, so
// that the two are interchangeable.
type Agent interface {
	// Reset starts the agent on a new run.
	Reset(ctx context.Context, start Start) error
	// Act returns the action the actor takes now: its kind and target must
	// be those of one of obs.Choices (its risk and time do not matter).
	// obs.Goals are the goals not met now. The slices of obs are reused
	// once Act returns.
	Act(ctx context.Context, obs Observation) (Action, error)
}

// Start is what an agent is told at the start of a run.
type Start struct {
	// Actor is the actor the agent plays.
	Actor string
	// Seed is the run's seed: an agent that draws from a random source
	// seeded with it keeps the run reproducible.
	Seed int64
	// Goals are the actor's goals: locations to reach, possessibles to
	// hold or documents to read.
	Goals []string
	// Model is the model being run, shared by the agents of the run and not
	// to be modified. Agents that plan find their way through its
	// connection graph with package sim/paths.
	Model *model.Model
}

// Action is an action of an actor: a kind (KindMove, KindTake, KindRead,
// KindDrop or KindWait) and its target, a location or a possessible.
type Action struct {
	Kind   string
	Target string
	// Risk (0 to 1) and Time (ticks) annotate the actions offered to an
	// agent.
	Risk float64
	Time int64
}

// Observation is what an actor sees when it is free to act.
type Observation struct {
	Tick     int64
	Location string
	Holdings []string
	Goals    []string
	// Choices are the actions the actor may take now.
	Choices []Action
}

// The kinds of Action the simulator offers.
const (
	KindMove = "move"
	KindTake = "take"
	KindRead = "read"
	KindDrop = "drop"
	KindWait = "wait"
)
