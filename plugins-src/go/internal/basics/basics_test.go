package basics

import (
	"fmt"
	"hash/fnv"
	"reflect"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
)

func TestManifest(t *testing.T) {
	r := registry.New()
	Register(r, "basics")
	m := r.Manifest()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := m.Kinds(); !reflect.DeepEqual(got, abi.Kinds) {
		t.Errorf("kinds = %v, want one or more of each of %v", got, abi.Kinds)
	}
}

func TestEcho(t *testing.T) {
	cmd := func(action string, target map[string]any) abi.ActuateRequest {
		return abi.ActuateRequest{Component: "echo", Command: abi.Command{Action: action, Target: target}}
	}
	tests := []struct {
		name string
		req  abi.ActuateRequest
		want abi.ActuateReply
	}{
		{"query features", cmd("query", map[string]any{"features": []any{"versions", "pairs", "rate_limit"}}),
			abi.ActuateReply{Status: 200, Results: map[string]any{"versions": []string{"1.0"}, "pairs": echoPairs}}},
		{"heartbeat", cmd("query", map[string]any{"features": []any{}}), abi.ActuateReply{Status: 200}},
		{"features not a list", cmd("query", map[string]any{"features": "versions"}),
			abi.ActuateReply{Status: 400, StatusText: "target features must be a list"}},
		{"supported pair", cmd("deny", map[string]any{"ipv4_net": "10.0.0.0/8"}),
			abi.ActuateReply{Status: 200, Results: map[string]any{"x-echo": map[string]any{"action": "deny", "target": map[string]any{"ipv4_net": "10.0.0.0/8"}}}}},
		{"unsupported pair", cmd("deny", map[string]any{"file": map[string]any{}}),
			abi.ActuateReply{Status: 501, StatusText: "command not supported: deny file"}},
		{"no target", cmd("deny", nil), abi.ActuateReply{Status: 400, StatusText: "target must have exactly one type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Echo(tt.req)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Echo = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestRequireReason(t *testing.T) {
	tests := []struct {
		name   string
		access map[string]any
		want   abi.ObligeReply
	}{
		{"reason", map[string]any{"reason": "ticket 42"}, abi.ObligeReply{Fulfilled: true}},
		{"missing", nil, abi.ObligeReply{Reason: "access.reason is missing"}},
		{"empty", map[string]any{"reason": ""}, abi.ObligeReply{Reason: "access.reason is empty"}},
		{"not a string", map[string]any{"reason": 7}, abi.ObligeReply{Reason: "access.reason is not a string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RequireReason(abi.ObligeRequest{Context: abi.Context{Access: tt.access}})
			if err != nil || got != tt.want {
				t.Errorf("RequireReason = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestWeekday(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		env     map[string]any
		want    any
		wantErr abi.Code
	}{
		{"in its own offset", "weekday", map[string]any{"time": "2025-03-14T23:30:00-05:00"}, "Friday", ""},
		{"no time", "weekday", nil, nil, ""},
		{"bad time", "weekday", map[string]any{"time": 12}, nil, abi.CodeInvalidRequest},
		{"other key", "month", nil, nil, abi.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Weekday(abi.EnvironmentRequest{Key: tt.key, Context: abi.Context{Environment: tt.env}})
			if got != tt.want {
				t.Errorf("Weekday = %v, want %v", got, tt.want)
			}
			if code := codeOf(err); code != tt.wantErr {
				t.Errorf("Weekday error %v, want code %q", err, tt.wantErr)
			}
		})
	}
}

func TestPathSegments(t *testing.T) {
	tests := []struct {
		path string
		want map[string]any
	}{
		{"/files/reports/q1.pdf", map[string]any{"segments": []string{"files", "reports", "q1.pdf"}, "resource": "files"}},
		{"//a//", map[string]any{"segments": []string{"a"}, "resource": "a"}},
		{"/", map[string]any{"segments": []string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := PathSegments(abi.ObjectRequest{Path: tt.path})
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("PathSegments = %#v, %v; want %#v", got, err, tt.want)
			}
		})
	}
}

func TestAgents(t *testing.T) {
	edges := []abi.Edge{{From: "lobby", To: "hall"}, {From: "hall", To: "vault"}, {From: "lobby", To: "cafe"}}
	choices := []abi.Action{{Kind: "move", Target: "cafe"}, {Kind: "move", Target: "hall", Risk: 0.5}, {Kind: "wait", Risk: 0.1}}
	tests := []struct {
		name    string
		agent   *agent
		reset   abi.AgentResetRequest
		obs     abi.Observation
		want    abi.Action
		wantErr abi.Code
	}{
		{"greedy takes a goal", greedy, abi.AgentResetRequest{Goals: []string{"cafe"}},
			abi.Observation{Choices: choices}, choices[0], ""},
		{"greedy plans toward a goal", greedy, abi.AgentResetRequest{Goals: []string{"vault"}, Edges: edges},
			abi.Observation{Location: "lobby", Choices: choices}, choices[1], ""},
		{"greedy prefers observed goals", greedy, abi.AgentResetRequest{Goals: []string{"cafe"}, Edges: edges},
			abi.Observation{Location: "lobby", Goals: []string{"vault"}, Choices: choices}, choices[1], ""},
		{"greedy takes the least risk", greedy, abi.AgentResetRequest{},
			abi.Observation{Location: "lobby", Choices: choices}, choices[0], ""},
		{"no choices: wait", greedy, abi.AgentResetRequest{}, abi.Observation{}, abi.Action{Kind: "wait"}, ""},
		{"random walk takes a goal", randomWalk, abi.AgentResetRequest{Goals: []string{"hall"}},
			abi.Observation{Choices: choices}, choices[1], ""},
		{"bad option", randomWalk, abi.AgentResetRequest{Options: map[string]string{"goal-bias": "maybe"}},
			abi.Observation{}, abi.Action{}, abi.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.reset.Actor = "a"
			err := tt.agent.reset(tt.reset)
			if err == nil {
				var got abi.Action
				got, err = tt.agent.act(abi.AgentActRequest{Actor: "a", Observation: tt.obs})
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("act = %+v, want %+v", got, tt.want)
				}
			}
			if code := codeOf(err); code != tt.wantErr {
				t.Errorf("error %v, want code %q", err, tt.wantErr)
			}
		})
	}
}

// TestGreedyPlansAgain checks that greedy plans anew when the goals it
// observes change, and past a goal it is at.
func TestGreedyPlansAgain(t *testing.T) {
	edges := []abi.Edge{{From: "lobby", To: "hall"}, {From: "hall", To: "lobby"}, {From: "hall", To: "vault"},
		{From: "lobby", To: "cafe"}, {From: "cafe", To: "shop"}, {From: "shop", To: "bank"}}
	if err := greedy.reset(abi.AgentResetRequest{Actor: "a", Goals: []string{"vault"}, Edges: edges}); err != nil {
		t.Fatal(err)
	}
	moves := []abi.Action{{Kind: "move", Target: "hall"}, {Kind: "move", Target: "cafe"}}
	for _, tt := range []struct {
		goals []string
		want  string
	}{{nil, "hall"}, {[]string{"bank"}, "cafe"}, {[]string{"lobby", "vault"}, "hall"}, {[]string{"lobby", "bank"}, "cafe"}, {[]string{"vault"}, "hall"}} {
		got, err := greedy.act(abi.AgentActRequest{Actor: "a", Observation: abi.Observation{Location: "lobby", Goals: tt.goals, Choices: moves}})
		if err != nil || got.Target != tt.want {
			t.Errorf("goals %q: act = %+v, %v; want a move to %s", tt.goals, got, err, tt.want)
		}
	}
}

func TestRandomWalkReplays(t *testing.T) {
	choices := []abi.Action{{Kind: "move", Target: "a"}, {Kind: "move", Target: "b"}, {Kind: "move", Target: "c"}, {Kind: "wait"}}
	walk := func(seed int64) []abi.Action {
		if err := randomWalk.reset(abi.AgentResetRequest{Actor: "x", Seed: seed, Goals: []string{"a"},
			Options: map[string]string{"goal-bias": "false"}}); err != nil {
			t.Fatal(err)
		}
		var out []abi.Action
		for tick := range int64(32) {
			a, err := randomWalk.act(abi.AgentActRequest{Actor: "x", Observation: abi.Observation{Tick: tick, Location: "here", Choices: choices}})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, a)
		}
		return out
	}
	first, again, other := walk(1), walk(1), walk(2)
	if !reflect.DeepEqual(first, again) {
		t.Error("the same seed gave different walks")
	}
	if reflect.DeepEqual(first, other) {
		t.Error("seeds 1 and 2 gave the same walk")
	}
	seen := map[abi.Action]bool{}
	for _, a := range first {
		seen[a] = true
	}
	if len(seen) < 3 {
		t.Errorf("32 steps took only %d distinct choices", len(seen))
	}
	if _, err := randomWalk.act(abi.AgentActRequest{Actor: "never-reset"}); codeOf(err) != abi.CodeInvalidRequest {
		t.Errorf("act without reset: error %v, want invalid_request", err)
	}
}

// codeOf returns the code of an *abi.Error, "" for nil.
func codeOf(err error) abi.Code {
	if err == nil {
		return ""
	}
	if e, ok := err.(*abi.Error); ok {
		return e.Code
	}
	return "not an *abi.Error"
}

// TestGreedyThroughRegistry plays greedy through a Registry, as the plugin
// serves it: a step allocates nothing once its like has been seen, and the
// run keeps its goals while later requests reuse the reset's values.
func TestGreedyThroughRegistry(t *testing.T) {
	r := registry.New()
	Register(r, "basics")
	call := func(export string, req any) []byte {
		b, err := abi.AppendMsgpack(nil, req)
		if err != nil {
			t.Fatal(err)
		}
		return r.AppendCall(nil, export, b)
	}
	edges := []abi.Edge{{From: "lobby", To: "hall"}, {From: "hall", To: "vault"}, {From: "lobby", To: "cafe"}}
	call(abi.ExportAgentReset, abi.AgentResetRequest{Component: "greedy", Actor: "a", Goals: []string{"vault"}, Edges: edges})
	call(abi.ExportAgentReset, abi.AgentResetRequest{Component: "greedy", Actor: "b", Goals: []string{"cafe", "shop"}})
	step, err := abi.AppendMsgpack(nil, abi.AgentActRequest{Component: "greedy", Actor: "a", Observation: abi.Observation{
		Tick: 7, Location: "lobby", Holdings: []string{"badge"},
		Choices: []abi.Action{{Kind: "move", Target: "cafe"}, {Kind: "move", Target: "hall", Risk: 0.5}, {Kind: "wait", Risk: 0.1}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var reply []byte
	allocs := testing.AllocsPerRun(100, func() { reply = r.AppendCall(reply[:0], abi.ExportAgentAct, step) })
	var got abi.Reply[abi.AgentActReply]
	if err := abi.UnmarshalMsgpack(reply, &got); err != nil || got.OK == nil || got.OK.Action.Target != "hall" {
		t.Fatalf("act = %s, %v; want a move to hall", reply, err)
	}
	if allocs != 0 {
		t.Errorf("a step allocated %v times, want none", allocs)
	}
}

// TestGreedyResetSharesGraph checks that the actors reset with the same
// edges share one graph, so that resetting an actor again with them
// allocates nothing, while a reset with other edges gets a graph of its
// own and leaves the runs on the first one as they were.
func TestGreedyResetSharesGraph(t *testing.T) {
	a := &agent{runs: map[string]*run{}}
	var edges []abi.Edge
	for i := range 1000 {
		edges = append(edges, abi.Edge{From: fmt.Sprint("l", i), To: fmt.Sprint("l", (i+1)%1000)})
	}
	goals := []string{"l999"}
	reset := func(actor string, edges []abi.Edge) {
		if err := a.reset(abi.AgentResetRequest{Actor: actor, Goals: goals, Edges: edges}); err != nil {
			t.Fatal(err)
		}
	}
	reset("a", edges)
	reset("b", slices.Clone(edges))
	if a.runs["a"].plan.g != a.runs["b"].plan.g {
		t.Error("two actors reset with the same edges have a graph each")
	}
	if allocs := testing.AllocsPerRun(10, func() { reset("b", edges) }); allocs != 0 {
		t.Errorf("resetting an actor again with the same edges allocated %v times, want none", allocs)
	}
	reset("c", edges[:2])
	hop := func(actor, from string) string {
		act, err := a.act(abi.AgentActRequest{Actor: actor, Observation: abi.Observation{Location: from,
			Choices: []abi.Action{{Kind: "move", Target: "l1"}, {Kind: "move", Target: "l2"}, {Kind: "wait"}}}})
		if err != nil {
			t.Fatal(err)
		}
		return act.Target
	}
	if got := hop("a", "l1"); got != "l2" {
		t.Errorf("after a reset on other edges, the first run moved to %q, want l2", got)
	}
	if got := hop("c", "l1"); got != "l1" {
		t.Errorf("on two edges that do not reach its goal, an actor moved to %q, want the first least risky choice, l1", got)
	}
}

// TestFNV64a checks the random walk's hash against package hash/fnv's.
func TestFNV64a(t *testing.T) {
	for _, s := range []string{"", "a", "lobby", "l918"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := fnv64a(s), h.Sum64(); got != want {
			t.Errorf("fnv64a(%q) = %#x, want %#x", s, got, want)
		}
	}
}
