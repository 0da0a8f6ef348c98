package nft

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/plugins-src/go/internal/slpf"
)

func port(p uint16) *uint16 { return &p }

func TestStatement(t *testing.T) {
	v4 := netip.MustParsePrefix("10.0.0.0/8")
	host := netip.MustParsePrefix("192.0.2.1/32")
	v6 := netip.MustParsePrefix("2001:db8::/32")
	tests := []struct {
		name  string
		match slpf.Match
		want  string
	}{
		{"ipv4 five-tuple",
			slpf.Match{Src: v4, Dst: host, SrcPort: port(1024), DstPort: port(443), Protocol: openc2.ProtocolTCP, Verdict: slpf.Drop},
			"ip saddr 10.0.0.0/8 ip daddr 192.0.2.1 tcp sport 1024 tcp dport 443 drop"},
		{"ipv6 source, accept",
			slpf.Match{IPv6: true, Src: v6, Verdict: slpf.Accept},
			"ip6 saddr 2001:db8::/32 accept"},
		{"no address: the family alone",
			slpf.Match{Protocol: openc2.ProtocolUDP, DstPort: port(53), Verdict: slpf.Drop},
			"meta nfproto ipv4 udp dport 53 drop"},
		{"protocol without ports",
			slpf.Match{IPv6: true, Dst: v6, Protocol: openc2.ProtocolSCTP, Verdict: slpf.Drop},
			"ip6 daddr 2001:db8::/32 meta l4proto sctp drop"},
		{"icmp",
			slpf.Match{Protocol: openc2.ProtocolICMP, Verdict: slpf.RejectUnreachable},
			"meta nfproto ipv4 meta l4proto icmp reject with icmpx type host-unreachable"},
		{"icmpv6",
			slpf.Match{IPv6: true, Protocol: openc2.ProtocolICMP, Verdict: slpf.Drop},
			"meta nfproto ipv6 meta l4proto ipv6-icmp drop"},
		{"ports without a protocol",
			slpf.Match{Dst: host, DstPort: port(80), Verdict: slpf.Drop},
			"ip daddr 192.0.2.1 meta l4proto { tcp, udp, sctp } th dport 80 drop"},
		{"tcp reset",
			slpf.Match{Protocol: openc2.ProtocolTCP, SrcPort: port(25), Verdict: slpf.RejectReset},
			"meta nfproto ipv4 tcp sport 25 reject with tcp reset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(statement(tt.match), " "); got != tt.want {
				t.Errorf("statement =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
