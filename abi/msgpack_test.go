package abi_test

import (
	"fmt"
	"reflect"
	"testing"
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

// wireValues are the call types, filled in, each with the generic map its
// encoding must decode to: the shape their struct tags describe.
var wireValues = []struct {
	name  string
	value any // a pointer
	wire  map[string]any
}{
	{"environment request", &abi.EnvironmentRequest{
		Component: "echo", Key: "k",
		Context: abi.Context{Subject: map[string]any{"id": "alice"}, Access: map[string]any{"method": "GET"}},
	}, map[string]any{
		"component": "echo", "key": "k",
		"context": map[string]any{"subject": map[string]any{"id": "alice"}, "access": map[string]any{"method": "GET"}},
	}},
	{"environment reply", &abi.EnvironmentReply{Value: []any{"a", true}}, map[string]any{"value": []any{"a", true}}},
	{"environment reply, unknown value", &abi.EnvironmentReply{}, map[string]any{"value": nil}},
	{"obligation request", &abi.ObligeRequest{
		Component: "o", Decision: abi.DecisionGrant, Config: map[string]any{"to": "x"},
	}, map[string]any{"component": "o", "decision": "GRANT", "context": map[string]any{}, "config": map[string]any{"to": "x"}}},
	{"obligation reply", &abi.ObligeReply{Reason: "no"}, map[string]any{"fulfilled": false, "reason": "no"}},
	{"actuate request", &abi.ActuateRequest{
		Component: "fw",
		Command: abi.Command{Action: "deny", Target: map[string]any{"ipv4_net": "10.0.0.0/8"},
			Args: map[string]any{"response_requested": "complete"}, CommandID: "c1"},
		Headers:    abi.Headers{RequestID: "r1", Created: 1700000000000, To: []string{"a", "b"}},
		Profile:    "slpf",
		Specifiers: map[string]any{"hostname": "fw1"},
	}, map[string]any{
		"component": "fw",
		"command": map[string]any{"action": "deny", "target": map[string]any{"ipv4_net": "10.0.0.0/8"},
			"args": map[string]any{"response_requested": "complete"}, "command_id": "c1"},
		"headers":    map[string]any{"request_id": "r1", "created": uint64(1700000000000), "to": []any{"a", "b"}},
		"profile":    "slpf",
		"specifiers": map[string]any{"hostname": "fw1"},
	}},
	{"actuate request, no headers", &abi.ActuateRequest{Component: "fw", Command: abi.Command{Action: "query", Target: map[string]any{"features": []any{}}}},
		map[string]any{"component": "fw", "command": map[string]any{"action": "query", "target": map[string]any{"features": []any{}}}}},
	{"actuate reply", &abi.ActuateReply{Status: 200, Results: map[string]any{"slpf": map[string]any{"rule_number": int8(3)}}},
		map[string]any{"status": uint8(200), "results": map[string]any{"slpf": map[string]any{"rule_number": int8(3)}}}},
	{"object request", &abi.ObjectRequest{Component: "o", Object: map[string]any{"owner": "bob"}, Path: "/x"},
		map[string]any{"component": "o", "object": map[string]any{"owner": "bob"}, "path": "/x"}},
	{"object reply", &abi.ObjectReply{Attributes: map[string]any{"a": "b"}}, map[string]any{"attributes": map[string]any{"a": "b"}}},
	{"agent reset request", &abi.AgentResetRequest{Component: "a", Actor: "eve", Seed: -7, Goals: []string{"vault"},
		Options: map[string]string{"goal-bias": "false"}, Edges: []abi.Edge{{From: "hall", To: "lab"}, {From: "lab", To: "vault"}},
	}, map[string]any{"component": "a", "actor": "eve", "seed": int8(-7), "goals": []any{"vault"},
		"options": map[string]any{"goal-bias": "false"},
		"edges":   []any{map[string]any{"from": "hall", "to": "lab"}, map[string]any{"from": "lab", "to": "vault"}},
	}},
	{"agent reset request, no edges", &abi.AgentResetRequest{Component: "a", Actor: "eve"},
		map[string]any{"component": "a", "actor": "eve", "seed": int8(0)}},
	{"agent act request", &abi.AgentActRequest{Component: "a", Actor: "eve", Observation: abi.Observation{
		Tick: 3, Location: "hall", Holdings: []string{"key"},
		Choices: []abi.Action{{Kind: "move", Target: "lab", Risk: 0.5, Time: 2}, {Kind: "wait"}},
	}}, map[string]any{"component": "a", "actor": "eve", "observation": map[string]any{
		"tick": int8(3), "location": "hall", "holdings": []any{"key"},
		"choices": []any{
			map[string]any{"kind": "move", "target": "lab", "risk": 0.5, "time": int8(2)},
			map[string]any{"kind": "wait"},
		},
	}}},
	{"agent act reply", &abi.AgentActReply{Action: abi.Action{Kind: "take", Target: "key"}},
		map[string]any{"action": map[string]any{"kind": "take", "target": "key"}}},
	{"reply", &abi.Reply[abi.ObligeReply]{OK: &abi.ObligeReply{Fulfilled: true}},
		map[string]any{"ok": map[string]any{"fulfilled": true}}},
	{"error reply", &abi.Reply[abi.ObligeReply]{Error: abi.Errorf(abi.CodeDenied, "no")},
		map[string]any{"error": map[string]any{"code": "denied", "message": "no"}}},
}

// TestWireShape checks that each call type encodes to the map its struct
// tags describe, and decodes from that map (encoded by msgpack's generic
// encoder) back to itself.
func TestWireShape(t *testing.T) {
	for _, tt := range wireValues {
		t.Run(tt.name, func(t *testing.T) {
			b, err := msgpack.Marshal(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := msgpack.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.wire) {
				t.Errorf("encoded as\n%#v\nwant\n%#v", got, tt.wire)
			}

			b, err = msgpack.Marshal(tt.wire)
			if err != nil {
				t.Fatal(err)
			}
			back := reflect.New(reflect.TypeOf(tt.value).Elem())
			if err := msgpack.Unmarshal(b, back.Interface()); err != nil {
				t.Fatal(err)
			}
			b, _ = msgpack.Marshal(back.Interface())
			var again map[string]any
			if err := msgpack.Unmarshal(b, &again); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again, tt.wire) {
				t.Errorf("decoded and encoded again as\n%#v\nwant\n%#v", again, tt.wire)
			}
		})
	}
}

// TestWireValueEncoding checks that values, not only pointers, encode.
func TestWireValueEncoding(t *testing.T) {
	b, err := msgpack.Marshal(abi.Reply[abi.EnvironmentReply]{OK: &abi.EnvironmentReply{Value: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := msgpack.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"ok": map[string]any{"value": "x"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

// TestWireUnknownKeys checks that decoding skips keys it does not know, at
// any depth, as a newer peer may send them.
func TestWireUnknownKeys(t *testing.T) {
	b, err := msgpack.Marshal(map[string]any{
		"component": "echo", "future": map[string]any{"x": []any{1, 2}},
		"context": map[string]any{"subject": map[string]any{"id": "a"}, "risk": 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	var req abi.EnvironmentRequest
	if err := msgpack.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	want := abi.EnvironmentRequest{Component: "echo", Context: abi.Context{Subject: map[string]any{"id": "a"}}}
	if !reflect.DeepEqual(req, want) {
		t.Errorf("got %#v, want %#v", req, want)
	}
}

// TestWireErrors checks that a wrongly typed field fails with its name.
func TestWireErrors(t *testing.T) {
	b, _ := msgpack.Marshal(map[string]any{"component": "o", "fulfilled": "yes"})
	var rep abi.ObligeReply
	err := msgpack.Unmarshal(b, &rep)
	if err == nil || err.Error()[:10] != "fulfilled:" {
		t.Errorf("error %v, want one starting with the field name", err)
	}
}

// TestCodecDecodeInterns checks that Codec.Decode gives a short string it
// decoded before again, owning its bytes rather than sharing the input's,
// and decodes as UnmarshalMsgpack does when it holds all it can.
func TestCodecDecodeInterns(t *testing.T) {
	req := abi.EnvironmentRequest{Component: "echo", Key: "echo", Context: abi.Context{
		Subject: map[string]any{"id": "alice@example.org", "n": int8(3)},
	}}
	b, err := abi.AppendMsgpack(nil, req)
	if err != nil {
		t.Fatal(err)
	}
	var c abi.Codec
	var first, second abi.EnvironmentRequest
	if err := c.Decode(b, &first); err != nil {
		t.Fatal(err)
	}
	if err := c.Decode(append([]byte(nil), b...), &second); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(second, req) {
		t.Fatalf("decoded %#v, want %#v", second, req)
	}
	if unsafe.StringData(first.Key) != unsafe.StringData(second.Key) {
		t.Error("the key was copied again")
	}
	clear(b)
	if first.Component != "echo" || first.Context.Subject["id"] != "alice@example.org" {
		t.Errorf("strings share the input: %#v", first)
	}
	// More strings than it keeps: it starts afresh and decodes all the same.
	for i := range 3000 {
		var v map[string]any
		in := map[string]any{fmt.Sprint("k", i): fmt.Sprint("v", i)}
		b, _ := abi.AppendMsgpack(nil, in)
		if err := c.Decode(b, &v); err != nil || !reflect.DeepEqual(v, in) {
			t.Fatalf("decoded %v, %v; want %v", v, err, in)
		}
	}
}
