package nft

import (
	"net/netip"
	"strconv"

	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/plugins-src/go/internal/slpf"
)

// statement returns the words of the nft rule that carries out m, its
// matches then its verdict, as nft reads them after "add rule inet
// gatehouse <chain>".
func statement(m slpf.Match) []string {
	family, nfproto, icmp := "ip", "ipv4", "icmp"
	if m.IPv6 {
		family, nfproto, icmp = "ip6", "ipv6", "ipv6-icmp"
	}
	var w []string
	if !m.Src.IsValid() && !m.Dst.IsValid() {
		w = append(w, "meta", "nfproto", nfproto)
	}
	if m.Src.IsValid() {
		w = append(w, family, "saddr", address(m.Src))
	}
	if m.Dst.IsValid() {
		w = append(w, family, "daddr", address(m.Dst))
	}
	ports := m.SrcPort != nil || m.DstPort != nil
	switch {
	case m.Protocol == openc2.ProtocolICMP:
		w = append(w, "meta", "l4proto", icmp)
	case m.Protocol != "" && !ports:
		w = append(w, "meta", "l4proto", string(m.Protocol))
	case m.Protocol != "":
		w = appendPorts(w, string(m.Protocol), m)
	case ports:
		// Any protocol with ports: the transport header of those that
		// have them.
		w = append(w, "meta", "l4proto", "{", "tcp,", "udp,", "sctp", "}")
		w = appendPorts(w, "th", m)
	}
	switch m.Verdict {
	case slpf.Accept:
		w = append(w, "accept")
	case slpf.RejectUnreachable:
		// icmpx answers ICMP or ICMPv6 after the packet's family.
		w = append(w, "reject", "with", "icmpx", "type", "host-unreachable")
	case slpf.RejectReset:
		w = append(w, "reject", "with", "tcp", "reset")
	default:
		w = append(w, "drop")
	}
	return w
}

// appendPorts appends the port matches of m on the header proto.
func appendPorts(w []string, proto string, m slpf.Match) []string {
	if m.SrcPort != nil {
		w = append(w, proto, "sport", strconv.Itoa(int(*m.SrcPort)))
	}
	if m.DstPort != nil {
		w = append(w, proto, "dport", strconv.Itoa(int(*m.DstPort)))
	}
	return w
}

// address writes a prefix as nft reads it: a lone address for a full-length
// prefix, address/length otherwise.
func address(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}
