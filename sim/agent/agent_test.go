package agent

import (
	"context"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// building: hall -> office -> vault, hall -> lab -> vault, vault -> hall.
const building = `
locations { hall; office; lab; vault; }
possessibles { credential key; }
connections {
  hall -> office { *: m } office -> vault { key: m }
  hall -> lab { *: m } lab -> vault { *: m }
  vault -> hall { *: m }
}`

func load(t *testing.T, src string) *model.Model {
	t.Helper()
	m, err := lang.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func move(to string, risk float64) simulate.Action {
	return simulate.Action{Kind: "move", Target: to, Risk: risk, Time: 1}
}

func TestShortestPath(t *testing.T) {
	wait := simulate.Action{Kind: "wait", Time: 1}
	take := simulate.Action{Kind: "take", Target: "key", Time: 1}
	cases := []struct {
		name    string
		goals   []string
		at      string
		choices []simulate.Action
		want    simulate.Action
	}{
		{"toward the goal, least risky first", []string{"vault"}, "hall", []simulate.Action{move("office", 0.5), move("lab", 0.1), wait}, move("lab", 0.1)},
		{"into the goal", []string{"vault"}, "office", []simulate.Action{move("vault", 0.2), wait}, move("vault", 0.2)},
		{"a goal possessible", []string{"plans"}, "hall", []simulate.Action{move("lab", 0), {Kind: "take", Target: "plans", Time: 1}}, simulate.Action{Kind: "take", Target: "plans", Time: 1}},
		{"never a sure failure", []string{"vault"}, "office", []simulate.Action{move("vault", 1), take, wait}, take},
		{"take when the way is shut", []string{"vault"}, "hall", []simulate.Action{take, wait}, take},
		{"wait when nothing else", []string{"vault"}, "hall", []simulate.Action{wait}, simulate.Action{Kind: "wait"}},
		{"wander when no way is closer", []string{"vault"}, "office", []simulate.Action{move("hall", 0), wait}, move("hall", 0)},
		{"wait without goals", nil, "hall", []simulate.Action{move("lab", 0), take, wait}, simulate.Action{Kind: "wait"}},
	}
	m := load(t, building)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := &ShortestPath{}
			if err := a.Reset(context.Background(), simulate.Start{Actor: "eve", Seed: 1, Goals: tc.goals, Model: m}); err != nil {
				t.Fatal(err)
			}
			got, err := a.Act(context.Background(), simulate.Observation{Location: tc.at, Choices: tc.choices})
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Act = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestRandomWalk(t *testing.T) {
	choices := []simulate.Action{move("office", 0), move("lab", 0), {Kind: "wait", Time: 1}}
	walk := func(seed int64) []simulate.Action {
		w := &RandomWalk{}
		w.Reset(context.Background(), simulate.Start{Actor: "eve", Seed: seed, Goals: []string{"vault"}})
		var out []simulate.Action
		for range 50 {
			a, _ := w.Act(context.Background(), simulate.Observation{Location: "hall", Choices: choices})
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
	w.Reset(context.Background(), simulate.Start{Actor: "eve", Goals: []string{"lab"}})
	if got, _ := w.Act(context.Background(), simulate.Observation{Choices: choices}); got.Target != "lab" {
		t.Errorf("the walk passed up its goal: %+v", got)
	}
}

func TestNew(t *testing.T) {
	for _, n := range Names {
		if _, ok := New(n); !ok {
			t.Errorf("New(%q) failed", n)
		}
	}
	if _, ok := New("oracle"); ok {
		t.Error("New(oracle) succeeded")
	}
}

// TestShortestPathCountsEveryConnection checks that the distances count
// connections that no one may cross, as the edges agent plugins are given
// do: from the hall, the office is as near the vault as the lab.
func TestShortestPathCountsEveryConnection(t *testing.T) {
	m := load(t, `
connections { hall -> office { *: m } office -> vault { } hall -> lab { *: m } lab -> annex { *: m } annex -> vault { *: m } }`)
	a, _ := New("shortest")
	ctx := context.Background()
	a.Reset(ctx, simulate.Start{Actor: "eve", Goals: []string{"vault"}, Model: m})
	if got, _ := a.Act(ctx, simulate.Observation{Location: "hall", Choices: []simulate.Action{move("lab", 0), move("office", 0)}}); got.Target != "office" {
		t.Errorf("chose %+v", got)
	}
}
