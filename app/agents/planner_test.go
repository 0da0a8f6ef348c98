package agents_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/agents"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/sim/agent"
	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// datacentre parses examples/datacentre.model.
func datacentre(t *testing.T) *model.Model {
	t.Helper()
	src, err := os.ReadFile("../../examples/datacentre.model")
	if err != nil {
		t.Fatal(err)
	}
	m, err := lang.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// actorLines returns the trace entries of actor, without the header.
func actorLines(trace []byte, actor string) []byte {
	var out []byte
	for line := range bytes.Lines(trace) {
		if bytes.Contains(line, []byte(`"actor":"`+actor+`"`)) {
			out = append(out, line...)
		}
	}
	return out
}

// TestPlannerInEveryLanguage runs examples/datacentre.model with every
// actor played by the agent planner of each native basics plugin, which
// asks the host for plans: the technician takes the cage key at tick 6 and
// meets his goal at tick 8, as with the built-in planner, whose steps he
// takes one for one; the intruder, finding the key gone, turns to greedy.
// Every language's trace is the Go plugin's.
func TestPlannerInEveryLanguage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins in every language")
	}
	m := datacentre(t)
	var builtin bytes.Buffer
	if _, err := simulate.Run(t.Context(), m, simulate.Config{Seed: 1, Ticks: 60, Trace: &builtin,
		Agent: func(string) (simulate.Agent, error) { a, _ := agent.New("planner"); return a, nil }}); err != nil {
		t.Fatal(err)
	}
	var want []byte
	for _, p := range agentPlugins(t) {
		if p.Name == "basics-extism" {
			continue // the Extism binding has no plan
		}
		t.Run(p.Name, func(t *testing.T) {
			s := agentSession(t, p, "planner", host.Limits{Timeout: time.Minute})
			res, trace := runTrace(t, s, m, 1, 60)
			checkLegal(t, m, trace)
			take := `{"tick":6,"actor":"tech","action":"take","source":"noc","possessible":"cage key"`
			if !bytes.Contains(trace, []byte(take)) {
				t.Errorf("the technician did not take the cage key at tick 6:\n%s", actorLines(trace, "tech"))
			}
			for _, a := range res.Actors {
				if a.Name == "tech" && a.GoalsMet != 8 {
					t.Errorf("the technician met his goals at tick %d, want 8", a.GoalsMet)
				}
			}
			if got, want := actorLines(trace, "tech"), actorLines(builtin.Bytes(), "tech"); !bytes.Equal(got, want) {
				t.Errorf("the technician's steps differ from the built-in planner's:\n%s\nwant\n%s", got, want)
			}
			if want == nil {
				want = trace // the Go plugin comes first
			} else if !bytes.Equal(trace, want) {
				t.Errorf("the trace differs from the Go plugin's at line %d", firstDiff(trace, want))
			}
		})
	}
}

// loopingAgent assembles an agent plugin whose act asks the host for a
// plan, passing its act request as the plan request, again and again for
// ever; its reset answers at once.
func loopingAgent(t *testing.T) string {
	t.Helper()
	manifest := abi.Manifest{ABI: abi.Version, Name: "looper", Version: "1.0.0", Capabilities: []abi.Capability{abi.CapPlan},
		Components: []abi.Component{{Kind: abi.KindAgent, Name: "looper"}}}
	var c abi.Codec
	describe, err := c.Append(nil, abi.Reply[abi.Manifest]{OK: &manifest})
	if err != nil {
		t.Fatal(err)
	}
	reset, err := c.Append(nil, abi.Reply[abi.AgentResetReply]{OK: &abi.AgentResetReply{}})
	if err != nil {
		t.Fatal(err)
	}
	hex := func(b []byte) string {
		var s strings.Builder
		for _, c := range b {
			fmt.Fprintf(&s, `\%02x`, c)
		}
		return s.String()
	}
	return wasmbuild.WAT(t, fmt.Sprintf(`(module
  (import "gatehouse" "plan" (func $plan (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 1024) "%s")
  (data (i32.const 4096) "%s")
  (func (export %q))
  (func (export %q) (param i32) (result i32) (i32.const 65536))
  (func (export %q) (param i32 i32))
  (func (export %q) (param i32 i32) (result i64) (i64.const %d))
  (func (export %q) (param i32 i32) (result i64) (i64.const %d))
  (func (export %q) (param i32 i32) (result i64)
    (loop $again (drop (call $plan (local.get 0) (local.get 1))) (br $again))
    (unreachable))
)`, hex(describe), hex(reset), abi.Marker, abi.ExportAlloc, abi.ExportFree,
		abi.ExportDescribe, abi.PackReply(1024, uint32(len(describe))),
		abi.ExportAgentReset, abi.PackReply(4096, uint32(len(reset))), abi.ExportAgentAct))
}

// TestHostilePlanLoop runs an agent that asks for plans in a loop that
// never ends: its act fails with a timeout when the call's limit passes,
// the run ends with the error, and the host goes on serving.
func TestHostilePlanLoop(t *testing.T) {
	m := datacentre(t)
	h, err := host.New(host.Config{
		CacheDir: wasmbuild.CacheDir(t, "wazero"),
		Limits:   host.Limits{Timeout: 2 * time.Second},
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	if err := h.LoadFile(t.Context(), loopingAgent(t)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s, err := h.Session(t.Context(), abi.KindAgent, "looper")
		if err != nil {
			t.Fatal(err)
		}
		_, err = simulate.Run(t.Context(), m, simulate.Config{Seed: 1, Ticks: 5,
			Agent: func(string) (simulate.Agent, error) { return agents.New(s), nil }})
		s.Close()
		var ce *host.CallError
		if !errors.As(err, &ce) || ce.Err.Code != abi.CodeTimeout {
			t.Fatalf("run = %v, want a timeout of the act", err)
		}
	}
}

// TestPlanRequests checks the plan requests of an agent during its act:
// the default plan is the built-in planner's, a goal and a criterion
// change it, and a name the model does not have is refused.
func TestPlanRequests(t *testing.T) {
	m := datacentre(t)
	var got []any
	fake := &planning{reqs: []abi.PlanRequest{
		{},
		{Goals: []string{"noc"}, Criterion: "shortest"},
		{Goals: []string{"nowhere"}},
		{Criterion: "cheapest"},
	}, out: &got}
	a := agents.New(fake)
	if err := a.Reset(t.Context(), simulate.Start{Actor: "tech", Goals: []string{"cage"}, Model: m}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Act(t.Context(), simulate.Observation{Location: "road", Goals: []string{"cage"}, Holdings: []string{"pin", "site badge"}}); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	want := `[["move gate","move yard","move lobby","move mantrap","move hall","move noc","take cage key","move hall","move cage"],` +
		`["move gate","move yard","move loading dock","move hall","move noc"],` +
		`"plan: invalid_request: goal \"nowhere\" is no location or possessible",` +
		`"plan: invalid_request: no criterion \"cheapest\": want shortest, fastest, likeliest or expected"]`
	if string(b) != want {
		t.Errorf("plans\n%s\nwant\n%s", b, want)
	}
}

// planning is a Session whose act asks for the plans of reqs, through the
// planner in its context, and records their steps or errors in out.
type planning struct {
	reqs []abi.PlanRequest
	out  *[]any
}

func (p *planning) AgentReset(context.Context, abi.AgentResetRequest) error { return nil }

func (p *planning) AgentAct(ctx context.Context, _ abi.AgentActRequest) (abi.Action, error) {
	plan := host.PlannerFrom(ctx)
	for _, req := range p.reqs {
		rep, err := plan(ctx, req)
		if err != nil {
			*p.out = append(*p.out, "plan: "+err.Error())
			continue
		}
		var steps []string
		for _, s := range rep.Steps {
			steps = append(steps, s.Kind+" "+s.Target)
		}
		*p.out = append(*p.out, slices.Clip(steps))
	}
	return abi.Action{Kind: "wait"}, nil
}
