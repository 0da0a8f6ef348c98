package registry

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

// testRegistry returns a registry with one component of each kind.
func testRegistry() *Registry {
	r := New()
	r.Plugin("test", "0.1.0", "components for tests")
	r.Require(abi.CapLog, abi.CapKV, abi.CapLog)
	r.Actuator(abi.Component{Name: "act", Pairs: map[string][]string{"query": {"features"}}},
		func(req abi.ActuateRequest) (abi.ActuateReply, error) {
			return abi.ActuateReply{Status: 200, StatusText: req.Command.Action}, nil
		})
	r.Obligation(abi.Component{Name: "oblige"}, func(req abi.ObligeRequest) (abi.ObligeReply, error) {
		return abi.ObligeReply{Fulfilled: req.Decision == abi.DecisionGrant}, nil
	})
	r.Environment(abi.Component{Name: "env", Attributes: []string{"k"}}, func(req abi.EnvironmentRequest) (any, error) {
		switch req.Key {
		case "abi-error":
			return nil, fmt.Errorf("wrapped: %w", abi.Errorf(abi.CodeDenied, "no %s", req.Key))
		case "plain-error":
			return nil, errors.New("disk on fire")
		case "panic":
			panic("boom")
		case "unencodable":
			return make(chan int), nil
		}
		return "v:" + req.Key, nil
	})
	r.Object(abi.Component{Name: "obj", Priority: 3}, func(req abi.ObjectRequest) (map[string]any, error) {
		return map[string]any{"path": req.Path}, nil
	})
	r.Agent(abi.Component{Name: "agent"},
		func(req abi.AgentResetRequest) error {
			if req.Seed < 0 {
				return abi.Errorf(abi.CodeInvalidRequest, "negative seed")
			}
			return nil
		},
		func(req abi.AgentActRequest) (abi.Action, error) { return req.Observation.Choices[0], nil })
	return r
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeReply decodes a reply envelope with an ok of type T.
func decodeReply[T any](t *testing.T, b []byte) abi.Reply[T] {
	t.Helper()
	var rep abi.Reply[T]
	if err := msgpack.Unmarshal(b, &rep); err != nil {
		t.Fatalf("reply %q is not msgpack: %v", b, err)
	}
	if (rep.OK == nil) == (rep.Error == nil) {
		t.Fatalf("reply %+v must have exactly one of ok and error", rep)
	}
	return rep
}

func TestCallOK(t *testing.T) {
	r := testRegistry()
	tests := []struct {
		name   string
		export string
		req    any
		want   any // the decoded ok payload
	}{
		{"actuate", abi.ExportActuate,
			abi.ActuateRequest{Component: "act", Command: abi.Command{Action: "query"}},
			abi.ActuateReply{Status: 200, StatusText: "query"}},
		{"oblige", abi.ExportOblige,
			abi.ObligeRequest{Component: "oblige", Decision: abi.DecisionGrant},
			abi.ObligeReply{Fulfilled: true}},
		{"environment", abi.ExportEnvironment,
			abi.EnvironmentRequest{Component: "env", Key: "k"},
			abi.EnvironmentReply{Value: "v:k"}},
		{"object", abi.ExportObject,
			abi.ObjectRequest{Component: "obj", Path: "/a"},
			abi.ObjectReply{Attributes: map[string]any{"path": "/a"}}},
		{"agent reset", abi.ExportAgentReset,
			abi.AgentResetRequest{Component: "agent", Seed: 1},
			abi.AgentResetReply{}},
		{"agent act", abi.ExportAgentAct,
			abi.AgentActRequest{Component: "agent", Observation: abi.Observation{Choices: []abi.Action{{Kind: "wait"}}}},
			abi.AgentActReply{Action: abi.Action{Kind: "wait"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := marshal(t, tt.req)
			orig := bytes.Clone(req)
			out := r.Call(tt.export, req)
			if !bytes.Equal(req, orig) {
				t.Errorf("Call mutated the request")
			}
			// Decode ok into the payload's own type.
			got := reflect.New(reflect.TypeOf(tt.want))
			envelope := map[string]msgpack.RawMessage{}
			if err := msgpack.Unmarshal(out, &envelope); err != nil {
				t.Fatal(err)
			}
			if e, ok := envelope["error"]; ok {
				t.Fatalf("error reply %q", e)
			}
			if err := msgpack.Unmarshal(envelope["ok"], got.Interface()); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Elem().Interface(), tt.want) {
				t.Errorf("ok = %+v, want %+v", got.Elem().Interface(), tt.want)
			}
		})
	}
}

func TestCallError(t *testing.T) {
	r := testRegistry()
	env := func(key string) []byte {
		return marshal(t, abi.EnvironmentRequest{Component: "env", Key: key})
	}
	tests := []struct {
		name    string
		export  string
		req     []byte
		want    abi.Code
		message string
	}{
		{"malformed request", abi.ExportEnvironment, []byte{0xc1}, abi.CodeInvalidRequest, ""},
		{"wrong shape", abi.ExportEnvironment, marshal(t, []int{1, 2}), abi.CodeInvalidRequest, ""},
		{"empty request", abi.ExportEnvironment, nil, abi.CodeInvalidRequest, ""},
		{"unknown component", abi.ExportEnvironment,
			marshal(t, abi.EnvironmentRequest{Component: "nope"}), abi.CodeNotFound, `no environment "nope"`},
		{"component of another kind", abi.ExportActuate,
			marshal(t, abi.ActuateRequest{Component: "env"}), abi.CodeNotFound, `no actuator "env"`},
		{"unknown export", "gatehouse_nope", env("k"), abi.CodeNotFound, `no export "gatehouse_nope"`},
		{"abi error passes through", abi.ExportEnvironment, env("abi-error"), abi.CodeDenied, "no abi-error"},
		{"plain error is internal", abi.ExportEnvironment, env("plain-error"), abi.CodeInternal, "disk on fire"},
		{"panic is internal", abi.ExportEnvironment, env("panic"), abi.CodeInternal, "panic: boom"},
		{"unencodable reply is internal", abi.ExportEnvironment, env("unencodable"), abi.CodeInternal, ""},
		{"reset refuses", abi.ExportAgentReset,
			marshal(t, abi.AgentResetRequest{Component: "agent", Seed: -1}), abi.CodeInvalidRequest, "negative seed"},
		{"act panics on empty choices", abi.ExportAgentAct,
			marshal(t, abi.AgentActRequest{Component: "agent"}), abi.CodeInternal, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := decodeReply[map[string]any](t, r.Call(tt.export, tt.req))
			if rep.Error == nil {
				t.Fatalf("reply ok %v, want error %s", *rep.OK, tt.want)
			}
			if rep.Error.Code != tt.want {
				t.Errorf("code = %s (%s), want %s", rep.Error.Code, rep.Error.Message, tt.want)
			}
			if tt.message != "" && rep.Error.Message != tt.message {
				t.Errorf("message = %q, want %q", rep.Error.Message, tt.message)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	r := testRegistry()
	rep := decodeReply[abi.Manifest](t, r.Call(abi.ExportDescribe, marshal(t, abi.DescribeRequest{HostABI: "1.0"})))
	if rep.Error != nil {
		t.Fatal(rep.Error)
	}
	m := *rep.OK
	if err := m.Validate(); err != nil {
		t.Errorf("manifest does not validate: %v", err)
	}
	if !reflect.DeepEqual(m, r.Manifest()) {
		t.Errorf("describe = %+v, Manifest() = %+v", m, r.Manifest())
	}
	if m.ABI != abi.Version || m.Name != "test" || m.Version != "0.1.0" {
		t.Errorf("manifest header = %q %q %q", m.ABI, m.Name, m.Version)
	}
	if want := []abi.Capability{abi.CapLog, abi.CapKV}; !reflect.DeepEqual(m.Capabilities, want) {
		t.Errorf("capabilities = %v, want %v", m.Capabilities, want)
	}
	var kinds []abi.Kind
	for _, c := range m.Components {
		kinds = append(kinds, c.Kind)
	}
	if !reflect.DeepEqual(kinds, abi.Kinds) {
		t.Errorf("component kinds = %v, want %v", kinds, abi.Kinds)
	}
	if m.Components[3].Priority != 3 {
		t.Errorf("object priority = %d, want 3", m.Components[3].Priority)
	}

	bad := decodeReply[abi.Manifest](t, r.Call(abi.ExportDescribe, []byte{0xc1}))
	if bad.Error == nil || bad.Error.Code != abi.CodeInvalidRequest {
		t.Errorf("malformed describe request: %+v", bad)
	}
}

func TestManifestIsACopy(t *testing.T) {
	r := testRegistry()
	m := r.Manifest()
	m.Components[0].Name = "changed"
	m.Capabilities[0] = abi.CapExec
	if got := r.Manifest(); got.Components[0].Name != "act" || got.Capabilities[0] != abi.CapLog {
		t.Errorf("Manifest shares storage with the registry: %+v", got)
	}
}

func TestRegisterPanics(t *testing.T) {
	env := func(abi.EnvironmentRequest) (any, error) { return nil, nil }
	tests := []struct {
		name     string
		register func(r *Registry)
	}{
		{"duplicate", func(r *Registry) { r.Environment(abi.Component{Name: "env"}, env) }},
		{"nil handler", func(r *Registry) { r.Environment(abi.Component{Name: "other"}, nil) }},
		{"nil agent act", func(r *Registry) {
			r.Agent(abi.Component{Name: "a2"}, func(abi.AgentResetRequest) error { return nil }, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRegistry()
			defer func() {
				if recover() == nil {
					t.Error("registration did not panic")
				}
			}()
			tt.register(r)
		})
	}
	// The same name under another kind is fine.
	testRegistry().Actuator(abi.Component{Name: "env"}, func(abi.ActuateRequest) (abi.ActuateReply, error) {
		return abi.ActuateReply{}, nil
	})
}

func TestErrorReply(t *testing.T) {
	rep := decodeReply[struct{}](t, ErrorReply(abi.Errorf(abi.CodeUnavailable, "later")))
	if *rep.Error != (abi.Error{Code: abi.CodeUnavailable, Message: "later"}) {
		t.Errorf("ErrorReply round trip = %+v", rep.Error)
	}
}

// TestCallConcurrently checks that calls on one Registry from several
// goroutines each answer their own request: one reuses the values of the
// last request, the others decode into values of their own.
func TestCallConcurrently(t *testing.T) {
	r := New()
	r.Agent(abi.Component{Name: "agent"}, func(abi.AgentResetRequest) error { return nil },
		func(req abi.AgentActRequest) (abi.Action, error) {
			return abi.Action{Kind: req.Observation.Choices[0].Kind, Target: req.Actor}, nil
		})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			actor := fmt.Sprint("actor-", g)
			req, err := abi.AppendMsgpack(nil, abi.AgentActRequest{Component: "agent", Actor: actor,
				Observation: abi.Observation{Choices: []abi.Action{{Kind: actor}}}})
			if err != nil {
				t.Error(err)
				return
			}
			for range 500 {
				var rep abi.Reply[abi.AgentActReply]
				if err := abi.UnmarshalMsgpack(r.Call(abi.ExportAgentAct, req), &rep); err != nil || rep.OK == nil ||
					rep.OK.Action != (abi.Action{Kind: actor, Target: actor}) {
					t.Errorf("%s: reply %+v, %v", actor, rep, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestCallComponentsInTurn calls components of one kind in turn, and one
// that does not exist between them: each call reaches its own handler,
// though a call finds the handler of the last one's component without a
// lookup.
func TestCallComponentsInTurn(t *testing.T) {
	r := New()
	for _, name := range []string{"a", "b"} {
		r.Environment(abi.Component{Name: name}, func(req abi.EnvironmentRequest) (any, error) {
			return name + ":" + req.Key, nil
		})
	}
	var reply []byte
	for i, name := range []string{"a", "a", "b", "nope", "b", "a", "nope", "nope", "a"} {
		reply = r.AppendCall(reply[:0], abi.ExportEnvironment, marshal(t, abi.EnvironmentRequest{Component: name, Key: "k"}))
		rep := decodeReply[abi.EnvironmentReply](t, reply)
		if name == "nope" {
			if rep.Error == nil || rep.Error.Code != abi.CodeNotFound {
				t.Errorf("call %d to %s: reply %+v, want not_found", i, name, rep)
			}
			continue
		}
		if rep.OK == nil || rep.OK.Value != name+":k" {
			t.Errorf("call %d to %s: reply %+v %+v, want %s:k", i, name, rep.OK, rep.Error, name)
		}
	}
}
