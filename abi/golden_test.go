package abi_test

import (
	"bufio"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

var update = flag.Bool("update", false, "rewrite testdata/wire.golden with the encodings of this build")

// goldenValues are messages of every type, each a pointer, with maps of one
// key at most so that their encoding is one sequence of bytes.
var goldenValues = func() []struct {
	name  string
	value any
} {
	long := strings.Repeat("l", 40)
	longer := strings.Repeat("m", 300)
	out := []struct {
		name  string
		value any
	}{
		{"error", &abi.Error{Code: abi.CodeNotFound, Message: "no such key"}},
		{"error, empty", &abi.Error{}},
		{"context, full", &abi.Context{Subject: map[string]any{"id": long}, Object: map[string]any{"n": int64(-1 << 40)},
			Environment: map[string]any{"f": 0.25}, Access: map[string]any{"l": []any{"a", nil, true}}}},
		{"context, empty", &abi.Context{}},
		{"command, full", &abi.Command{Action: "deny", Target: map[string]any{"ipv4_net": "10.0.0.0/8"}, Args: map[string]any{"duration": 500},
			Actuator: map[string]any{"slpf": map[string]any{}}, CommandID: longer}},
		{"command, no target", &abi.Command{Action: "query"}},
		{"headers, full", &abi.Headers{RequestID: "r", Created: 1 << 40, From: "p", To: []string{"a", long}}},
		{"headers, empty list", &abi.Headers{To: []string{}}},
		{"actuate request, empty headers", &abi.ActuateRequest{Component: "fw", Command: abi.Command{Action: "allow"}, Headers: abi.Headers{To: []string{}}}},
		{"actuate reply, negative status", &abi.ActuateReply{Status: -70000, StatusText: longer}},
		{"oblige request, empty", &abi.ObligeRequest{}},
		{"oblige reply, fulfilled", &abi.ObligeReply{Fulfilled: true}},
		{"environment reply, big int", &abi.EnvironmentReply{Value: uint64(1 << 63)}},
		{"object request, nil object", &abi.ObjectRequest{Component: "o", Path: "/"}},
		{"object reply, nil", &abi.ObjectReply{}},
		{"edge", &abi.Edge{From: "a", To: "b"}},
		{"agent reset request, many edges", &abi.AgentResetRequest{Component: "a", Actor: "eve", Seed: 1 << 40, Edges: make([]abi.Edge, 20)}},
		{"agent reset reply", &abi.AgentResetReply{}},
		{"action, full", &abi.Action{Kind: "move", Target: "lab", Risk: 1e-9, Time: -3}},
		{"observation, empty", &abi.Observation{}},
		{"observation, choices", &abi.Observation{Tick: 300, Location: "hall", Goals: []string{"vault"}, Choices: []abi.Action{{Kind: "wait"}}}},
		{"reply of agent reset", &abi.Reply[abi.AgentResetReply]{OK: &abi.AgentResetReply{}}},
		{"reply of attributes", &abi.Reply[map[string]any]{OK: &map[string]any{"k": []byte{1}}}},
		{"reply of a value", &abi.Reply[any]{OK: func() *any { v := any(int8(-5)); return &v }()}},
		{"reply, empty", &abi.Reply[abi.ActuateReply]{}},
		{"reply, both", &abi.Reply[abi.ActuateReply]{OK: &abi.ActuateReply{Status: 200}, Error: &abi.Error{Code: abi.CodeInternal}}},
	}
	for _, tt := range wireValues {
		out = append(out, struct {
			name  string
			value any
		}{tt.name, tt.value})
	}
	return out
}()

// TestWireGolden checks that every message type encodes to the bytes of
// testdata/wire.golden, through AppendMsgpack and through package msgpack,
// and that those bytes decode, through UnmarshalMsgpack and a Codec, to a
// value that encodes to them again. The golden bytes are those of the
// codec that was written by hand before the codecs were generated.
func TestWireGolden(t *testing.T) {
	const file = "testdata/wire.golden"
	if *update {
		var b strings.Builder
		for _, tt := range goldenValues {
			enc, err := abi.AppendMsgpack(nil, tt.value)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			fmt.Fprintf(&b, "%s\t%x\n", tt.name, enc)
		}
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	golden := map[string][]byte{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		name, h, _ := strings.Cut(sc.Text(), "\t")
		if golden[name], err = hex.DecodeString(h); err != nil {
			t.Fatalf("%s: %s: %v", file, name, err)
		}
	}
	for _, tt := range goldenValues {
		t.Run(tt.name, func(t *testing.T) {
			want, ok := golden[tt.name]
			if !ok {
				t.Fatalf("%s has no line %q: run go test -update", file, tt.name)
			}
			mine, err := abi.AppendMsgpack(nil, tt.value)
			if err != nil || !reflect.DeepEqual(mine, want) {
				t.Errorf("AppendMsgpack: %x, %v\nwant %x", mine, err, want)
			}
			theirs, err := msgpack.Marshal(tt.value)
			if err != nil || !reflect.DeepEqual(theirs, want) {
				t.Errorf("msgpack.Marshal: %x, %v\nwant %x", theirs, err, want)
			}
			var c abi.Codec
			for name, decode := range map[string]func([]byte, any) error{
				"UnmarshalMsgpack": abi.UnmarshalMsgpack, "Codec.Unmarshal": c.Unmarshal, "msgpack.Unmarshal": msgpack.Unmarshal,
			} {
				back := reflect.New(reflect.TypeOf(tt.value).Elem()).Interface()
				if err := decode(want, back); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if again, err := abi.AppendMsgpack(nil, back); err != nil || !reflect.DeepEqual(again, want) {
					t.Errorf("%s, encoded again: %x, %v\nwant %x", name, again, err, want)
				}
			}
		})
	}
}
