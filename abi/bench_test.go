package abi_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/abi"
)

// benchMessages are the messages of the busiest calls, about the sizes
// the host sends and receives: an environment request and its reply, an
// OpenC2 command to an actuator, and an agent's observation.
var benchMessages = []struct {
	name  string
	value any
	new   func() any
}{
	{"environment_request", &abi.EnvironmentRequest{Component: "echo", Key: "echo", Context: abi.Context{
		Subject: map[string]any{"id": "alice@example.org", "role": "operator"},
		Access:  map[string]any{"method": "GET"},
	}}, func() any { return new(abi.EnvironmentRequest) }},
	{"environment_reply", &abi.Reply[abi.EnvironmentReply]{OK: &abi.EnvironmentReply{Value: "alice@example.org"}},
		func() any { return new(abi.Reply[abi.EnvironmentReply]) }},
	{"actuate_request", &abi.ActuateRequest{Component: "slpf", Profile: "slpf",
		Command: abi.Command{Action: "deny", Target: map[string]any{"ipv4_connection": map[string]any{"src_addr": "10.0.0.1", "dst_port": int64(443), "protocol": "tcp"}},
			Args: map[string]any{"duration": int64(500), "response_requested": "complete"}, CommandID: "c-1"},
		Headers:    abi.Headers{RequestID: "r-1", Created: 1700000000000, From: "producer", To: []string{"fw1"}},
		Specifiers: map[string]any{"hostname": "fw1"},
	}, func() any { return new(abi.ActuateRequest) }},
	{"agent_act_request", &abi.AgentActRequest{Component: "greedy", Actor: "eve", Observation: abi.Observation{
		Tick: 12, Location: "hall", Holdings: []string{"key"}, Goals: []string{"vault"},
		Choices: []abi.Action{{Kind: "move", Target: "lab", Risk: 0.2, Time: 2}, {Kind: "move", Target: "vault", Risk: 0.7, Time: 5}, {Kind: "wait"}},
	}}, func() any { return new(abi.AgentActRequest) }},
}

// BenchmarkCodec encodes and decodes the call messages with a Codec, as
// the host does, and decodes them with UnmarshalMsgpack, as plugins do.
func BenchmarkCodec(b *testing.B) {
	for _, m := range benchMessages {
		var c abi.Codec
		enc, err := c.Append(nil, m.value)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(m.name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 1024)
			for b.Loop() {
				buf, _ = c.Append(buf[:0], m.value)
			}
		})
		b.Run(m.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			v := m.new()
			for b.Loop() {
				if err := c.Unmarshal(enc, v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(m.name+"/unmarshal", func(b *testing.B) {
			b.ReportAllocs()
			v := m.new()
			for b.Loop() {
				if err := abi.UnmarshalMsgpack(enc, v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
