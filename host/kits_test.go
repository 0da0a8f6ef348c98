package host

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

// The checks every kit other than Go's passes the same way, outside the
// host, on its reference plugin.

// kitRequests sends the plugin file wasm, named plugin, with the agent and
// obligation components given, outside the host, requests no host would:
// its kit must answer each with one well-formed envelope.
func kitRequests(t *testing.T, wasm, plugin, agent, obligation string) {
	m := newRawModule(t, wasm)
	env := func(v any) []byte { return mustMarshal(t, v) }
	deep := bytes.Repeat([]byte{0x91}, 200000) // 200,000 nested arrays
	deep = append(deep, 0xc0)
	deepReq := []byte("\x83\xa9component\xa4echo\xa3key\xa1k\xa7context\x81\xa7subject\x81\xa1x")
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
		{"component of another kind", abi.ExportEnvironment, env(abi.EnvironmentRequest{Component: agent}), abi.CodeNotFound, "", nil},
		{"kind without components", abi.ExportActuate, env(abi.ActuateRequest{Component: "echo"}), abi.CodeNotFound, `no actuator "echo"`, nil},
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
		{"oblige", abi.ExportOblige, env(abi.ObligeRequest{Component: obligation, Context: abi.Context{Access: map[string]any{"reason": "r"}}}),
			"", "", map[string]any{"fulfilled": true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if m.mod.ExportedFunction(tc.export) == nil {
				t.Skipf("the kit exports %s only for plugins with components of its kind", tc.export)
			}
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
	if err := man.OK.Validate(); err != nil || man.OK.Name != plugin || man.OK.ABI != abi.Version {
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

// fixstr returns s as a msgpack fixstr: its length in the header byte.
func fixstr(s string) string { return string([]byte{byte(0xa0 | len(s))}) + s }

// manifestMatchesGo checks that the plugin file of h serves, natively, the
// components twins names, each declared as its twin in the Go basics (also
// served by h) but for the name; twins maps "kind/name" to "kind/name".
func manifestMatchesGo(t *testing.T, h *Host, file string, twins map[string]string) {
	t.Helper()
	st := status(t, h, file)
	if st.Status != StatusOK || st.Binding != BindingNative {
		t.Fatalf("%s: status %s (%s), binding %s; want OK, native", file, st.Status, st.Message, st.Binding)
	}
	goc, kc := componentsOf(t, h, "basics.wasm"), componentsOf(t, h, file)
	if len(kc) != len(twins) {
		t.Errorf("%s components = %v, want %d", file, slices.Sorted(maps.Keys(kc)), len(twins))
	}
	for k, g := range twins {
		got, want := kc[k], goc[g]
		got.Name, want.Name = "", ""
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s = %+v\nwant (as %s of basics) %+v", file, k, got, g, want)
		}
	}
}

// componentsOf returns the components of the plugin file of h by "kind/name".
func componentsOf(t *testing.T, h *Host, file string) map[string]abi.Component {
	t.Helper()
	out := map[string]abi.Component{}
	for _, c := range status(t, h, file).Components {
		out[string(c.Kind)+"/"+c.Name] = c
	}
	return out
}
