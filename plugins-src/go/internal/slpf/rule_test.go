package slpf

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/openc2"
)

func TestHooks(t *testing.T) {
	tests := []struct {
		dir  Direction
		want []Hook
	}{
		{Both, []Hook{Input, Forward, Output}},
		{Ingress, []Hook{Input, Forward}},
		{Egress, []Hook{Output}},
	}
	for _, tt := range tests {
		if got := (Rule{Direction: tt.dir}).Hooks(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Hooks of %s = %v, want %v", tt.dir, got, tt.want)
		}
	}
}

func TestMatches(t *testing.T) {
	net := netip.MustParsePrefix("10.0.0.0/8")
	host := netip.MustParsePrefix("192.0.2.1/32")
	port := ptr[uint16](22)
	tests := []struct {
		name string
		rule Rule
		want []Match
	}{
		{"allow a connection",
			Rule{Action: openc2.ActionAllow, Src: host, DstPort: port, Protocol: openc2.ProtocolTCP},
			[]Match{{Src: host, DstPort: port, Protocol: openc2.ProtocolTCP, Verdict: Accept}}},
		{"deny a net: source, then destination",
			Rule{Action: openc2.ActionDeny, Net: net, Drop: DropSilently},
			[]Match{{Src: net, Verdict: Drop}, {Dst: net, Verdict: Drop}}},
		{"reject an ipv6 connection",
			Rule{Action: openc2.ActionDeny, IPv6: true, Protocol: openc2.ProtocolUDP, Drop: Reject},
			[]Match{{IPv6: true, Protocol: openc2.ProtocolUDP, Verdict: RejectUnreachable}}},
		{"false_ack on tcp",
			Rule{Action: openc2.ActionDeny, Protocol: openc2.ProtocolTCP, DstPort: port, Drop: FalseAck},
			[]Match{{Protocol: openc2.ProtocolTCP, DstPort: port, Verdict: RejectReset}}},
		{"false_ack on any protocol: a reset for tcp, a drop for the rest",
			Rule{Action: openc2.ActionDeny, Dst: host, Drop: FalseAck},
			[]Match{{Dst: host, Protocol: openc2.ProtocolTCP, Verdict: RejectReset}, {Dst: host, Verdict: Drop}}},
		{"false_ack on a net",
			Rule{Action: openc2.ActionDeny, Net: net, Drop: FalseAck},
			[]Match{
				{Src: net, Protocol: openc2.ProtocolTCP, Verdict: RejectReset}, {Src: net, Verdict: Drop},
				{Dst: net, Protocol: openc2.ProtocolTCP, Verdict: RejectReset}, {Dst: net, Verdict: Drop},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rule.Matches(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Matches =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}
