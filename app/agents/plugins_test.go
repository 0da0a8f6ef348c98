package agents_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/agents"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/plugins-src/tck"
	"github.com/gatehouse/gatehouse/sim/fuzz"
	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// greedySession builds the basics plugin p, loads it into a host of its
// own and opens a session of its agent greedy.
func greedySession(t testing.TB, p tck.Plugin) *host.Session {
	t.Helper()
	return agentSession(t, p, "greedy", host.Limits{Timeout: time.Minute}) // the race detector is slow
}

// agentSession builds the basics plugin p, loads it into a host of its
// own with limits and opens a session of its agent name.
func agentSession(t testing.TB, p tck.Plugin, name string, limits host.Limits) *host.Session {
	t.Helper()
	wasm := p.Build(t)
	h, err := host.New(host.Config{
		CacheDir: wasmbuild.CacheDir(t, "wazero"),
		Limits:   limits,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	if err := h.LoadFile(t.Context(), wasm); err != nil {
		t.Fatal(err)
	}
	s, err := h.Session(t.Context(), abi.KindAgent, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// agentPlugins are the basics plugins with an agent greedy: all but the
// partial ones.
func agentPlugins(t testing.TB) []tck.Plugin {
	t.Helper()
	var out []tck.Plugin
	for _, p := range tck.Load(t, tck.BasicsSuite).Plugins {
		if !p.Partial {
			out = append(out, p)
		}
	}
	return out
}

// runTrace runs m with every actor played by the session's agent and
// returns the result and the trace.
func runTrace(t *testing.T, s *host.Session, m *model.Model, seed, ticks int64) (*simulate.Result, []byte) {
	t.Helper()
	var trace bytes.Buffer
	res, err := simulate.Run(t.Context(), m, simulate.Config{Seed: seed, Ticks: ticks, Trace: &trace,
		Agent: func(string) (simulate.Agent, error) { return agents.New(s), nil }})
	if err != nil {
		t.Fatal(err)
	}
	return res, trace.Bytes()
}

// checkLegal checks every step of a trace against the model: an actor
// moves only along a connection from where it is, and every possessible
// action names a possessible of the model.
func checkLegal(t *testing.T, m *model.Model, trace []byte) {
	t.Helper()
	at := map[string]string{}
	for _, a := range m.Actors() {
		at[a.Name] = a.At
	}
	conn := map[[2]string]bool{}
	for _, c := range m.Connections() {
		conn[[2]string{c.From, c.To}] = true
	}
	sc := bufio.NewScanner(bytes.NewReader(trace))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var st simulate.Step
		if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
			t.Fatalf("trace line %q: %v", sc.Text(), err)
		}
		if st.Source != at[st.Actor] {
			t.Fatalf("step %+v: the actor is at %q", st, at[st.Actor])
		}
		switch st.Action {
		case simulate.KindMove:
			if !conn[[2]string{st.Source, st.Target}] {
				t.Fatalf("step %+v: no connection %q -> %q", st, st.Source, st.Target)
			}
			if st.Outcome == simulate.OK {
				at[st.Actor] = st.Target
			}
		case simulate.KindTake, simulate.KindRead, simulate.KindDrop:
			if _, ok := m.PossessibleID(st.Possessible); !ok {
				t.Fatalf("step %+v: no possessible %q", st, st.Possessible)
			}
		case simulate.KindWait:
		default:
			t.Fatalf("step %+v: unknown action", st)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestGreedyInEveryLanguage runs the agent greedy of the basics plugin of
// every language and binding: on a small model it reaches the goals at
// the ticks a shortest path gives, whatever the seed; it paces for 70,000
// ticks; on fuzzed models with awkward names, up to the benchmarks' 1,000
// locations and 100 actors, it finishes, makes only legal moves, gives the
// same trace for the same seed, and plays exactly as the Go plugin's
// greedy, its reference twin.
func TestGreedyInEveryLanguage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins in every language")
	}
	// Names of 43 and 300 bytes take the longer msgpack string headers.
	wing, far := "corridor of the east wing, on floor three b", strings.Repeat("far", 100)
	small, err := lang.Parse(fmt.Appendf(nil, `
connections { hall -> office { *: m } hall -> lab { *: m } lab -> vault { *: m (0%%, 2) } office -> hall { *: m }
  hall -> %[1]q { *: m } %[1]q -> %[2]q { *: m (5%%, 1) } }
actors { eve { at hall; goals vault; } joe { at office; goals vault; } ann { at office; goals nowhere; } kim { at hall; goals %[2]q; } }
locations { hall; office; lab; vault; nowhere; %[1]q; %[2]q; }`, wing, far))
	if err != nil {
		t.Fatal(err)
	}
	var fuzzed []*model.Model
	for seed := range uint64(3) {
		m, err := fuzz.Generate(fuzz.Options{Locations: 40, Density: 2.5, Credentials: 6, Documents: 4, Roles: 3, Actors: 12, Seed: seed, Exotic: true})
		if err != nil {
			t.Fatal(err)
		}
		fuzzed = append(fuzzed, m)
	}
	// The model of the benchmarks, whose hundred actors' runs a plugin
	// holds at once.
	large, err := fuzz.Generate(fuzz.Options{Locations: 1000, Density: 3, Credentials: 20, Documents: 10, Roles: 4, Actors: 100, Seed: 1, Exotic: true})
	if err != nil {
		t.Fatal(err)
	}
	fuzzed = append(fuzzed, large)
	// One actor pacing for more ticks than 16 bits count.
	pacing, err := lang.Parse([]byte(`locations { a; b; c; } connections { a <-> b { *: m } } actors { x { at a; goals c; } }`))
	if err != nil {
		t.Fatal(err)
	}
	const ticks = 100
	var want [][]byte // the Go plugin's traces of the fuzzed models
	for _, p := range agentPlugins(t) {
		t.Run(p.Name, func(t *testing.T) {
			s := greedySession(t, p)
			res, trace := runTrace(t, s, small, 1, 20)
			checkLegal(t, small, trace)
			// eve: hall -> lab -> vault (2 ticks): met at tick 1; joe:
			// office -> hall -> lab -> vault: at tick 2; kim: hall -> wing
			// -> far, unless the risk of 5% strikes; ann can reach nowhere,
			// so the run lasts every tick.
			met := map[string]int64{}
			for _, a := range res.Actors {
				met[a.Name] = a.GoalsMet
			}
			if want := map[string]int64{"ann": -1, "eve": 1, "joe": 2, "kim": 1}; res.Reason != simulate.ReasonTicks || res.Ticks != 20 || !maps.Equal(met, want) {
				t.Errorf("small model: result = %+v, goals met %v, want %v", res, met, want)
			}
			// Seeds of every msgpack integer size reach the agent.
			for _, seed := range []int64{-1, -200, -70_000, -1 << 40, 1 << 40, math.MaxInt64} {
				runTrace(t, s, small, seed, 2)
			}
			if p.Name != "basics-extism" { // about 200 µs a call
				if res, _ := runTrace(t, s, pacing, 1, 70_000); res.Ticks != 70_000 || res.Steps != 70_000 {
					t.Errorf("pacing: result = %+v", res)
				}
			}
			for i, m := range fuzzed {
				seed := int64(i + 1)
				res, trace := runTrace(t, s, m, seed, ticks)
				checkLegal(t, m, trace)
				if !slices.ContainsFunc(res.Actors, func(a simulate.ActorResult) bool { return a.GoalsMet >= 0 }) {
					t.Errorf("fuzzed model %d: no actor met its goals: %+v", i, res)
				}
				if _, again := runTrace(t, s, m, seed, ticks); !bytes.Equal(trace, again) {
					t.Errorf("fuzzed model %d: two runs of seed %d differ", i, seed)
				}
				if len(want) < len(fuzzed) {
					want = append(want, trace) // the Go plugin comes first
					continue
				}
				if !bytes.Equal(trace, want[i]) {
					t.Errorf("fuzzed model %d: the trace differs from the Go plugin's at line %d", i, firstDiff(trace, want[i]))
				}
			}
		})
	}
}

// firstDiff returns the first line (from 1) at which a and b differ.
func firstDiff(a, b []byte) int {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}
