package capability

import (
	"context"

	"github.com/tetratelabs/wazero/api"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

// maxPlanRequest is the largest request plan reads: goals and gone
// possessibles are names, a few dozen of them at most.
const maxPlanRequest = 64 << 10

// Planner answers the plan requests of an agent act: it plans for the
// act's actor from the state the act observes. It returns when ctx is
// done, with its error.
type Planner func(ctx context.Context, req abi.PlanRequest) (abi.PlanReply, error)

type plannerKey struct{}

// WithPlanner returns a copy of ctx carrying p, for the call of an agent
// act whose plan requests p answers.
func WithPlanner(ctx context.Context, p Planner) context.Context {
	return context.WithValue(ctx, plannerKey{}, p)
}

// PlannerFrom returns the Planner in ctx, nil if it has none.
func PlannerFrom(ctx context.Context) Planner {
	p, _ := ctx.Value(plannerKey{}).(Planner)
	return p
}

// planRequest is plan(req_ptr, req_len): it asks the Planner of the call
// in progress (WithPlanner, in Caller.Call) for a plan and returns the
// msgpack abi.PlanReply. A call with no Planner, outside an agent act,
// fails with unsupported; a request over 64 KiB or that does not decode
// fails with invalid_request before the planner runs. The planner stops
// when ctx ends: when the call passes its timeout or its caller's
// deadline, which interrupts the plugin too.
func planRequest(ctx context.Context, c *Caller, mem guestMemory, params []uint64) ([]byte, error) {
	var p Planner
	if c.Call != nil {
		p = PlannerFrom(c.Call)
	}
	if p == nil {
		return nil, abi.Errorf(abi.CodeUnsupported, "plans are made only during a call of %s, for its actor", abi.ExportAgentAct)
	}
	n := api.DecodeU32(params[1])
	if n > maxPlanRequest {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "request of %d bytes exceeds the limit of %d bytes", n, maxPlanRequest)
	}
	var req abi.PlanRequest
	if err := mem.decode(api.DecodeU32(params[0]), n, &req); err != nil {
		return nil, err
	}
	rep, err := p(ctx, req)
	if err != nil {
		return nil, err
	}
	return msgpack.Marshal(&rep)
}
