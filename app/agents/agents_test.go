package agents_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/agents"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// recorder is a Session that records the requests and moves to the first
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
	r.acts = append(r.acts, req)
	return req.Observation.Choices[0], nil
}

func TestAgentPassesTheActor(t *testing.T) {
	s := &recorder{}
	ann, bob := agents.New(s), agents.New(s)
	ctx := context.Background()
	ann.Reset(ctx, abi.AgentResetRequest{Actor: "ann", Seed: 1})
	bob.Reset(ctx, abi.AgentResetRequest{Actor: "bob", Seed: 2})
	obs := abi.Observation{Tick: 3, Location: "hall", Choices: []abi.Action{{Kind: "wait", Time: 1}}}
	if _, err := bob.Act(ctx, obs); err != nil {
		t.Fatal(err)
	}
	if _, err := ann.Act(ctx, obs); err != nil {
		t.Fatal(err)
	}
	want := []abi.AgentActRequest{{Actor: "bob", Observation: obs}, {Actor: "ann", Observation: obs}}
	if !reflect.DeepEqual(s.acts, want) || len(s.resets) != 2 {
		t.Errorf("acts = %+v, resets = %+v", s.acts, s.resets)
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
