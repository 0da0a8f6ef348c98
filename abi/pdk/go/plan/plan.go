// Package plan asks the Gatehouse host for plans through the plan
// capability (ABI 1.3): during an agent's act, the plan of the act's actor
// from the state it observes to its goals, picking up on the way the
// credentials it needs. Every plugin may plan, but a plugin that imports
// this package must declare abi.CapPlan with pdk.Require.
//
// Failures are *abi.Error values: unsupported outside an agent's act,
// invalid_request for a request that names what the model does not have,
// timeout when the act's time is up. Outside GOOS=wasip1 Find fails with
// code unavailable.
package plan

import (
	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/internal/hostcall"
)

// Find returns the plan for req: no steps, and the reason, when there is
// none.
func Find(req abi.PlanRequest) (abi.PlanReply, error) {
	return hostcall.RoundTrip[abi.PlanRequest, abi.PlanReply](hostPlan, &req)
}
