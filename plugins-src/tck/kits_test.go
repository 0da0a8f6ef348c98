package tck_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/cputime"
	"github.com/gatehouse/gatehouse/plugins-src/tck"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/vmihailenco/msgpack/v5"
)

// The checks every kit other than Go's passes the same way, outside the
// host, on its basics plugin: a raw module driven directly with wazero.

// kits returns the basics plugin of each kit other than Go's: the plugins of
// other languages than Go that pass the basics suite whole.
func kits(t testing.TB) []tck.Plugin {
	t.Helper()
	var out []tck.Plugin
	for _, p := range basicsPlugins(t, false) {
		if p.Lang != "go" {
			out = append(out, p)
		}
	}
	return out
}

// kit returns the basics plugin of the kit of lang.
func kit(t testing.TB, lang string) tck.Plugin {
	t.Helper()
	for _, p := range kits(t) {
		if p.Lang == lang {
			return p
		}
	}
	t.Fatalf("no basics plugin of the %s kit in %s", lang, tck.BasicsSuite)
	return tck.Plugin{}
}

// kitRequestsGaps says, by language, why a kit does not pass the kit
// requests yet.
var kitRequestsGaps = map[string]string{
	"assemblyscript": "its kit reads invalid UTF-8 as U+FFFD (abi/pdk/assemblyscript/README.md, \"Not done yet\") and does not trap on a double free",
}

// TestKitRequests sends each kit's basics plugin, outside the host, the kit
// cases (kitRequests).
func TestKitRequests(t *testing.T) {
	for _, p := range kits(t) {
		t.Run(p.Lang, func(t *testing.T) {
			if gap, ok := kitRequestsGaps[p.Lang]; ok {
				t.Skip(gap)
			}
			kitRequests(t, p.Build(t), p.Name)
		})
	}
}

// TestKitMemoryIsReused checks that the memory of each kit's basics plugin
// stops growing (kitMemoryIsReused).
func TestKitMemoryIsReused(t *testing.T) {
	for _, p := range kits(t) {
		t.Run(p.Lang, func(t *testing.T) { kitMemoryIsReused(t, p.Build(t), "greedy") })
	}
}

// FuzzCKit sends c-basics arbitrary bytes on every call export (fuzzKit).
// go test -fuzz runs one fuzz test at a time: one per kit.
func FuzzCKit(f *testing.F) { fuzzKit(f, kit(f, "c").Build(f)) }

// FuzzRustKit sends rs-basics arbitrary bytes on every call export.
func FuzzRustKit(f *testing.F) { fuzzKit(f, kit(f, "rust").Build(f)) }

// FuzzZigKit sends zig-basics arbitrary bytes on every call export.
func FuzzZigKit(f *testing.F) { fuzzKit(f, kit(f, "zig").Build(f)) }

// FuzzASKit sends as-basics arbitrary bytes on every call export.
func FuzzASKit(f *testing.F) { fuzzKit(f, kit(f, "assemblyscript").Build(f)) }

// BenchmarkKitRawEcho calls the echo component of each kit's basics plugin
// directly through wazero, as the native binding does but without the
// host's encoding, pooling and bookkeeping: the cost of the plugin itself
// (benchRawEcho).
func BenchmarkKitRawEcho(b *testing.B) {
	for _, p := range kits(b) {
		b.Run(p.Lang, func(b *testing.B) { benchRawEcho(b, p.Build(b)) })
	}
}

// benchRequest is a ~100-byte environment request, as the host's call
// benchmarks send; the echo component answers with a reply of about the
// same size.
var benchRequest = abi.EnvironmentRequest{
	Key: "echo",
	Context: abi.Context{
		Subject: map[string]any{"id": "alice@example.org", "role": "operator"},
		Access:  map[string]any{"method": "GET"},
	},
}

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
	compiled, err := rt.CompileModule(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := instantiateAbsentHost(ctx, rt, compiled); err != nil {
		t.Fatal(err)
	}
	mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	return &rawModule{mod: mod, alloc: mod.ExportedFunction(abi.ExportAlloc), free: mod.ExportedFunction(abi.ExportFree)}
}

// instantiateAbsentHost gives a module run outside the host the host
// functions it imports (a kit may import one its basics plugin calls only
// inside a simulation, as plan), each trapping if called: none of the kit
// cases reaches one.
func instantiateAbsentHost(ctx context.Context, rt wazero.Runtime, m wazero.CompiledModule) error {
	builder := rt.NewHostModuleBuilder(abi.CapabilityModule)
	n := 0
	for _, f := range m.ImportedFunctions() {
		module, name, _ := f.Import()
		if module != abi.CapabilityModule {
			continue
		}
		n++
		builder.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(context.Context, api.Module, []uint64) {
			panic("host function " + name + " called outside the host")
		}), f.ParamTypes(), f.ResultTypes()).Export(name)
	}
	if n == 0 {
		return nil
	}
	_, err := builder.Instantiate(ctx)
	return err
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

// kitCase is a request to a basics plugin that no host would send, or
// that probes a corner of msgpack, and what its kit must answer.
type kitCase struct {
	name    string
	export  string
	req     []byte
	code    abi.Code // "" for ok
	message string   // a part of the error message
	ok      map[string]any
}

// kitCases are the requests every kit other than Go's answers alike.
func kitCases(t testing.TB) []kitCase {
	const agent = "greedy"
	env := func(v any) []byte { return mustMarshal(t, v) }
	deep := bytes.Repeat([]byte{0x91}, 200000) // 200,000 nested arrays
	deep = append(deep, 0xc0)
	deepReq := []byte("\x83\xa9component\xa4echo\xa3key\xa1k\xa7context\x81\xa7subject\x81\xa1x")
	deepReq = append(deepReq, deep...)
	return append(utf8Cases(), []kitCase{
		{"describe", abi.ExportDescribe, env(abi.DescribeRequest{HostABI: "1.0"}), "", "", nil},
		{"describe, unknown keys", abi.ExportDescribe, env(map[string]any{"host_abi": "1.9", "x": []any{1}}), "", "", nil},
		{"unknown component", abi.ExportEnvironment, env(abi.EnvironmentRequest{Component: "nope"}), abi.CodeNotFound, `no environment "nope"`, nil},
		{"component of another kind", abi.ExportEnvironment, env(abi.EnvironmentRequest{Component: agent}), abi.CodeNotFound, "", nil},
		{"unknown actuator", abi.ExportActuate, env(abi.ActuateRequest{Component: "nope"}), abi.CodeNotFound, `no actuator "nope"`, nil},
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
		{"invalid utf-8", abi.ExportEnvironment, []byte("\x81\xa3key\xa2\xff\xfe"), abi.CodeInvalidRequest, "key: not valid UTF-8", nil},
		{"wrong type", abi.ExportEnvironment, env(map[string]any{"component": "echo", "key": 5}), abi.CodeInvalidRequest, "key: not a string", nil},
		{"context not a map", abi.ExportEnvironment, env(map[string]any{"component": "echo", "context": "x"}), abi.CodeInvalidRequest, "context", nil},
		{"subject not a map", abi.ExportEnvironment, env(map[string]any{"component": "echo", "context": map[string]any{"subject": 1}}), abi.CodeInvalidRequest, "context.subject", nil},
		{"invalid byte", abi.ExportEnvironment, []byte("\x81\xa1x\xc1"), abi.CodeInvalidRequest, "", nil},
		{"huge claimed map", abi.ExportEnvironment, []byte("\xdf\xff\xff\xff\xff\xa1x"), abi.CodeInvalidRequest, "", nil},
		{"huge claimed array", abi.ExportAgentReset, []byte("\x82\xa9component" + fixstr(agent) + "\xa5goals\xdd\xff\xff\xff\xff"), abi.CodeInvalidRequest, "goals", nil},
		{"huge claimed string", abi.ExportEnvironment, []byte("\x81\xa3key\xdb\xff\xff\xff\xf0ab"), abi.CodeInvalidRequest, "", nil},
		{"float for int", abi.ExportAgentReset, env(map[string]any{"component": agent, "seed": 1.5}), abi.CodeInvalidRequest, "seed: not an integer", nil},
		{"uint64 out of range", abi.ExportAgentReset, []byte("\x82\xa9component" + fixstr(agent) + "\xa4seed\xcf\xff\xff\xff\xff\xff\xff\xff\xff"), abi.CodeInvalidRequest, "seed: out of range", nil},
		{"int for float", abi.ExportAgentAct, env(map[string]any{"component": agent, "actor": "nobody",
			"observation": map[string]any{"choices": []any{map[string]any{"kind": "wait", "risk": 1}}}}), abi.CodeInvalidRequest, "has no run", nil},
		{"ext is skipped", abi.ExportEnvironment, []byte("\x82\xa9component\xa4echo\xa1x\xd6\xff\x00\x00\x00\x01"), "", "", nil},
		{"agent reset", abi.ExportAgentReset, env(abi.AgentResetRequest{Component: agent, Actor: "a", Goals: []string{"g"}}), "", "", map[string]any{}},
		{"agent act", abi.ExportAgentAct, env(abi.AgentActRequest{Component: agent, Actor: "a",
			Observation: abi.Observation{Choices: []abi.Action{{Kind: "wait", Risk: 0.5, Time: 2}, {Kind: "move", Target: "g", Time: 3}}}}),
			"", "", map[string]any{"action": map[string]any{"kind": "move", "target": "g", "time": 3}}},
		{"oblige", abi.ExportOblige, env(abi.ObligeRequest{Component: "require-reason", Context: abi.Context{Access: map[string]any{"reason": "r"}}}),
			"", "", map[string]any{"fulfilled": true}},
		{"actuate", abi.ExportActuate, env(abi.ActuateRequest{Component: "echo", Command: abi.Command{Action: "deny", Target: map[string]any{"ipv4_net": "10.0.0.1"}},
			Headers: abi.Headers{RequestID: "r", Created: -1, To: []string{"a"}}}),
			"", "", map[string]any{"status": 200, "results": map[string]any{"x-echo": map[string]any{"action": "deny", "target": map[string]any{"ipv4_net": "10.0.0.1"}}}}},
		{"command not a map", abi.ExportActuate, env(map[string]any{"component": "echo", "command": []any{}}), abi.CodeInvalidRequest, "command", nil},
		{"target not a map", abi.ExportActuate, env(map[string]any{"component": "echo", "command": map[string]any{"target": "ipv4_net"}}),
			abi.CodeInvalidRequest, "command.target: not a map", nil},
		{"target key not a string", abi.ExportActuate, []byte("\x82\xa9component\xa4echo\xa7command\x81\xa6target\x81\x01\xc0"),
			abi.CodeInvalidRequest, "command.target", nil},
		{"target key not valid UTF-8", abi.ExportActuate, []byte("\x82\xa9component\xa4echo\xa7command\x81\xa6target\x81\xa1\xff\xc0"),
			abi.CodeInvalidRequest, "command.target", nil},
		{"component not valid UTF-8", abi.ExportObject, []byte("\x81\xa9component\xa3\xed\xa0\x80"), abi.CodeInvalidRequest, "component: not valid UTF-8", nil},
		{"headers.to not an array", abi.ExportActuate, env(map[string]any{"component": "echo", "headers": map[string]any{"to": "a"}}),
			abi.CodeInvalidRequest, "headers.to", nil},
		{"object", abi.ExportObject, env(abi.ObjectRequest{Component: "path-segments", Path: "/a//b", Object: map[string]any{"x": []any{1}}}),
			"", "", map[string]any{"attributes": map[string]any{"segments": []any{"a", "b"}, "resource": "a"}}},
		{"path not a string", abi.ExportObject, env(map[string]any{"component": "path-segments", "path": 1}), abi.CodeInvalidRequest, "path: not a string", nil},
		{"object not a map", abi.ExportObject, env(map[string]any{"component": "path-segments", "object": "x"}), abi.CodeInvalidRequest, "object: not a map", nil},
		{"unknown key not valid UTF-8", abi.ExportEnvironment, []byte("\x82\xa9component\xa4echo\xa2\xff\xfe\xc0"), abi.CodeInvalidRequest, "", nil},
		{"unknown context key not valid UTF-8", abi.ExportEnvironment, []byte("\x82\xa9component\xa4echo\xa7context\x81\xa2\xc3\x28\xc0"),
			abi.CodeInvalidRequest, "", nil},
	}...)
}

// utf8Cases are strings of 1 to 40 bytes, to cover every way a kit may take
// the bytes of a string in when it checks them for UTF-8 (one at a time, in
// words, in overlapping words): one byte that is not UTF-8, at the start, in
// the middle or at the end, makes the request invalid; a two-byte character
// at the end is echoed.
func utf8Cases() []kitCase {
	var cases []kitCase
	req := func(key []byte) []byte { // {"component": "echo", "key": key}, key a str 8
		return append(append([]byte("\x82\xa9component\xa4echo\xa3key\xd9"), byte(len(key))), key...)
	}
	for n := 1; n <= 40; n++ {
		for _, at := range slices.Compact([]int{0, n / 2, n - 1}) {
			s := []byte(strings.Repeat("a", n))
			s[at] = 0x80
			cases = append(cases, kitCase{fmt.Sprintf("%d bytes, byte %d not UTF-8", n, at), abi.ExportEnvironment,
				req(s), abi.CodeInvalidRequest, "key: not valid UTF-8", nil})
		}
		if n >= 2 {
			s := strings.Repeat("a", n-2) + "é"
			cases = append(cases, kitCase{fmt.Sprintf("%d bytes, UTF-8 at the end", n), abi.ExportEnvironment,
				req([]byte(s)), "", "",
				map[string]any{"value": map[string]any{"key": s, "subject": nil}}})
		}
	}
	return cases
}

// kitRequests sends the basics plugin file wasm, named plugin, outside the
// host, the kit cases: its kit must answer each with one well-formed
// envelope, and refuse the malformed ones as the other kits do.
func kitRequests(t *testing.T, wasm, plugin string) {
	m := newRawModule(t, wasm)
	env := func(v any) []byte { return mustMarshal(t, v) }
	for _, tc := range kitCases(t) {
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
	// A kit may be built for an earlier minor version: the host loads it.
	major, minor, _ := abi.ParseVersion(man.OK.ABI)
	if err := man.OK.Validate(); err != nil || man.OK.Name != plugin || major != abi.Major || minor > abi.Minor {
		t.Errorf("manifest %+v: %v", man.OK, err)
	}

	// A request outside any buffer from gatehouse_alloc is refused, not read.
	ctx := context.Background()
	res, err := m.mod.ExportedFunction(abi.ExportEnvironment).Call(ctx, 8, 100)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := m.mod.Memory().Read(abi.UnpackReply(res[0]))
	if _, e, err := checkEnvelope(bytes.Clone(out)); err != nil || e == nil || e.Code != abi.CodeInvalidRequest {
		t.Errorf("request at 8: error %v, %v; want invalid_request", e, err)
	}

	// gatehouse_alloc(0) gives a usable address; gatehouse_free takes back a
	// any buffer.
	for _, size := range []uint64{0, 1, 100, 1 << 20} {
		res, err := m.alloc.Call(ctx, size)
		if err != nil || res[0] == 0 {
			t.Fatalf("alloc(%d) = %v, %v", size, res, err)
		}
		if _, err := m.free.Call(ctx, res[0], size); err != nil {
			t.Fatalf("free: %v", err)
		}
	}
	// A double free traps rather than corrupting the heap.
	res, err = m.alloc.Call(ctx, 64)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.free.Call(ctx, res[0], 64); err != nil {
		t.Fatal(err)
	}
	if _, err := m.free.Call(ctx, res[0], 64); err == nil {
		t.Error("double free did not trap")
	}
}

// kitMemoryIsReused calls the plugin file wasm many times with requests of
// many sizes and agent runs that replace each other: its memory must stop
// growing.
func kitMemoryIsReused(t *testing.T, wasm, agent string) {
	m := newRawModule(t, wasm)
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
			c.reset.Component, c.reset.Actor = agent, fmt.Sprintf("a%d", i%7)
			if _, err := m.call(abi.ExportAgentReset, mustMarshal(t, c.reset)); err != nil {
				t.Fatal(err)
			}
			act := abi.AgentActRequest{Component: agent, Actor: c.reset.Actor, Observation: c.obs}
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
	t.Logf("settles at %d pages", pages)
}

// fuzzExports are the call exports a fuzz input picks from with its first
// byte.
var fuzzExports = []string{abi.ExportDescribe, abi.ExportActuate, abi.ExportOblige, abi.ExportEnvironment,
	abi.ExportObject, abi.ExportAgentReset, abi.ExportAgentAct}

// fuzzKit sends the basics plugin file wasm arbitrary bytes on every call
// export: its kit must never trap and always answer one well-formed
// envelope. An input is the export's index in its first byte, then the
// request. The seeds are the kit cases (but for the largest), a request of
// each kind, and the resets and acts of greedy cases.
func fuzzKit(f *testing.F, wasm string) {
	seed := func(export string, req []byte) {
		f.Add(append([]byte{byte(slices.Index(fuzzExports, export))}, req...))
	}
	for _, tc := range kitCases(f) {
		if len(tc.req) <= 4096 {
			seed(tc.export, tc.req)
		}
	}
	seed(abi.ExportActuate, mustMarshal(f, abi.ActuateRequest{Component: "echo",
		Command: abi.Command{Action: "query", Target: map[string]any{"features": []any{"versions", "profiles", "pairs"}}}}))
	seed(abi.ExportOblige, mustMarshal(f, abi.ObligeRequest{Component: "require-reason", Decision: abi.DecisionDeny,
		Context: abi.Context{Access: map[string]any{"reason": ""}, Subject: map[string]any{"id": []any{1.5, nil}}}}))
	seed(abi.ExportEnvironment, mustMarshal(f, abi.EnvironmentRequest{Component: "echo", Key: "echo", Context: benchRequest.Context}))
	seed(abi.ExportObject, mustMarshal(f, abi.ObjectRequest{Component: "path-segments", Path: "//é/ü/" + strings.Repeat("s/", 20)}))
	for _, c := range greedyCases(5) {
		c.reset.Component, c.reset.Actor = "greedy", "a"
		seed(abi.ExportAgentReset, mustMarshal(f, c.reset))
		seed(abi.ExportAgentAct, mustMarshal(f, abi.AgentActRequest{Component: "greedy", Actor: "a", Observation: c.obs}))
	}
	// One instance for every input, as in the host, so that state carries
	// over from call to call.
	m := newRawModule(f, wasm)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		reply, err := m.call(fuzzExports[int(data[0])%len(fuzzExports)], data[1:])
		if err != nil {
			t.Fatalf("trap: %v", err)
		}
		if _, _, err := checkEnvelope(reply); err != nil {
			t.Fatal(err)
		}
	})
}

// fixstr returns s as a msgpack fixstr: its length in the header byte.
func fixstr(s string) string { return string([]byte{byte(0xa0 | len(s))}) + s }

// benchRawEcho calls the environment component echo of the plugin file wasm
// straight through wazero, with one request buffer reused as the host does:
// the plugin's own cost, without the host's. Besides the time per call it
// reports the process's CPU time per call (cpu-us/op), as the host's call
// benchmarks do.
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
	cpu, n := cputime.Used(b), 0
	for b.Loop() {
		mem.Write(ptr, body)
		stack[0], stack[1] = uint64(ptr), uint64(len(body))
		if err := env.CallWithStack(ctx, stack); err != nil {
			b.Fatal(err)
		}
		if _, ok := mem.Read(abi.UnpackReply(stack[0])); !ok {
			b.Fatal("reply outside memory")
		}
		n++
	}
	b.ReportMetric(float64(cputime.Used(b)-cpu)/float64(time.Microsecond)/float64(n), "cpu-us/op")
}
