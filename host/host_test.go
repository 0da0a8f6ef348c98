package host

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
)

// bindings are the twin reference plugins: the same components, one per
// binding. Every behavioural case runs against both.
var bindings = []struct {
	plugin     string
	binding    Binding
	components int
}{
	{"basics", BindingNative, 8},
	{"basics-extism", BindingExtism, 7}, // no planner: Extism plugins cannot call plan
}

func TestBehaviourAcrossBindings(t *testing.T) {
	h := newHost(t, Config{}, srcBasics, srcBasicsExtism)
	ctx := context.Background()

	cases := []struct {
		name string
		call func(plugin string) (any, error)
		want any
	}{
		{
			name: "actuator query features",
			call: func(p string) (any, error) {
				return h.Actuate(ctx, p+"/echo", abi.ActuateRequest{Command: abi.Command{
					Action: "query", Target: map[string]any{"features": []any{"versions", "profiles"}},
				}})
			},
			want: abi.ActuateReply{Status: 200, Results: map[string]any{
				"versions": []any{"1.0"}, "profiles": []any{"x-echo"},
			}},
		},
		{
			name: "actuator echoes a supported pair",
			call: func(p string) (any, error) {
				return h.Actuate(ctx, p+"/echo", abi.ActuateRequest{Command: abi.Command{
					Action: "deny", Target: map[string]any{"ipv4_net": "10.0.0.0/8"},
				}})
			},
			want: abi.ActuateReply{Status: 200, Results: map[string]any{"x-echo": map[string]any{
				"action": "deny", "target": map[string]any{"ipv4_net": "10.0.0.0/8"},
			}}},
		},
		{
			name: "actuator refuses an unsupported pair",
			call: func(p string) (any, error) {
				return h.Actuate(ctx, p+"/echo", abi.ActuateRequest{Command: abi.Command{
					Action: "start", Target: map[string]any{"file": map[string]any{}},
				}})
			},
			want: abi.ActuateReply{Status: 501, StatusText: "command not supported: start file"},
		},
		{
			name: "obligation fulfilled",
			call: func(p string) (any, error) {
				return h.Oblige(ctx, p+"/require-reason", abi.ObligeRequest{
					Decision: abi.DecisionGrant, Context: abi.Context{Access: map[string]any{"reason": "incident 42"}},
				})
			},
			want: abi.ObligeReply{Fulfilled: true},
		},
		{
			name: "obligation not fulfilled",
			call: func(p string) (any, error) {
				return h.Oblige(ctx, p+"/require-reason", abi.ObligeRequest{Decision: abi.DecisionGrant})
			},
			want: abi.ObligeReply{Reason: "access.reason is missing"},
		},
		{
			name: "environment setter",
			call: func(p string) (any, error) {
				return h.Environment(ctx, p+"/weekday", abi.EnvironmentRequest{
					Key: "weekday", Context: abi.Context{Environment: map[string]any{"time": "2026-11-23T10:00:00Z"}},
				})
			},
			want: abi.EnvironmentReply{Value: "Monday"},
		},
		{
			name: "environment setter error reply",
			call: func(p string) (any, error) {
				return h.Environment(ctx, p+"/weekday", abi.EnvironmentRequest{Key: "hour"})
			},
			want: &abi.Error{Code: abi.CodeNotFound, Message: `weekday provides the key weekday, not "hour"`},
		},
		{
			name: "object setter",
			call: func(p string) (any, error) {
				return h.Object(ctx, p+"/path-segments", abi.ObjectRequest{Path: "/reports/2026/q3.pdf"})
			},
			want: abi.ObjectReply{Attributes: map[string]any{
				"resource": "reports", "segments": []any{"reports", "2026", "q3.pdf"},
			}},
		},
		{
			name: "agent plans towards its goal",
			call: func(p string) (any, error) {
				s, err := h.Session(ctx, abi.KindAgent, p+"/greedy")
				if err != nil {
					return nil, err
				}
				defer s.Close()
				err = s.AgentReset(ctx, abi.AgentResetRequest{Actor: "eve", Seed: 1, Goals: []string{"vault"},
					Edges: []abi.Edge{{From: "hall", To: "office"}, {From: "hall", To: "lab"}, {From: "lab", To: "vault"}}})
				if err != nil {
					return nil, err
				}
				return s.AgentAct(ctx, abi.AgentActRequest{Actor: "eve", Observation: abi.Observation{
					Tick: 1, Location: "hall", Goals: []string{"vault"},
					Choices: []abi.Action{{Kind: "wait"}, {Kind: "move", Target: "office"}, {Kind: "move", Target: "lab"}},
				}})
			},
			want: abi.Action{Kind: "move", Target: "lab"},
		},
	}
	for _, tc := range cases {
		for _, b := range bindings {
			t.Run(tc.name+"/"+string(b.binding), func(t *testing.T) {
				got, err := tc.call(b.plugin)
				if want, ok := tc.want.(*abi.Error); ok {
					var ce *CallError
					if !errors.As(err, &ce) || !reflect.DeepEqual(ce.Err, want) {
						t.Fatalf("error = %v, want %v", err, want)
					}
					if ce.Plugin != b.plugin {
						t.Errorf("error names plugin %q, want %q", ce.Plugin, b.plugin)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(normalize(got), normalize(tc.want)) {
					t.Errorf("reply = %#v\nwant    %#v", got, tc.want)
				}
			})
		}
	}
}

// normalize turns the integer types msgpack picks for small numbers into
// int64, so replies compare by value.
func normalize(v any) any {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int, reflect.Int64:
		return rv.Int()
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint, reflect.Uint64:
		return int64(rv.Uint())
	case reflect.Map:
		out := map[any]any{}
		for _, k := range rv.MapKeys() {
			out[k.Interface()] = normalize(rv.MapIndex(k).Interface())
		}
		return out
	case reflect.Slice:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalize(rv.Index(i).Interface())
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		for i := 0; i < rv.NumField(); i++ {
			out[rv.Type().Field(i).Name] = normalize(rv.Field(i).Interface())
		}
		return out
	}
	return v
}

func TestBindingsDetected(t *testing.T) {
	h := newHost(t, Config{}, srcBasics, srcBasicsExtism)
	for _, b := range bindings {
		st := status(t, h, b.plugin+".wasm")
		if st.Status != StatusOK || st.Binding != b.binding || st.Name != b.plugin {
			t.Errorf("%s: status %s, binding %s, name %s; want OK, %s, %s", b.plugin, st.Status, st.Binding, st.Name, b.binding, b.plugin)
		}
		if len(st.Components) != b.components {
			t.Errorf("%s: %d components, want %d", b.plugin, len(st.Components), b.components)
		}
	}
}

func TestUnknownComponent(t *testing.T) {
	h := newHost(t, Config{}, srcBasics)
	_, err := h.Environment(context.Background(), "nope", abi.EnvironmentRequest{Key: "x"})
	if !errors.Is(err, &abi.Error{Code: abi.CodeNoComponent}) {
		t.Fatalf("error = %v, want code %s", err, abi.CodeNoComponent)
	}
}

func TestKVSurvivesRestart(t *testing.T) {
	store := filepath.Join(t.TempDir(), "store.db")
	cfg := Config{
		StorePath: store,
		Plugins:   map[string]PluginConfig{"kvcounter": {Grants: Grants{Log: true, Clock: true, KV: KVGrant{Granted: true}}}},
	}
	count := func(h *Host) any {
		t.Helper()
		rep, err := h.Environment(context.Background(), "counter", abi.EnvironmentRequest{Key: "hits"})
		if err != nil {
			t.Fatal(err)
		}
		return normalize(rep.Value)
	}
	h := newHost(t, cfg, srcKVCounter)
	for want := int64(1); want <= 2; want++ {
		if got := count(h); got != want {
			t.Fatalf("count = %v, want %d", got, want)
		}
	}
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	h = newHost(t, cfg, srcKVCounter)
	if got := count(h); got != int64(3) {
		t.Fatalf("count after restart = %v, want 3", got)
	}
}

func TestUngrantedCapabilityRefused(t *testing.T) {
	h := newHost(t, Config{}, srcKVCounter)
	st := status(t, h, "kvcounter.wasm")
	if st.Status != StatusError {
		t.Fatalf("status = %s, want ERROR", st.Status)
	}
	for _, want := range []string{"capability_denied", "plugins.kvcounter.grants.kv", "plugins.kvcounter.grants.log", "plugins.kvcounter.grants.clock"} {
		if !strings.Contains(st.Message, want) {
			t.Errorf("message %q does not name %q", st.Message, want)
		}
	}
}

func TestCallRawLeavesRequestAlone(t *testing.T) {
	h := newHost(t, Config{}, srcBasics)
	req := map[string]any{"key": "echo", "context": map[string]any{"subject": map[string]any{"id": "bob"}}}
	want := fmt.Sprint(req)
	rep, err := h.CallRaw(context.Background(), abi.KindEnvironment, "echo", abi.ExportEnvironment, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(req); got != want {
		t.Errorf("request changed to %s", got)
	}
	if v := rep["value"].(map[string]any)["subject"]; v != "bob" {
		t.Errorf("reply value subject = %v, want bob", v)
	}
}

func TestResolve(t *testing.T) {
	h := newHost(t, Config{}, srcBasics)
	for _, tc := range []struct {
		ref, kind, name, err string
	}{
		{ref: "weekday", kind: "environment", name: "weekday"},
		{ref: "agent:greedy", kind: "agent", name: "greedy"},
		{ref: "agent:basics/greedy", kind: "agent", name: "greedy"},
		{ref: "basics/weekday", kind: "environment", name: "weekday"},
		{ref: "echo", err: `several components match "echo"; say which: actuator:echo, environment:echo`},
		{ref: "nope", err: `no component "nope"; the plugins provide actuator:echo, `},
		{ref: "other/weekday", err: `no component "other/weekday"`},
		{ref: "agent/greedy", err: `agent is a kind, written before a colon: agent:greedy`},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			c, err := h.Resolve(tc.ref)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Resolve(%q) error = %v, want %q", tc.ref, err, tc.err)
				}
				return
			}
			if err != nil || string(c.Component.Kind) != tc.kind || c.Component.Name != tc.name || c.Ref() != "basics/"+tc.name {
				t.Errorf("Resolve(%q) = %+v, %v", tc.ref, c, err)
			}
		})
	}
}
