package agents_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/agents"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// recorder is a Session that records the requests and moves to the last
// choice.
type recorder struct {
	resets []abi.AgentResetRequest
	acts   []abi.AgentActRequest
}

func (r *recorder) AgentReset(_ context.Context, req abi.AgentResetRequest) error {
	r.resets = append(r.resets, req)
	return nil
}

func (r *recorder) AgentAct(_ context.Context, req abi.AgentActRequest) (abi.Action, error) {
	req.Observation.Choices = slices.Clone(req.Observation.Choices) // reused by the agent
	r.acts = append(r.acts, req)
	return req.Observation.Choices[len(req.Observation.Choices)-1], nil
}

// TestAgentConverts checks that an agent gives the plugin what the
// simulator tells it, as the ABI's messages: each actor's reset with the
// model's connections as edges, in the model's order, and each
// observation; and that it returns the plugin's action.
func TestAgentConverts(t *testing.T) {
	m, err := lang.Parse([]byte(`connections { lab -> hall { } hall -> lab { *: m } }`))
	if err != nil {
		t.Fatal(err)
	}
	s := &recorder{}
	newAgent := agents.Agents(s)
	ann, bob := newAgent(), newAgent()
	ctx := context.Background()
	ann.Reset(ctx, simulate.Start{Actor: "ann", Seed: 1, Goals: []string{"lab"}, Model: m})
	bob.Reset(ctx, simulate.Start{Actor: "bob", Seed: 2, Model: m})
	edges := []abi.Edge{{From: "hall", To: "lab"}, {From: "lab", To: "hall"}}
	wantResets := []abi.AgentResetRequest{{Actor: "ann", Seed: 1, Goals: []string{"lab"}, Edges: edges}, {Actor: "bob", Seed: 2, Edges: edges}}
	if !reflect.DeepEqual(s.resets, wantResets) {
		t.Errorf("resets = %+v, want %+v", s.resets, wantResets)
	}
	if &s.resets[0].Edges[0] != &s.resets[1].Edges[0] {
		t.Error("the agents of one component converted the model twice")
	}
	obs := simulate.Observation{Tick: 3, Location: "hall", Holdings: []string{"key"}, Goals: []string{"lab"},
		Choices: []simulate.Action{{Kind: "wait", Time: 1}, {Kind: "move", Target: "lab", Risk: 0.5, Time: 2}}}
	for _, a := range []simulate.Agent{bob, ann} {
		got, err := a.Act(ctx, obs)
		if want := obs.Choices[1]; err != nil || got != want {
			t.Errorf("Act = %+v, %v; want %+v", got, err, want)
		}
	}
	wantObs := abi.Observation{Tick: 3, Location: "hall", Holdings: []string{"key"}, Goals: []string{"lab"},
		Choices: []abi.Action{{Kind: "wait", Time: 1}, {Kind: "move", Target: "lab", Risk: 0.5, Time: 2}}}
	wantActs := []abi.AgentActRequest{{Actor: "bob", Observation: wantObs}, {Actor: "ann", Observation: wantObs}}
	if !reflect.DeepEqual(s.acts, wantActs) {
		t.Errorf("acts = %+v, want %+v", s.acts, wantActs)
	}
}

// TestPluginAgentsRunASimulation runs a model whose actors are played by
// the greedy agent of the basics plugin, built from source, through one
// host session.
func TestPluginAgentsRunASimulation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go plugin")
	}
	wasm := wasmbuild.Go(t, "plugins-src/go/basics")
	dir := t.TempDir()
	b, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "basics.wasm"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := host.New(host.Config{PluginDir: dir, CacheDir: wasmbuild.CacheDir(t, "wazero"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	defer h.Close(ctx)
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := h.Session(ctx, abi.KindAgent, "greedy")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m, err := lang.Parse([]byte(`
connections { hall -> office { *: m } hall -> lab { *: m } lab -> vault { *: m (0%, 2) } office -> hall { *: m } }
actors { eve { at hall; goals vault; } joe { at office; goals vault; } }`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := simulate.Run(ctx, m, simulate.Config{Seed: 1, Ticks: 20,
		Agent: func(string) (simulate.Agent, error) { return agents.New(s), nil }})
	if err != nil {
		t.Fatal(err)
	}
	// eve: hall -> lab -> vault (2 ticks): met at tick 1. joe: office ->
	// hall -> lab -> vault: met at tick 2.
	if res.Reason != simulate.ReasonGoals || res.Actors[0].GoalsMet != 1 || res.Actors[1].GoalsMet != 2 {
		t.Errorf("result = %+v", res)
	}
}

// first is a Session that takes the first choice.
type first struct{}

func (first) AgentReset(context.Context, abi.AgentResetRequest) error { return nil }

func (first) AgentAct(_ context.Context, req abi.AgentActRequest) (abi.Action, error) {
	return req.Observation.Choices[0], nil
}

// TestActAllocs checks that an act allocates only the context that
// carries the agent's planner to the plugin call.
func TestActAllocs(t *testing.T) {
	a := agents.New(first{})
	obs := simulate.Observation{Tick: 3, Location: "hall", Goals: []string{"lab"},
		Choices: []simulate.Action{{Kind: "move", Target: "lab", Risk: 0.5, Time: 2}, {Kind: "wait", Time: 1}}}
	ctx := context.Background()
	if allocs := testing.AllocsPerRun(100, func() { a.Act(ctx, obs) }); allocs > 1 {
		t.Errorf("an act allocated %v times, want 1 at most", allocs)
	}
}
