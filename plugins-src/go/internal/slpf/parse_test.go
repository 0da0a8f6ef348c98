package slpf

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/openc2"
)

// command returns the JSON command s as the host sends it to a plugin.
func command(t testing.TB, s string) abi.Command {
	t.Helper()
	m, err := abi.DecodeJSONObject([]byte(s))
	if err != nil {
		t.Fatalf("test command %s: %v", s, err)
	}
	b, err := msgpack.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var c abi.Command
	if err := msgpack.Unmarshal(b, &c); err != nil {
		t.Fatalf("test command %s: %v", s, err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func TestParse(t *testing.T) {
	deny := Rule{Action: openc2.ActionDeny, Direction: Both, Drop: DropSilently, Persistent: true}
	with := func(r Rule, edit func(*Rule)) Rule { edit(&r); return r }
	tests := []struct {
		name string
		cmd  string
		want Request
	}{
		{"deny ipv4_connection, every field",
			`{"action":"deny","target":{"ipv4_connection":{"src_addr":"10.1.2.3/8","src_port":1024,"dst_addr":"192.0.2.7","dst_port":443,"protocol":"tcp"}}}`,
			Request{Kind: AddRule, Rule: with(deny, func(r *Rule) {
				r.Src, r.Dst = netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32")
				r.SrcPort, r.DstPort, r.Protocol = ptr[uint16](1024), ptr[uint16](443), openc2.ProtocolTCP
			})}},
		{"deny ipv6_connection, protocol alone",
			`{"action":"deny","target":{"ipv6_connection":{"protocol":"icmp"}}}`,
			Request{Kind: AddRule, Rule: with(deny, func(r *Rule) { r.IPv6, r.Protocol = true, openc2.ProtocolICMP })}},
		{"allow ipv6_net, a lone address",
			`{"action":"allow","target":{"ipv6_net":"2001:db8::1"}}`,
			Request{Kind: AddRule, Rule: with(deny, func(r *Rule) {
				r.Action, r.IPv6, r.Net = openc2.ActionAllow, true, netip.MustParsePrefix("2001:db8::1/128")
			})}},
		{"deny ipv4_net with every slpf argument",
			`{"action":"deny","target":{"ipv4_net":"198.51.100.0/24"},"args":{"response_requested":"complete","slpf":{"drop_process":"reject","persistent":false,"direction":"ingress","insert_rule":7}}}`,
			Request{Kind: AddRule, Insert: ptr[int64](7), Rule: with(deny, func(r *Rule) {
				r.Net, r.Drop, r.Persistent, r.Direction = netip.MustParsePrefix("198.51.100.0/24"), Reject, false, Ingress
			})}},
		{"deny false_ack tcp",
			`{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","dst_port":25}},"args":{"slpf":{"drop_process":"false_ack","direction":"egress"}}}`,
			Request{Kind: AddRule, Rule: with(deny, func(r *Rule) {
				r.Protocol, r.DstPort, r.Drop, r.Direction = openc2.ProtocolTCP, ptr[uint16](25), FalseAck, Egress
			})}},
		{"delete",
			`{"action":"delete","target":{"slpf:rule_number":12},"args":{"response_requested":"complete"}}`,
			Request{Kind: DeleteRule, Number: 12}},
		{"query features",
			`{"action":"query","target":{"features":["versions","pairs"]}}`,
			Request{Kind: QueryFeatures, Features: []openc2.Feature{openc2.FeatureVersions, openc2.FeaturePairs}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := command(t, tt.cmd)
			before := command(t, tt.cmd)
			got, err := Parse(c)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", got, tt.want)
			}
			if !reflect.DeepEqual(c, before) {
				t.Errorf("Parse changed its command: %+v", c)
			}
		})
	}
}

func TestParseRefusals(t *testing.T) {
	tests := []struct {
		name   string
		cmd    string
		status int
		text   string // a part of the status text
	}{
		{"bad address", `{"action":"deny","target":{"ipv4_net":"300.1.2.3"}}`, 400, "target.ipv4_net"},
		{"ipv6 address in ipv4 target", `{"action":"deny","target":{"ipv4_connection":{"src_addr":"2001:db8::1"}}}`, 400, "target.ipv4_connection.src_addr"},
		{"port out of range", `{"action":"deny","target":{"ipv4_connection":{"dst_port":70000}}}`, 400, "dst_port"},
		{"unknown protocol", `{"action":"deny","target":{"ipv4_connection":{"protocol":"gre"}}}`, 400, "protocol"},
		{"two targets", `{"action":"deny","target":{"ipv4_net":"10.0.0.1","ipv6_net":"::1"}}`, 400, "exactly one target"},
		{"unknown slpf argument", `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"slpf":{"priority":1}}}`, 400, "priority"},
		{"bad direction", `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"slpf":{"direction":"sideways"}}}`, 400, "direction"},
		{"icmp with ports", `{"action":"deny","target":{"ipv4_connection":{"protocol":"icmp","dst_port":7}}}`, 400, "do not apply to protocol icmp"},
		{"unsupported pair", `{"action":"contain","target":{"ipv4_net":"10.0.0.1"}}`, 501, "command not supported: contain ipv4_net"},
		{"update file", `{"action":"update","target":{"file":{"name":"rules.nft"}}}`, 501, "command not supported: update file"},
		{"start_time", `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"start_time":1}}`, 501, "option not supported: args.start_time"},
		{"duration", `{"action":"allow","target":{"ipv4_net":"10.0.0.1"},"args":{"duration":1000}}`, 501, "option not supported: args.duration"},
		{"extension argument", `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"x-acme":{"fast":true}}}`, 501, "option not supported: args.x-acme"},
		{"drop_process with allow", `{"action":"allow","target":{"ipv4_net":"10.0.0.1"},"args":{"slpf":{"drop_process":"reject"}}}`, 501, "drop_process with allow"},
		{"negative rule number", `{"action":"delete","target":{"slpf:rule_number":-3}}`, 400, "must not be negative"},
		{"slpf argument with delete", `{"action":"delete","target":{"slpf:rule_number":3},"args":{"slpf":{"persistent":true}}}`, 501, "persistent with delete"},
		{"false_ack with udp", `{"action":"deny","target":{"ipv4_connection":{"protocol":"udp"}},"args":{"slpf":{"drop_process":"false_ack"}}}`, 501, "false_ack with protocol udp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(command(t, tt.cmd))
			r, ok := err.(*Refusal)
			if !ok {
				t.Fatalf("Parse error = %v, want a *Refusal", err)
			}
			if r.Status != tt.status || !strings.Contains(r.Text, tt.text) {
				t.Errorf("Parse refusal = %d %q, want %d with %q", r.Status, r.Text, tt.status, tt.text)
			}
		})
	}
}
