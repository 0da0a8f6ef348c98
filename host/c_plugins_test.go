package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// The C plugins, built with the one-line command at the top of their
// plugins-src/c/<name>/main.c, so the tests prove the documented command.
const (
	cBasics     = "c-basics"
	cEchoExtism = "c-echo-extism"
	cKVCounter  = "c-kvcounter"
)

// newMixedHost serves the Go twins basics and basics-extism beside the C
// plugins c-basics and c-echo-extism.
func newMixedHost(t testing.TB) *Host {
	t.Helper()
	cb, ce := wasmbuild.C.Plugin(t, cBasics), wasmbuild.C.Plugin(t, cEchoExtism)
	return newHostWasm(t, Config{}, cb, ce, wasmbuild.Go(t, srcBasics), wasmbuild.Go(t, srcBasicsExtism))
}

// callOutcome is a reply or the plugin error of one call, for comparing a C
// component with its Go twin.
type callOutcome struct {
	Reply any
	Code  abi.Code
	Msg   string
}

func outcome(t *testing.T, rep any, err error) callOutcome {
	t.Helper()
	if err == nil {
		return callOutcome{Reply: normalize(rep)}
	}
	var ce *CallError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *CallError", err)
	}
	var e *abi.Error
	if !errors.As(ce.Err, &e) {
		t.Fatalf("error %v carries no *abi.Error", err)
	}
	return callOutcome{Code: e.Code, Msg: e.Message}
}

func TestCPluginsLoad(t *testing.T) {
	h := newMixedHost(t)
	want := map[string]Binding{"c-basics.wasm": BindingNative, "c-echo-extism.wasm": BindingExtism,
		"basics.wasm": BindingNative, "basics-extism.wasm": BindingExtism}
	for file, binding := range want {
		st := status(t, h, file)
		if st.Status != StatusOK || st.Binding != binding {
			t.Errorf("%s: status %s (%s), binding %s; want OK, %s", file, st.Status, st.Message, st.Binding, binding)
		}
	}

	// The manifests of the C components equal their Go twins', but for names.
	components := func(file string) map[string]abi.Component {
		out := map[string]abi.Component{}
		for _, c := range status(t, h, file).Components {
			out[string(c.Kind)+"/"+c.Name] = c
		}
		return out
	}
	goc, cc := components("basics.wasm"), components("c-basics.wasm")
	twins := map[string]string{
		"actuator/c-echo":             "actuator/echo",
		"obligation/c-require-reason": "obligation/require-reason",
		"environment/echo":            "environment/echo",
		"object/c-path-segments":      "object/path-segments",
		"agent/c-greedy":              "agent/greedy",
	}
	if len(cc) != len(twins) {
		t.Errorf("c-basics components = %v, want %d", slices.Sorted(maps.Keys(cc)), len(twins))
	}
	for c, g := range twins {
		got, want := cc[c], goc[g]
		got.Name, want.Name = "", ""
		if !reflect.DeepEqual(got, want) {
			t.Errorf("c-basics %s = %+v\nwant (as %s of basics) %+v", c, got, g, want)
		}
	}
	if got, want := components("c-echo-extism.wasm")["environment/echo"], cc["environment/echo"]; !reflect.DeepEqual(got, want) {
		t.Errorf("c-echo-extism echo = %+v, want %+v", got, want)
	}
}

func TestCEchoEnvironmentMatchesGo(t *testing.T) {
	echoMatchesGo(t, newMixedHost(t), "basics-extism/echo", "c-basics/echo", "c-echo-extism/echo")
}

// echoMatchesGo sends the environment component echo at each of refs the
// echo cases: each must answer as basics/echo, served by h too.
func echoMatchesGo(t *testing.T, h *Host, refs ...string) {
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
			for _, ref := range refs {
				rep, err := h.Environment(ctx, ref, req)
				if got := outcome(t, rep, err); !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %+v\nwant (as basics/echo) %+v", ref, got, want)
				}
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

func TestCRequireReasonMatchesGo(t *testing.T) {
	requireReasonMatchesGo(t, newMixedHost(t), "c-basics/c-require-reason")
}

// requireReasonMatchesGo sends the obligation ref the require-reason cases:
// it must answer as basics/require-reason, served by h too.
func requireReasonMatchesGo(t *testing.T, h *Host, ref string) {
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

func TestCActuatorAndObjectMatchGo(t *testing.T) {
	h := newMixedHost(t)
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
		t.Run("actuator/"+name, func(t *testing.T) {
			req := abi.ActuateRequest{Command: cmd, Headers: abi.Headers{RequestID: "r", Created: 1, To: []string{"a", "b"}},
				Profile: "x-echo", Specifiers: map[string]any{"s": 1}}
			rep, err := h.Actuate(ctx, "basics/echo", req)
			want := outcome(t, rep, err)
			rep, err = h.Actuate(ctx, "c-basics/c-echo", req)
			if got := outcome(t, rep, err); !reflect.DeepEqual(got, want) {
				t.Errorf("c-echo = %+v\nwant %+v", got, want)
			}
		})
	}
	// 500 and 70,000 segments take 16- and 32-bit array headers.
	for _, path := range []string{"/files/reports/q1.pdf", "//a//", "/", "", "no-slash", "/é/ü/", strings.Repeat("/seg", 500), strings.Repeat("/s", 70000)} {
		t.Run("object/"+path[:min(len(path), 24)], func(t *testing.T) {
			req := abi.ObjectRequest{Path: path, Object: map[string]any{"owner": "x"}, Config: map[string]any{"c": true}}
			rep, err := h.Object(ctx, "basics/path-segments", req)
			want := outcome(t, rep, err)
			rep, err = h.Object(ctx, "c-basics/c-path-segments", req)
			if got := outcome(t, rep, err); !reflect.DeepEqual(got, want) {
				t.Errorf("c-path-segments = %+v\nwant %+v", got, want)
			}
		})
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

func TestCGreedyMatchesGo(t *testing.T) { greedyMatchesGo(t, newMixedHost(t), "c-basics/c-greedy") }

// greedyMatchesGo plays the greedy cases on the agent ref and on the Go
// greedy of basics, both served by h: every action must be the same.
func greedyMatchesGo(t *testing.T, h *Host, ref string) {
	ctx := context.Background()
	session := func(ref string) *Session {
		s, err := h.Session(ctx, abi.KindAgent, ref)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	goS, s := session("basics/greedy"), session(ref)
	play := func(s *Session, c agentCase, actor string) callOutcome {
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
			t.Errorf("%s: %s = %+v\nwant (as greedy) %+v\ncase %+v", c.name, ref, got, want, c)
		}
	}
	// An actor that was never reset is refused alike.
	for _, s := range []*Session{goS, s} {
		_, err := s.AgentAct(ctx, abi.AgentActRequest{Actor: "stranger", Observation: abi.Observation{Choices: []abi.Action{{Kind: "wait"}}}})
		if got := outcome(t, nil, err); got.Code != abi.CodeInvalidRequest || got.Msg != `actor "stranger" has no run: reset it first` {
			t.Errorf("act without reset: %+v", got)
		}
	}
}

func TestCKVCounter(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	cfg := Config{
		StorePath: filepath.Join(t.TempDir(), "store.db"),
		Plugins:   map[string]PluginConfig{"c-kvcounter": {Grants: Grants{Log: true, Clock: true, KV: true}}},
		Logger:    slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &logs}, nil)),
	}
	h := newHostWasm(t, cfg, wasmbuild.C.Plugin(t, cKVCounter))
	st := status(t, h, "c-kvcounter.wasm")
	if st.Status != StatusOK {
		t.Fatalf("status %s: %s", st.Status, st.Message)
	}
	ctx := context.Background()
	for i, key := range []string{"hits", "hits", "other", "hits"} {
		rep, err := h.Environment(ctx, "counter", abi.EnvironmentRequest{Key: key})
		if err != nil {
			t.Fatal(err)
		}
		want := []int64{1, 2, 1, 3}[i]
		if got := normalize(rep.Value); got != want {
			t.Fatalf("call %d: count(%s) = %v, want %d", i, key, got, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "counted key=hits count=3 at=") {
		t.Errorf("the log lacks the plugin's record:\n%s", logs.String())
	}

	// Ungranted, it is refused for each capability it imports.
	h = newHostWasm(t, Config{}, wasmbuild.C.Plugin(t, cKVCounter))
	st = status(t, h, "c-kvcounter.wasm")
	for _, want := range []string{"capability_denied", "plugins.c-kvcounter.grants.kv", "plugins.c-kvcounter.grants.log", "plugins.c-kvcounter.grants.clock"} {
		if st.Status != StatusError || !strings.Contains(st.Message, want) {
			t.Errorf("ungranted: status %s, message %q; want ERROR naming %q", st.Status, st.Message, want)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestCWASIReactor builds c-basics against wasi-libc, as a WASI reactor,
// and checks that it loads and behaves as the freestanding build.
func TestCWASIReactor(t *testing.T) {
	wasm := wasmbuild.CReactor(t, cBasics)
	h := newHostWasm(t, Config{}, wasm)
	st := status(t, h, "c-basics-wasi.wasm")
	if st.Status != StatusOK || st.Binding != BindingNative {
		t.Fatalf("status %s (%s), binding %s", st.Status, st.Message, st.Binding)
	}
	ctx := context.Background()
	rep, err := h.Environment(ctx, "echo", benchRequest)
	if got, want := normalize(rep.Value), normalize(map[string]any{"key": "echo", "subject": "alice@example.org"}); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("echo = %v, %v; want %v", got, err, want)
	}
	s, err := h.Session(ctx, abi.KindAgent, "c-greedy")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range greedyCases(50)[:20] {
		c.reset.Actor = "a"
		if err := s.AgentReset(ctx, c.reset); err != nil {
			continue
		}
		if _, err := s.AgentAct(ctx, abi.AgentActRequest{Actor: "a", Observation: c.obs}); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// ---- the kit, driven without the host ----

// rawModule is a native-binding plugin instantiated directly with wazero,
// to send it requests no host would.
type rawModule struct {
	mod   api.Module
	alloc api.Function
	free  api.Function
}

func newRawModule(t testing.TB, wasm string) *rawModule {
	t.Helper()
	b, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithMemoryLimitPages(1024))
	t.Cleanup(func() { rt.Close(ctx) })
	mod, err := rt.InstantiateWithConfig(ctx, b, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	return &rawModule{mod: mod, alloc: mod.ExportedFunction(abi.ExportAlloc), free: mod.ExportedFunction(abi.ExportFree)}
}

// call sends req to export as the host does and returns a copy of the reply.
func (m *rawModule) call(export string, req []byte) ([]byte, error) {
	ctx := context.Background()
	res, err := m.alloc.Call(ctx, uint64(len(req)))
	if err != nil {
		return nil, fmt.Errorf("alloc: %w", err)
	}
	ptr := uint32(res[0])
	if ptr == 0 || !m.mod.Memory().Write(ptr, req) {
		return nil, fmt.Errorf("alloc(%d) = %#x", len(req), ptr)
	}
	res, err = m.mod.ExportedFunction(export).Call(ctx, uint64(ptr), uint64(len(req)))
	if err != nil {
		return nil, err
	}
	rptr, rlen := abi.UnpackReply(res[0])
	reply, ok := m.mod.Memory().Read(rptr, rlen)
	if !ok || rlen == 0 {
		return nil, fmt.Errorf("reply at %#x, %d bytes, outside memory", rptr, rlen)
	}
	reply = bytes.Clone(reply)
	// The request buffer stays the host's after the call; this raw caller
	// does not reuse it.
	if _, err := m.free.Call(ctx, uint64(ptr), uint64(len(req))); err != nil {
		return nil, fmt.Errorf("free: %w", err)
	}
	return reply, nil
}

// checkEnvelope decodes a reply envelope that must fill reply exactly and
// hold exactly one of ok (a map) and error (a plugin code and a message).
func checkEnvelope(reply []byte) (ok map[string]any, e *abi.Error, err error) {
	r := bytes.NewReader(reply)
	var env map[string]any
	if err := msgpack.NewDecoder(r).Decode(&env); err != nil {
		return nil, nil, fmt.Errorf("reply %x is not msgpack: %v", reply, err)
	}
	if r.Len() != 0 {
		return nil, nil, fmt.Errorf("reply %x has trailing bytes", reply)
	}
	if len(env) != 1 {
		return nil, nil, fmt.Errorf("reply %v must have one key", env)
	}
	if v, has := env["ok"]; has {
		if ok, is := v.(map[string]any); is {
			return ok, nil, nil
		}
		return nil, nil, fmt.Errorf("reply ok %#v is not a map", v)
	}
	em, is := env["error"].(map[string]any)
	if !is {
		return nil, nil, fmt.Errorf("reply %v has neither ok nor an error map", env)
	}
	code, _ := em["code"].(string)
	msg, isStr := em["message"].(string)
	switch abi.Code(code) {
	case abi.CodeInvalidRequest, abi.CodeNotFound, abi.CodeUnsupported, abi.CodeDenied, abi.CodeUnavailable, abi.CodeInternal:
	default:
		return nil, nil, fmt.Errorf("error %v has no plugin code", em)
	}
	if !isStr || len(em) != 2 {
		return nil, nil, fmt.Errorf("error %v must be a code and a message", em)
	}
	return nil, &abi.Error{Code: abi.Code(code), Message: msg}, nil
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCKitRequests(t *testing.T) {
	m := newRawModule(t, wasmbuild.C.Plugin(t, cBasics))
	env := func(v any) []byte { return mustMarshal(t, v) }
	deep := bytes.Repeat([]byte{0x91}, 200000) // 200,000 nested arrays
	deep = append(deep, 0xc0)
	deepReq := append([]byte{0x83, 0xa9}, "component"...)
	deepReq = append(deepReq, 0xa4)
	deepReq = append(deepReq, "echo"...)
	deepReq = append(deepReq, 0xa3)
	deepReq = append(deepReq, "key"...)
	deepReq = append(deepReq, 0xa1, 'k', 0xa7)
	deepReq = append(deepReq, "context"...)
	deepReq = append(deepReq, 0x81, 0xa7)
	deepReq = append(deepReq, "subject"...)
	deepReq = append(deepReq, 0x81, 0xa1, 'x')
	deepReq = append(deepReq, deep...)

	cases := []struct {
		name    string
		export  string
		req     []byte
		code    abi.Code // "" for ok
		message string   // a part of the error message
		ok      map[string]any
	}{
		{"describe", abi.ExportDescribe, env(abi.DescribeRequest{HostABI: "1.0"}), "", "", nil},
		{"describe, unknown keys", abi.ExportDescribe, env(map[string]any{"host_abi": "1.9", "x": []any{1}}), "", "", nil},
		{"unknown component", abi.ExportEnvironment, env(abi.EnvironmentRequest{Component: "nope"}), abi.CodeNotFound, `no environment "nope"`, nil},
		{"component of another kind", abi.ExportEnvironment, env(abi.EnvironmentRequest{Component: "c-greedy"}), abi.CodeNotFound, "", nil},
		{"wide integer formats", abi.ExportEnvironment,
			[]byte("\x83\xa9component\xa4echo\xa3key\xa1k\xa7context\x81\xa7subject\x81\xa2id\xcf\x00\x00\x00\x00\x00\x00\x00\x07"),
			"", "", map[string]any{"value": map[string]any{"key": "k", "subject": uint64(7)}}},
		{"bin for str", abi.ExportEnvironment, []byte("\x82\xa9component\xc4\x04echo\xa3key\xc4\x01k"), "", "",
			map[string]any{"value": map[string]any{"key": "k", "subject": nil}}},
		{"nil keys take defaults", abi.ExportEnvironment, []byte("\x83\xa9component\xa4echo\xa3key\xc0\xa7context\xc0"), "", "",
			map[string]any{"value": map[string]any{"key": "", "subject": nil}}},
		{"deep nesting is skipped, not recursed", abi.ExportEnvironment, deepReq, "", "", nil},
		{"empty", abi.ExportEnvironment, nil, abi.CodeInvalidRequest, "not a map", nil},
		{"not a map", abi.ExportEnvironment, env([]any{"echo"}), abi.CodeInvalidRequest, "not a map", nil},
		{"truncated", abi.ExportEnvironment, env(benchRequest)[:40], abi.CodeInvalidRequest, "", nil},
		{"trailing bytes", abi.ExportEnvironment, append(env(abi.EnvironmentRequest{Component: "echo"}), 0xc0), abi.CodeInvalidRequest, "trailing", nil},
		{"key not a string", abi.ExportEnvironment, []byte("\x81\x01\x02"), abi.CodeInvalidRequest, "key", nil},
		{"wrong type", abi.ExportEnvironment, env(map[string]any{"component": "echo", "key": 5}), abi.CodeInvalidRequest, "key: not a string", nil},
		{"context not a map", abi.ExportEnvironment, env(map[string]any{"component": "echo", "context": "x"}), abi.CodeInvalidRequest, "context", nil},
		{"subject not a map", abi.ExportEnvironment, env(map[string]any{"component": "echo", "context": map[string]any{"subject": 1}}), abi.CodeInvalidRequest, "context.subject", nil},
		{"invalid byte", abi.ExportEnvironment, []byte("\x81\xa1x\xc1"), abi.CodeInvalidRequest, "", nil},
		{"huge claimed map", abi.ExportEnvironment, []byte("\xdf\xff\xff\xff\xff\xa1x"), abi.CodeInvalidRequest, "", nil},
		{"huge claimed array", abi.ExportAgentReset, []byte("\x82\xa9component\xa8c-greedy\xa5goals\xdd\xff\xff\xff\xff"), abi.CodeInvalidRequest, "goals", nil},
		{"huge claimed string", abi.ExportEnvironment, []byte("\x81\xa3key\xdb\xff\xff\xff\xf0ab"), abi.CodeInvalidRequest, "", nil},
		{"float for int", abi.ExportAgentReset, env(map[string]any{"component": "c-greedy", "seed": 1.5}), abi.CodeInvalidRequest, "seed: not an integer", nil},
		{"uint64 out of range", abi.ExportAgentReset, []byte("\x82\xa9component\xa8c-greedy\xa4seed\xcf\xff\xff\xff\xff\xff\xff\xff\xff"), abi.CodeInvalidRequest, "seed: out of range", nil},
		{"int for float", abi.ExportAgentAct, env(map[string]any{"component": "c-greedy", "actor": "nobody",
			"observation": map[string]any{"choices": []any{map[string]any{"kind": "wait", "risk": 1}}}}), abi.CodeInvalidRequest, "has no run", nil},
		{"ext is skipped", abi.ExportEnvironment, []byte("\x82\xa9component\xa4echo\xa1x\xd6\xff\x00\x00\x00\x01"), "", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reply, err := m.call(tc.export, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			ok, e, err := checkEnvelope(reply)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.code == "" && e != nil:
				t.Fatalf("error %v, want ok", e)
			case tc.code != "" && (e == nil || e.Code != tc.code || !strings.Contains(e.Message, tc.message)):
				t.Fatalf("reply ok %v, error %v; want %s containing %q", ok, e, tc.code, tc.message)
			case tc.ok != nil && !reflect.DeepEqual(normalize(ok), normalize(tc.ok)):
				t.Fatalf("ok = %#v, want %#v", ok, tc.ok)
			}
		})
	}

	// A manifest the host accepts.
	reply, err := m.call(abi.ExportDescribe, env(abi.DescribeRequest{HostABI: "1.0"}))
	if err != nil {
		t.Fatal(err)
	}
	var man abi.Reply[abi.Manifest]
	if err := msgpack.Unmarshal(reply, &man); err != nil || man.OK == nil {
		t.Fatalf("describe: %v, %+v", err, man)
	}
	if err := man.OK.Validate(); err != nil || man.OK.Name != cBasics || man.OK.ABI != abi.Version {
		t.Errorf("manifest %+v: %v", man.OK, err)
	}

	// gatehouse_alloc(0) gives a usable address; gatehouse_free takes back a
	// request the host abandons.
	ctx := context.Background()
	for _, size := range []uint64{0, 1, 100, 1 << 20} {
		res, err := m.alloc.Call(ctx, size)
		if err != nil || res[0] == 0 {
			t.Fatalf("alloc(%d) = %v, %v", size, res, err)
		}
		if _, err := m.free.Call(ctx, res[0], size); err != nil {
			t.Fatalf("free: %v", err)
		}
	}
}

// TestCKitMemoryIsReused calls c-basics many times with requests of many
// sizes and agent runs that replace each other: its memory must stop
// growing.
func TestCKitMemoryIsReused(t *testing.T) {
	m := newRawModule(t, wasmbuild.C.Plugin(t, cBasics))
	rng := rand.New(rand.NewPCG(3, 4))
	cases := greedyCases(50)
	round := func() {
		for i := range 200 {
			req := benchRequest
			req.Component = "echo"
			req.Context.Subject = map[string]any{"id": strings.Repeat("x", rng.IntN(20000))}
			if _, err := m.call(abi.ExportEnvironment, mustMarshal(t, req)); err != nil {
				t.Fatal(err)
			}
			c := cases[i%len(cases)]
			c.reset.Component, c.reset.Actor = "c-greedy", fmt.Sprintf("a%d", i%7)
			if _, err := m.call(abi.ExportAgentReset, mustMarshal(t, c.reset)); err != nil {
				t.Fatal(err)
			}
			act := abi.AgentActRequest{Component: "c-greedy", Actor: c.reset.Actor, Observation: c.obs}
			if _, err := m.call(abi.ExportAgentAct, mustMarshal(t, act)); err != nil {
				t.Fatal(err)
			}
		}
	}
	round()
	pages := m.mod.Memory().Size() / 65536
	for range 5 {
		round()
	}
	if after := m.mod.Memory().Size() / 65536; after > pages {
		t.Errorf("memory grew from %d to %d pages over repeated rounds", pages, after)
	}
	t.Logf("c-basics settles at %d pages", pages)
}

// FuzzCKit sends c-basics arbitrary bytes on every call export: it must
// never trap and always answer one well-formed envelope.
func FuzzCKit(f *testing.F) {
	exports := []string{abi.ExportDescribe, abi.ExportActuate, abi.ExportOblige, abi.ExportEnvironment,
		abi.ExportObject, abi.ExportAgentReset, abi.ExportAgentAct}
	seed := func(export int, v any) {
		b, err := msgpack.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte{byte(export)}, b...))
	}
	seed(0, abi.DescribeRequest{HostABI: "1.0"})
	seed(1, abi.ActuateRequest{Component: "c-echo", Command: abi.Command{Action: "query", Target: map[string]any{"features": []any{"pairs"}}}})
	seed(1, abi.ActuateRequest{Component: "c-echo", Command: abi.Command{Action: "deny", Target: map[string]any{"ipv4_net": "1.2.3.4"}}})
	seed(2, abi.ObligeRequest{Component: "c-require-reason", Decision: abi.DecisionGrant, Context: abi.Context{Access: map[string]any{"reason": "r"}}})
	seed(3, benchRequest)
	seed(3, abi.EnvironmentRequest{Component: "echo", Key: "k", Context: abi.Context{Subject: map[string]any{"id": 1}}})
	seed(4, abi.ObjectRequest{Component: "c-path-segments", Path: "/a/b"})
	for _, c := range greedyCases(5) {
		c.reset.Component, c.reset.Actor = "c-greedy", "a"
		seed(5, c.reset)
		seed(6, abi.AgentActRequest{Component: "c-greedy", Actor: "a", Observation: c.obs})
	}
	// One instance for every input, as in the host, so that state carries
	// over from call to call.
	m := newRawModule(f, wasmbuild.C.Plugin(f, cBasics))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		reply, err := m.call(exports[int(data[0])%len(exports)], data[1:])
		if err != nil {
			t.Fatalf("trap: %v", err)
		}
		if _, _, err := checkEnvelope(reply); err != nil {
			t.Fatal(err)
		}
	})
}

// ---- benchmarks ----

// BenchmarkCKitRawEcho calls the echo component of c-basics directly through
// wazero, as the native binding does but without the host's encoding,
// pooling and bookkeeping: the cost of the plugin itself.
func BenchmarkCKitRawEcho(b *testing.B) { benchRawEcho(b, wasmbuild.C.Plugin(b, cBasics)) }

// benchRawEcho calls the environment component echo of the plugin file wasm
// straight through wazero, with one request buffer reused as the host does:
// the plugin's own cost, without the host's.
func benchRawEcho(b *testing.B, wasm string) {
	m := newRawModule(b, wasm)
	req := benchRequest
	req.Component = "echo"
	body := mustMarshal(b, req)
	ctx := context.Background()
	env := m.mod.ExportedFunction(abi.ExportEnvironment)
	mem := m.mod.Memory()
	stack := make([]uint64, 2)
	if err := m.alloc.CallWithStack(ctx, append(stack[:0], uint64(len(body)))); err != nil {
		b.Fatal(err)
	}
	ptr := uint32(stack[0])
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		mem.Write(ptr, body)
		stack[0], stack[1] = uint64(ptr), uint64(len(body))
		if err := env.CallWithStack(ctx, stack); err != nil {
			b.Fatal(err)
		}
		if _, ok := mem.Read(abi.UnpackReply(stack[0])); !ok {
			b.Fatal("reply outside memory")
		}
	}
}
