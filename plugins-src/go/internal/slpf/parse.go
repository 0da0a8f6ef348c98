package slpf

import (
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/openc2"
)

// Kind is what a command asks of the actuator.
type Kind int

// The kinds of commands an SLPF actuator carries out.
const (
	AddRule       Kind = iota + 1 // allow or deny a target
	DeleteRule                    // delete slpf:rule_number
	QueryFeatures                 // query features
)

// Request is a command the actuator carries out, parsed and checked.
type Request struct {
	Kind Kind
	// Rule is the rule to add, and Insert the rule number asked for with
	// insert_rule, nil to have one assigned (AddRule).
	Rule   Rule
	Insert *int64
	// Number is the rule to delete (DeleteRule).
	Number int64
	// Features are the features asked for (QueryFeatures).
	Features []openc2.Feature
}

// Parse checks a command against the OpenC2 Language Specification v1.0
// and the SLPF profile and returns what it asks for. A command that does not
// parse is refused with 400; a pair, argument or option this actuator does
// not support with 501 (SLPF v1.0 sections 2.3.1 and 2.3.2). Every failure
// is a *Refusal whose text names the offending field.
func Parse(c abi.Command) (Request, error) {
	cmd, err := openc2.CommandFromGeneric(openc2.GenericCommand(c))
	if err != nil {
		return Request{}, refuse(400, "invalid command: %v", err)
	}
	action, target := string(cmd.Action), cmd.Target.Name
	if !slices.Contains(Pairs[action], target) {
		if cmd.Action == openc2.ActionUpdate {
			return Request{}, refuse(501, "command not supported: update %s: rules are added and removed one by one with allow, deny and delete", target)
		}
		return Request{}, refuse(501, "command not supported: %s %s", action, target)
	}
	slpfArgs, err := checkArgs(cmd)
	if err != nil {
		return Request{}, err
	}
	switch cmd.Action {
	case openc2.ActionQuery:
		return Request{Kind: QueryFeatures, Features: cmd.Target.Value.([]openc2.Feature)}, nil
	case openc2.ActionDelete:
		return Request{Kind: DeleteRule, Number: cmd.Target.Value.(int64)}, nil
	}
	r, err := rule(cmd, slpfArgs)
	if err != nil {
		return Request{}, err
	}
	return Request{Kind: AddRule, Rule: r, Insert: slpfArgs.InsertRule}, nil
}

// checkArgs refuses the arguments the command may not carry here and
// returns its slpf arguments, empty when it has none. Of the Language
// Specification's arguments only response_requested is supported: a rule
// takes effect when the command arrives and lasts until it is deleted.
func checkArgs(cmd *openc2.Command) (openc2.SLPFArgs, error) {
	a := cmd.Args
	if a == nil {
		return openc2.SLPFArgs{}, nil
	}
	for _, t := range []struct {
		name string
		v    *int64
	}{{"start_time", a.StartTime}, {"stop_time", a.StopTime}, {"duration", a.Duration}} {
		if t.v != nil {
			return openc2.SLPFArgs{}, refuse(501, "option not supported: args.%s", t.name)
		}
	}
	if len(a.Extensions) > 0 {
		keys := make([]string, 0, len(a.Extensions))
		for k := range a.Extensions {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return openc2.SLPFArgs{}, refuse(501, "option not supported: args.%s", keys[0])
	}
	if a.SLPF == nil {
		return openc2.SLPFArgs{}, nil
	}
	s := *a.SLPF
	var set []string
	if s.DropProcess != "" {
		set = append(set, "drop_process")
	}
	if s.Persistent != nil {
		set = append(set, "persistent")
	}
	if s.Direction != "" {
		set = append(set, "direction")
	}
	if s.InsertRule != nil {
		set = append(set, "insert_rule")
	}
	switch {
	case cmd.Action != openc2.ActionAllow && cmd.Action != openc2.ActionDeny && len(set) > 0:
		return s, refuse(501, "option not supported: args.slpf.%s with %s", set[0], cmd.Action)
	case cmd.Action == openc2.ActionAllow && s.DropProcess != "":
		return s, refuse(501, "option not supported: args.slpf.drop_process with allow")
	}
	return s, nil
}

// rule returns the rule an allow or deny command asks for.
func rule(cmd *openc2.Command, a openc2.SLPFArgs) (Rule, error) {
	r := Rule{
		Action:     cmd.Action,
		Direction:  Both,
		Drop:       DropSilently,
		Persistent: a.Persistent == nil || *a.Persistent,
	}
	if a.Direction != "" {
		r.Direction = Direction(a.Direction)
	}
	if a.DropProcess != "" {
		r.Drop = DropProcess(a.DropProcess)
	}
	name := cmd.Target.Name
	r.IPv6 = strings.HasPrefix(name, "ipv6_")
	var err error
	switch v := cmd.Target.Value.(type) {
	case string: // ipv4_net, ipv6_net
		if r.Net, err = prefix("target."+name, v); err != nil {
			return Rule{}, err
		}
	case *openc2.Connection:
		if r.Src, err = prefix("target."+name+".src_addr", v.SrcAddr); err != nil {
			return Rule{}, err
		}
		if r.Dst, err = prefix("target."+name+".dst_addr", v.DstAddr); err != nil {
			return Rule{}, err
		}
		r.SrcPort, r.DstPort = port(v.SrcPort), port(v.DstPort)
		r.Protocol = v.Protocol
		if r.Protocol == openc2.ProtocolICMP && (r.SrcPort != nil || r.DstPort != nil) {
			return Rule{}, refuse(400, "target.%s: src_port and dst_port do not apply to protocol icmp", name)
		}
	}
	if r.Drop == FalseAck && r.Protocol != "" && r.Protocol != openc2.ProtocolTCP {
		return Rule{}, refuse(501, "option not supported: args.slpf.drop_process false_ack with protocol %s: only tcp has an acknowledgement to fake", r.Protocol)
	}
	return r, nil
}

// prefix returns the masked prefix of the value of field, an address with
// an optional "/length"; "" gives the invalid prefix, which means any.
func prefix(field, s string) (netip.Prefix, error) {
	if s == "" {
		return netip.Prefix{}, nil
	}
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, refuse(400, "%s: %v", field, err)
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, refuse(400, "%s: %v", field, err)
	}
	return p.Masked(), nil
}

// port returns a port the codec has checked to be in 0..65535.
func port(p *int64) *uint16 {
	if p == nil {
		return nil
	}
	v := uint16(*p)
	return &v
}
