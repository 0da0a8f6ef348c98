// Package slpf carries out OpenC2 commands of the Stateless Packet Filtering
// profile (SLPF v1.0) on a packet filter. It owns what the profile means:
// which commands are valid, how rule numbers are assigned, what survives a
// restart; a Filter owns how a rule becomes the filter's own syntax. The
// package knows nothing of Wasm, so it is tested with plain go test; a plugin
// connects it to the host's kv and exec capabilities.
package slpf

import (
	"net/netip"

	"github.com/gatehouse/gatehouse/openc2"
)

// Direction is the slpf direction argument (SLPF v1.0 section 2.1.3.2).
type Direction string

// The directions; a command without one applies to both.
const (
	Both    Direction = "both"
	Ingress Direction = "ingress"
	Egress  Direction = "egress"
)

// DropProcess is the slpf drop_process argument of a deny command (SLPF v1.0
// section 2.1.3.2).
type DropProcess string

// The drop processes; a deny without one drops silently.
const (
	DropSilently DropProcess = "none"
	Reject       DropProcess = "reject"
	FalseAck     DropProcess = "false_ack"
)

// Hook is where a filter sees a packet: addressed to this host, routed
// through it, or sent by it.
type Hook string

// The hooks, in the order rules are installed.
const (
	Input   Hook = "input"
	Forward Hook = "forward"
	Output  Hook = "output"
)

// Verdict is what a rule does with a packet it matches.
type Verdict string

// The verdicts.
const (
	Accept Verdict = "accept"
	// Drop discards the packet without telling its source.
	Drop Verdict = "drop"
	// RejectUnreachable discards the packet and answers an ICMP (or
	// ICMPv6) host unreachable.
	RejectUnreachable Verdict = "reject"
	// RejectReset discards a TCP packet and answers a TCP reset, the
	// false acknowledgement of drop_process false_ack.
	RejectReset Verdict = "reset"
)

// Rule is an allow or deny command, checked and normalised: addresses are
// masked prefixes, a missing port is nil and a missing protocol is "".
type Rule struct {
	Action openc2.Action // openc2.ActionAllow or openc2.ActionDeny
	IPv6   bool
	// Net is the address range of an ipv4_net or ipv6_net target, which
	// matches the source or the destination of a packet (SLPF v1.0 section
	// 2.3.1.3); invalid for connection targets.
	Net netip.Prefix
	// Src and Dst are the addresses of a connection target; invalid for any.
	Src, Dst         netip.Prefix
	SrcPort, DstPort *uint16
	Protocol         openc2.L4Protocol
	Direction        Direction
	Drop             DropProcess // only for deny
	Persistent       bool
}

// Match is one packet filter rule: a conjunction of matches and a verdict.
// A filter turns each into one rule of its own syntax, in every hook of
// the Rule it came from.
type Match struct {
	IPv6             bool
	Src, Dst         netip.Prefix // invalid for any
	SrcPort, DstPort *uint16
	Protocol         openc2.L4Protocol // "" for any
	Verdict          Verdict
}

// Hooks returns the hooks r applies to. Ingress traffic comes from other
// hosts, so it is seen in input and, when this host routes it, in forward;
// egress traffic is what this host sends, seen in output (SLPF v1.0
// section 2.1.3.2: "for a host-based packet filter, ingress indicates a
// packet that originated from a different host").
func (r Rule) Hooks() []Hook {
	switch r.Direction {
	case Ingress:
		return []Hook{Input, Forward}
	case Egress:
		return []Hook{Output}
	}
	return []Hook{Input, Forward, Output}
}

// Matches returns the filter rules that carry out r, in order. A net target
// becomes a source rule and a destination rule. A false_ack deny without a
// protocol becomes a TCP reset rule for TCP followed by a silent drop for
// the rest, since only TCP has an acknowledgement to fake.
func (r Rule) Matches() []Match {
	base := Match{IPv6: r.IPv6, Src: r.Src, Dst: r.Dst, SrcPort: r.SrcPort, DstPort: r.DstPort, Protocol: r.Protocol, Verdict: r.verdict()}
	sides := []Match{base}
	if r.Net.IsValid() {
		src, dst := base, base
		src.Src, dst.Dst = r.Net, r.Net
		sides = []Match{src, dst}
	}
	if r.Action != openc2.ActionDeny || r.Drop != FalseAck || r.Protocol != "" {
		return sides
	}
	var out []Match
	for _, m := range sides {
		tcp, rest := m, m
		tcp.Protocol = openc2.ProtocolTCP
		rest.Verdict = Drop
		out = append(out, tcp, rest)
	}
	return out
}

// verdict returns what r does with the packets it matches.
func (r Rule) verdict() Verdict {
	if r.Action == openc2.ActionAllow {
		return Accept
	}
	switch r.Drop {
	case Reject:
		return RejectUnreachable
	case FalseAck:
		return RejectReset
	}
	return Drop
}

// Numbered is a rule with its rule number, as a filter installs it.
type Numbered struct {
	Number int64
	Rule   Rule
}
