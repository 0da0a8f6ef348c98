package capability

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
)

// callPlan makes the guest ask for a plan with the raw request req for c,
// during a call whose context is call, and returns the outcome.
func (g *guest) callPlan(c *Caller, call context.Context, req []byte) ([]byte, *abi.Error) {
	g.t.Helper()
	c.Call = call
	defer func() { c.Call = nil }()
	return g.call(c, fnPlan, req)
}

func TestPlan(t *testing.T) {
	g := newGuest(t)
	c, _ := newCaller(Grants{})
	var got abi.PlanRequest
	call := WithPlanner(context.Background(), func(_ context.Context, req abi.PlanRequest) (abi.PlanReply, error) {
		got = req
		return abi.PlanReply{Steps: []abi.Action{{Kind: "take", Target: "key"}, {Kind: "move", Target: "vault", Risk: 0.5, Time: 2}}}, nil
	})
	out, e := g.callPlan(c, call, marshal(t, abi.PlanRequest{Gone: []string{"pin"}, Criterion: "fastest"}))
	if e != nil {
		t.Fatal(e)
	}
	if rep := unmarshal[abi.PlanReply](t, out); len(rep.Steps) != 2 || rep.Steps[1] != (abi.Action{Kind: "move", Target: "vault", Risk: 0.5, Time: 2}) {
		t.Errorf("reply %+v", rep)
	}
	if len(got.Gone) != 1 || got.Gone[0] != "pin" || got.Criterion != "fastest" {
		t.Errorf("the planner got %+v", got)
	}
}

// TestHostilePlan checks that plan refuses, with an error and without
// running the planner, a call outside an act, a request over its limit and
// one that is not a PlanRequest; and that a planner's error reaches the
// guest.
func TestHostilePlan(t *testing.T) {
	g := newGuest(t)
	c, _ := newCaller(Grants{})
	ran := false
	act := WithPlanner(context.Background(), func(context.Context, abi.PlanRequest) (abi.PlanReply, error) {
		ran = true
		return abi.PlanReply{}, abi.Errorf(abi.CodeInvalidRequest, "no location \"x\"")
	})
	ok := marshal(t, abi.PlanRequest{})
	tests := []struct {
		name  string
		call  context.Context
		req   []byte
		code  abi.Code
		inMsg string
	}{
		{"outside an act", nil, ok, abi.CodeUnsupported, "plan: plans are made only during a call of gatehouse_agent_act"},
		{"a call with no planner", context.Background(), ok, abi.CodeUnsupported, "only during a call of"},
		{"huge request", act, make([]byte, maxPlanRequest+1), abi.CodeInvalidRequest, "request of 65537 bytes exceeds the limit of 65536 bytes"},
		{"garbage", act, []byte{0xc1, 0xff, 0x00}, abi.CodeInvalidRequest, "decode request"},
		{"not a map", act, marshal(t, []string{"vault"}), abi.CodeInvalidRequest, "decode request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := g.callPlan(c, tt.call, tt.req)
			wantCode(t, e, tt.code)
			if e != nil && !strings.Contains(e.Message, tt.inMsg) {
				t.Errorf("message %q does not say %q", e.Message, tt.inMsg)
			}
			if ran {
				t.Error("the planner ran")
			}
		})
	}
	_, e := g.callPlan(c, act, ok)
	wantCode(t, e, abi.CodeInvalidRequest)
	if !ran || e == nil || e.Message != `plan: no location "x"` {
		t.Errorf("the planner's error reached the guest as %v", e)
	}
}
