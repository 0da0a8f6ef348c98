package agent

import (
	"context"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
)

// edges: hall -> office -> vault, hall -> lab -> vault, vault -> hall.
var edges = []abi.Edge{{From: "hall", To: "office"}, {From: "office", To: "vault"}, {From: "hall", To: "lab"}, {From: "lab", To: "vault"}, {From: "vault", To: "hall"}}

func move(to string, risk float64) abi.Action {
	return abi.Action{Kind: "move", Target: to, Risk: risk, Time: 1}
}

func TestShortestPath(t *testing.T) {
	wait := abi.Action{Kind: "wait", Time: 1}
	take := abi.Action{Kind: "take", Target: "key", Time: 1}
	cases := []struct {
		name    string
		goals   []string
		at      string
		choices []abi.Action
		want    abi.Action
	}{
		{"toward the goal, least risky first", []string{"vault"}, "hall", []abi.Action{move("office", 0.5), move("lab", 0.1), wait}, move("lab", 0.1)},
		{"into the goal", []string{"vault"}, "office", []abi.Action{move("vault", 0.2), wait}, move("vault", 0.2)},
		{"a goal possessible", []string{"plans"}, "hall", []abi.Action{move("lab", 0), {Kind: "take", Target: "plans", Time: 1}}, abi.Action{Kind: "take", Target: "plans", Time: 1}},
		{"never a sure failure", []string{"vault"}, "office", []abi.Action{move("vault", 1), take, wait}, take},
		{"take when the way is shut", []string{"vault"}, "hall", []abi.Action{take, wait}, take},
		{"wait when nothing else", []string{"vault"}, "hall", []abi.Action{wait}, abi.Action{Kind: "wait"}},
		{"wander when no way is closer", []string{"vault"}, "office", []abi.Action{move("hall", 0), wait}, move("hall", 0)},
		{"wait without goals", nil, "hall", []abi.Action{move("lab", 0), take, wait}, abi.Action{Kind: "wait"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := &ShortestPath{}
			if err := a.Reset(context.Background(), abi.AgentResetRequest{Actor: "eve", Seed: 1, Goals: tc.goals, Edges: edges}); err != nil {
				t.Fatal(err)
			}
			got, err := a.Act(context.Background(), abi.Observation{Location: tc.at, Choices: tc.choices})
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Act = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestRandomWalk(t *testing.T) {
	choices := []abi.Action{move("office", 0), move("lab", 0), {Kind: "wait", Time: 1}}
	walk := func(seed int64) []abi.Action {
		w := &RandomWalk{}
		w.Reset(context.Background(), abi.AgentResetRequest{Actor: "eve", Seed: seed, Goals: []string{"vault"}})
		var out []abi.Action
		for range 50 {
			a, _ := w.Act(context.Background(), abi.Observation{Location: "hall", Choices: choices})
			out = append(out, a)
		}
		return out
	}
	a, b := walk(5), walk(5)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed walked differently")
	}
	seen := map[string]bool{}
	for _, x := range a {
		seen[x.Kind+x.Target] = true
	}
	if len(seen) != 3 {
		t.Errorf("50 steps took only %v", seen)
	}
	w := &RandomWalk{}
	w.Reset(context.Background(), abi.AgentResetRequest{Actor: "eve", Goals: []string{"lab"}})
	if got, _ := w.Act(context.Background(), abi.Observation{Choices: choices}); got.Target != "lab" {
		t.Errorf("the walk passed up its goal: %+v", got)
	}
}

func TestTeam(t *testing.T) {
	var team Team
	for _, n := range Names {
		if _, ok := team.New(n); !ok {
			t.Errorf("New(%q) failed", n)
		}
	}
	if _, ok := team.New("oracle"); ok {
		t.Error("New(oracle) succeeded")
	}
	// Agents of a team share the index of the same edges, and only of
	// the same edges.
	a, _ := team.New("shortest")
	b, _ := team.New("shortest")
	ctx := context.Background()
	a.Reset(ctx, abi.AgentResetRequest{Actor: "a", Goals: []string{"vault"}, Edges: edges})
	b.Reset(ctx, abi.AgentResetRequest{Actor: "b", Goals: []string{"lab"}, Edges: edges})
	if a.(*ShortestPath).g != b.(*ShortestPath).g {
		t.Error("agents of one team indexed the same edges twice")
	}
	other := append([]abi.Edge(nil), edges...)
	b.Reset(ctx, abi.AgentResetRequest{Actor: "b", Goals: []string{"lab"}, Edges: other})
	if a.(*ShortestPath).g == b.(*ShortestPath).g {
		t.Error("an agent reused the index of other edges")
	}
	if got, _ := b.Act(ctx, abi.Observation{Location: "hall", Choices: []abi.Action{move("office", 0), move("lab", 0)}}); got.Target != "lab" {
		t.Errorf("b chose %+v", got)
	}
}
