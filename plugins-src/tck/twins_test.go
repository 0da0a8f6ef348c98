package tck_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// The basics plugins of every language provide components with the names
// and the behaviour of their twins in the Go basics: plugins-src/cases/
// basics.yaml holds the cases they all pass, and these checks compare their
// answers with the Go twins' on many more requests, and their manifests.

// basicsShared are the components every basics plugin provides, by
// KIND:NAME.
var basicsShared = []string{"actuator:echo", "obligation:require-reason", "environment:echo", "object:path-segments", "agent:greedy", "agent:planner"}

// extismPlugins are the plugins of the basics suite built for the Extism
// binding; the others are native.
var extismPlugins = []string{"basics-extism", "c-echo-extism", "as-echo-extism"}

// goBasics builds the Go basics, the twin of the others.
func goBasics(t testing.TB) string { return wasmbuild.Go(t, "plugins-src/go/basics") }

// TestBasicsMatchGo checks every plugin of the basics suite but the Go
// basics, served beside it: it loads with its binding; it declares the
// shared components it provides as the Go basics does, and all of them and
// no other when it is a whole plugin of another language; and each answers
// as its Go twin.
func TestBasicsMatchGo(t *testing.T) {
	for _, partial := range []bool{false, true} {
		for _, p := range basicsPlugins(t, partial) {
			if p.Lang == "go" && p.Name == "basics" {
				continue
			}
			t.Run(p.Lang+"/"+p.Name, func(t *testing.T) {
				h := newHost(t, host.Config{}, p.Build(t), goBasics(t))
				provided := manifestMatchesGo(t, h, p.Name, p.Lang != "go" && !p.Partial)
				for _, c := range []struct {
					component string
					check     func(*testing.T, *host.Host, string)
				}{
					{"actuator:echo", actuatorMatchesGo},
					{"obligation:require-reason", requireReasonMatchesGo},
					{"environment:echo", echoMatchesGo},
					{"object:path-segments", objectMatchesGo},
					{"agent:greedy", agentMatchesGo("greedy")},
					{"agent:planner", agentMatchesGo("planner")},
				} {
					kind, name, _ := strings.Cut(c.component, ":")
					if slices.Contains(provided, c.component) {
						t.Run(kind, func(t *testing.T) { c.check(t, h, p.Name+"/"+name) })
					}
				}
			})
		}
	}
}

// manifestMatchesGo checks that the plugin named plugin loaded in h with
// its binding, and that each shared component it provides is declared as in
// the Go basics (also served by h); with whole, that it provides the shared
// components and no other. It returns the shared components it provides.
func manifestMatchesGo(t *testing.T, h *host.Host, plugin string, whole bool) []string {
	t.Helper()
	file := plugin + ".wasm"
	binding := host.BindingNative
	if slices.Contains(extismPlugins, plugin) {
		binding = host.BindingExtism
	}
	st := status(t, h, file)
	if st.Status != host.StatusOK || st.Binding != binding {
		t.Fatalf("%s: status %s (%s), binding %s; want OK, %s", file, st.Status, st.Message, st.Binding, binding)
	}
	goc, kc := componentsOf(t, h, "basics.wasm"), componentsOf(t, h, file)
	if got := slices.Sorted(maps.Keys(kc)); whole && !slices.Equal(got, slices.Sorted(slices.Values(basicsShared))) {
		t.Errorf("%s components = %v, want %v", file, got, basicsShared)
	}
	var provided []string
	for _, c := range basicsShared {
		got, ok := kc[c]
		if !ok {
			continue
		}
		provided = append(provided, c)
		if want := goc[c]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s = %+v\nwant (as in basics) %+v", file, c, got, want)
		}
	}
	if len(provided) == 0 {
		t.Errorf("%s provides none of %v", file, basicsShared)
	}
	return provided
}

// componentsOf returns the components of the plugin file of h by KIND:NAME.
func componentsOf(t *testing.T, h *host.Host, file string) map[string]abi.Component {
	t.Helper()
	out := map[string]abi.Component{}
	for _, c := range status(t, h, file).Components {
		out[host.Ref{Kind: c.Kind, Name: c.Name}.String()] = c
	}
	return out
}

// actuatorMatchesGo sends the actuator ref the echo cases: it must answer
// as basics/echo, served by h too.
func actuatorMatchesGo(t *testing.T, h *host.Host, ref string) {
	ctx := context.Background()
	cmds := map[string]abi.Command{
		"query features":       {Action: "query", Target: map[string]any{"features": []any{"versions", "pairs", "rate_limit", "profiles", "pairs"}}},
		"heartbeat":            {Action: "query", Target: map[string]any{"features": []any{}}},
		"features nil":         {Action: "query", Target: map[string]any{"features": nil}},
		"features not a list":  {Action: "query", Target: map[string]any{"features": "versions"}},
		"features not strings": {Action: "query", Target: map[string]any{"features": []any{1, []byte("versions")}}},
		"supported pair":       {Action: "deny", Target: map[string]any{"ipv4_net": "10.0.0.0/8"}, Args: map[string]any{"duration": 5}},
		"supported, nested":    {Action: "allow", Target: map[string]any{"ipv6_net": map[string]any{"a": []any{1.5, nil}}}},
		"unsupported pair":     {Action: "deny", Target: map[string]any{"file": map[string]any{}}},
		"unsupported action":   {Action: "start", Target: map[string]any{"ipv4_net": "x"}},
		"no target":            {Action: "deny"},
		"two targets":          {Action: "deny", Target: map[string]any{"ipv4_net": "a", "ipv6_net": "b"}},
		"long status text":     {Action: strings.Repeat("x", 300), Target: map[string]any{"file": 1}},
	}
	for name, cmd := range cmds {
		t.Run(name, func(t *testing.T) {
			req := abi.ActuateRequest{Command: cmd, Headers: abi.Headers{RequestID: "r", Created: 1, To: []string{"a", "b"}},
				Profile: "x-echo", Specifiers: map[string]any{"s": 1}}
			rep, err := h.Actuate(ctx, "basics/echo", req)
			want := outcome(t, rep, err)
			rep, err = h.Actuate(ctx, ref, req)
			if got := outcome(t, rep, err); !reflect.DeepEqual(got, want) {
				t.Errorf("%s = %+v\nwant %+v", ref, got, want)
			}
		})
	}
}

// objectMatchesGo sends the object setter ref the path-segments cases: it
// must answer as basics/path-segments, served by h too.
func objectMatchesGo(t *testing.T, h *host.Host, ref string) {
	ctx := context.Background()
	// 500 and 70,000 segments take 16- and 32-bit array headers.
	for _, path := range []string{"/files/reports/q1.pdf", "//a//", "/", "", "no-slash", "/é/ü/", strings.Repeat("/seg", 500), strings.Repeat("/s", 70000)} {
		t.Run(path[:min(len(path), 24)], func(t *testing.T) {
			req := abi.ObjectRequest{Path: path, Object: map[string]any{"owner": "x"}, Config: map[string]any{"c": true}}
			rep, err := h.Object(ctx, "basics/path-segments", req)
			want := outcome(t, rep, err)
			rep, err = h.Object(ctx, ref, req)
			if got := outcome(t, rep, err); !reflect.DeepEqual(got, want) {
				t.Errorf("%s = %+v\nwant %+v", ref, got, want)
			}
		})
	}
}

// echoMatchesGo sends the environment component ref the echo cases: it
// must answer as basics/echo, served by h too.
func echoMatchesGo(t *testing.T, h *host.Host, ref string) {
	ctx := context.Background()
	reqs := map[string]abi.EnvironmentRequest{
		"bench":          benchRequest,
		"no context":     {Key: "k"},
		"id missing":     {Key: "k", Context: abi.Context{Subject: map[string]any{"role": "x"}}},
		"id nil":         {Key: "k", Context: abi.Context{Subject: map[string]any{"id": nil}}},
		"id int":         {Key: "k", Context: abi.Context{Subject: map[string]any{"id": int64(-70000)}}},
		"id float":       {Key: "k", Context: abi.Context{Subject: map[string]any{"id": 1.5}}},
		"id bytes":       {Key: "k", Context: abi.Context{Subject: map[string]any{"id": []byte{0, 1, 2}}}},
		"id nested":      {Key: "k", Context: abi.Context{Subject: map[string]any{"id": map[string]any{"a": []any{1, "b", true, nil}}}}},
		"id among many":  {Key: "k", Context: abi.Context{Subject: manyKeys(100, "id", "me")}},
		"unicode, long":  {Key: strings.Repeat("ключ", 100), Context: abi.Context{Subject: map[string]any{"id": strings.Repeat("é", 40000)}}},
		"other contexts": {Key: "echo", Context: abi.Context{Object: map[string]any{"id": 1}, Environment: map[string]any{"id": 2}, Access: map[string]any{"id": 3}}},
	}
	for name, req := range reqs {
		t.Run(name, func(t *testing.T) {
			rep, err := h.Environment(ctx, "basics/echo", req)
			want := outcome(t, rep, err)
			if want.Code != "" {
				t.Fatalf("basics/echo: %+v", want)
			}
			rep, err = h.Environment(ctx, ref, req)
			if got := outcome(t, rep, err); !reflect.DeepEqual(got, want) {
				t.Errorf("%s = %+v\nwant (as basics/echo) %+v", ref, got, want)
			}
		})
	}
}

// manyKeys returns a map of n filler keys (a 16-bit map header past 15) and
// key set to value.
func manyKeys(n int, key string, value any) map[string]any {
	m := map[string]any{key: value}
	for i := range n {
		m[fmt.Sprintf("k%d", i)] = i
	}
	return m
}

// requireReasonMatchesGo sends the obligation ref the require-reason cases:
// it must answer as basics/require-reason, served by h too.
func requireReasonMatchesGo(t *testing.T, h *host.Host, ref string) {
	ctx := context.Background()
	accesses := map[string]map[string]any{
		"reason":       {"reason": "ticket 42"},
		"no access":    nil,
		"missing":      {"method": "GET"},
		"empty":        {"reason": ""},
		"nil":          {"reason": nil},
		"int":          {"reason": 7},
		"bytes":        {"reason": []byte("ticket")},
		"map":          {"reason": map[string]any{"text": "x"}},
		"array":        {"reason": []any{"x"}},
		"long unicode": {"reason": strings.Repeat("ü", 1000)},
		"among many":   manyKeys(40, "reason", "r"),
	}
	for name, access := range accesses {
		for _, d := range []abi.Decision{abi.DecisionGrant, abi.DecisionDeny, "MAYBE"} {
			t.Run(name+"/"+string(d), func(t *testing.T) {
				req := abi.ObligeRequest{Decision: d, Context: abi.Context{Access: access, Subject: map[string]any{"id": "x"}},
					Config: map[string]any{"k": []any{1, 2}}}
				rep, err := h.Oblige(ctx, "basics/require-reason", req)
				want := outcome(t, rep, err)
				rep, err = h.Oblige(ctx, ref, req)
				if got := outcome(t, rep, err); !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %+v, want %+v", ref, got, want)
				}
			})
		}
	}
}

// agentCase is one reset and one act of an agent.
type agentCase struct {
	name  string
	reset abi.AgentResetRequest
	obs   abi.Observation
}

// greedyCases are the cases of the Go agent's unit tests, and random ones:
// graphs with cycles, self-loops and repeated edges, goals on and off the
// graph, locations off the graph, ties in risk.
func greedyCases(n int) []agentCase {
	edges := []abi.Edge{{From: "lobby", To: "hall"}, {From: "hall", To: "vault"}, {From: "lobby", To: "cafe"}}
	choices := []abi.Action{{Kind: "move", Target: "cafe"}, {Kind: "move", Target: "hall", Risk: 0.5}, {Kind: "wait", Risk: 0.1}}
	cases := []agentCase{
		{"takes a goal", abi.AgentResetRequest{Goals: []string{"cafe"}}, abi.Observation{Choices: choices}},
		{"plans toward a goal", abi.AgentResetRequest{Goals: []string{"vault"}, Edges: edges}, abi.Observation{Location: "lobby", Choices: choices}},
		{"prefers observed goals", abi.AgentResetRequest{Goals: []string{"cafe"}, Edges: edges}, abi.Observation{Location: "lobby", Goals: []string{"vault"}, Choices: choices}},
		{"takes the least risk", abi.AgentResetRequest{}, abi.Observation{Location: "lobby", Choices: choices}},
		{"no choices: wait", abi.AgentResetRequest{}, abi.Observation{}},
		{"goal-bias false", abi.AgentResetRequest{Options: map[string]string{"goal-bias": "false"}}, abi.Observation{Choices: choices}},
		{"bad goal-bias", abi.AgentResetRequest{Options: map[string]string{"goal-bias": "maybe"}}, abi.Observation{Choices: choices}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	loc := func(k int) string { return fmt.Sprintf("l%d", rng.IntN(k)) }
	for i := range n {
		k := 2 + rng.IntN(30)
		c := agentCase{name: fmt.Sprintf("random %d", i)}
		c.reset.Seed = rng.Int64()
		for range rng.IntN(4 * k) {
			c.reset.Edges = append(c.reset.Edges, abi.Edge{From: loc(k), To: loc(k)})
		}
		for range rng.IntN(3) {
			c.reset.Goals = append(c.reset.Goals, loc(k+3))
		}
		for range rng.IntN(2) {
			c.obs.Goals = append(c.obs.Goals, loc(k+3))
		}
		c.obs.Location = loc(k + 1)
		c.obs.Tick = int64(i)
		c.obs.Holdings = []string{"key"}
		for range rng.IntN(6) {
			a := abi.Action{Kind: "move", Target: loc(k), Risk: float64(rng.IntN(4)) / 4, Time: int64(rng.IntN(3))}
			if rng.IntN(5) == 0 {
				a.Kind = "take"
			}
			c.obs.Choices = append(c.obs.Choices, a)
		}
		if rng.IntN(8) != 0 {
			c.obs.Choices = append(c.obs.Choices, abi.Action{Kind: "wait", Risk: float64(rng.IntN(4)) / 4})
		}
		cases = append(cases, c)
	}
	return cases
}

// agentMatchesGo returns the check that plays the greedy cases on an agent
// ref and on the Go agent name of basics, both served by h: every action
// must be the same. Outside a simulation run the host has no plans to
// give, so planner shows that it acts as greedy then, as its Go twin does.
func agentMatchesGo(name string) func(t *testing.T, h *host.Host, ref string) {
	return func(t *testing.T, h *host.Host, ref string) { agentMatches(t, h, "basics/"+name, ref) }
}

// agentMatches plays the greedy cases on the agent ref and its Go twin,
// both served by h.
func agentMatches(t *testing.T, h *host.Host, twin, ref string) {
	ctx := context.Background()
	session := func(ref string) *host.Session {
		s, err := h.Session(ctx, abi.KindAgent, ref)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	goS, s := session(twin), session(ref)
	play := func(s *host.Session, c agentCase, actor string) callOutcome {
		c.reset.Actor = actor
		if err := s.AgentReset(ctx, c.reset); err != nil {
			return outcome(t, nil, err)
		}
		a, err := s.AgentAct(ctx, abi.AgentActRequest{Actor: actor, Observation: c.obs})
		return outcome(t, a, err)
	}
	for i, c := range greedyCases(400) {
		// A few actors at once, so that runs of several actors coexist.
		actor := fmt.Sprintf("actor-%d", i%5)
		want, got := play(goS, c, actor), play(s, c, actor)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %s = %+v\nwant (as %s) %+v\ncase %+v", c.name, ref, got, twin, want, c)
		}
	}
	// An actor that was never reset is refused alike.
	for _, s := range []*host.Session{goS, s} {
		_, err := s.AgentAct(ctx, abi.AgentActRequest{Actor: "stranger", Observation: abi.Observation{Choices: []abi.Action{{Kind: "wait"}}}})
		if got := outcome(t, nil, err); got.Code != abi.CodeInvalidRequest || got.Msg != `actor "stranger" has no run: reset it first` {
			t.Errorf("act without reset: %+v", got)
		}
	}
}
