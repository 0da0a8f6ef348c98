package openc2

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/gatehouse/gatehouse/openc2/internal/jsonform"
)

// SLPFArgs are the command arguments of the SLPF profile (SLPF v1.0 section
// 2.1.3.2).
type SLPFArgs struct {
	DropProcess string `json:"drop_process,omitempty"` // none, reject or false_ack
	Persistent  *bool  `json:"persistent,omitempty"`
	Direction   string `json:"direction,omitempty"` // both, ingress or egress
	InsertRule  *int64 `json:"insert_rule,omitempty"`
}

// SLPFActuator holds the actuator specifiers of the SLPF profile (SLPF v1.0
// section 2.1.4); all are optional. Hostname is a host name or an IP
// address; AssetTuple, when present, holds 1 to 10 strings.
type SLPFActuator struct {
	Hostname   string   `json:"hostname,omitempty"`
	NamedGroup string   `json:"named_group,omitempty"`
	AssetID    string   `json:"asset_id,omitempty"`
	AssetTuple []string `json:"asset_tuple,omitempty"`
}

// SLPFResults are the response results of the SLPF profile (SLPF v1.0
// section 2.2.2).
type SLPFResults struct {
	RuleNumber *int64 `json:"rule_number,omitempty"`
}

// dropProcesses and directions are the values of the SLPF arguments
// drop_process and direction (SLPF v1.0 section 2.1.3.2).
var (
	dropProcesses = []string{"none", "reject", "false_ack"}
	directions    = []string{"both", "ingress", "egress"}
)

// slpfArgs reads SLPF arguments at p.
func (d *decoder) slpfArgs(p *path) (*SLPFArgs, error) {
	a := &SLPFArgs{}
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "drop_process":
			a.DropProcess, o.Err = d.Str(&fp, dropProcesses...)
		case "persistent":
			var b bool
			b, o.Err = d.Boolean(&fp)
			a.Persistent = &b
		case "direction":
			a.Direction, o.Err = d.Str(&fp, directions...)
		case "insert_rule":
			a.InsertRule, o.Err = d.IntPtr(&fp)
		default:
			o.Err = fail(&fp, "unknown field")
		}
	}
	return a, o.Err
}

// slpfArgs writes a at p.
func (e *encoder) slpfArgs(p *path, a *SLPFArgs) {
	start := e.Begin()
	e.StrField(p, "drop_process", a.DropProcess)
	if a.Persistent != nil {
		e.Key("persistent")
		e.Bool(*a.Persistent)
	}
	e.StrField(p, "direction", a.Direction)
	e.IntField("insert_rule", a.InsertRule)
	e.End(start)
}

// slpfActuator reads SLPF actuator specifiers at p.
func (d *decoder) slpfActuator(p *path) (*SLPFActuator, error) {
	a := &SLPFActuator{}
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "hostname":
			a.Hostname, o.Err = d.Str(&fp)
		case "named_group":
			a.NamedGroup, o.Err = d.Str(&fp)
		case "asset_id":
			a.AssetID, o.Err = d.Str(&fp)
		case "asset_tuple":
			a.AssetTuple, o.Err = d.Strs(&fp)
		default:
			o.Err = fail(&fp, "unknown field")
		}
	}
	return a, o.Err
}

// slpfActuator writes a at p.
func (e *encoder) slpfActuator(p *path, a *SLPFActuator) {
	start := e.Begin()
	e.StrField(p, "hostname", a.Hostname)
	e.StrField(p, "named_group", a.NamedGroup)
	e.StrField(p, "asset_id", a.AssetID)
	if a.AssetTuple != nil {
		e.Key("asset_tuple")
		e.Strs(&path{Up: p, Name: "asset_tuple"}, a.AssetTuple)
	}
	e.End(start)
}

// slpfResults reads SLPF results at p.
func (d *decoder) slpfResults(p *path) (*SLPFResults, error) {
	// One allocation holds the results and their rule number.
	r := &struct {
		SLPFResults
		n int64
	}{}
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "rule_number":
			r.n, o.Err = d.Int(&fp)
			r.RuleNumber = &r.n
		default:
			o.Err = fail(&fp, "unknown field")
		}
	}
	return &r.SLPFResults, o.Err
}

// slpfResults writes r.
func (e *encoder) slpfResults(r *SLPFResults) {
	start := e.Begin()
	e.IntField("rule_number", r.RuleNumber)
	e.End(start)
}

// validate checks a against SLPF v1.0 section 2.1.3.2; p is its path.
func (a *SLPFArgs) validate(p *path) error {
	if a.DropProcess != "" && !known(a.DropProcess, dropProcesses) {
		return failAt(p, "drop_process", "%q: must be none, reject or false_ack", a.DropProcess)
	}
	if a.Direction != "" && !known(a.Direction, directions) {
		return failAt(p, "direction", "%q: must be both, ingress or egress", a.Direction)
	}
	if a.InsertRule != nil && *a.InsertRule < 0 {
		return failAt(p, "insert_rule", "must not be negative")
	}
	return nil
}

// validate checks a against SLPF v1.0 section 2.1.4; p is its path.
func (a *SLPFActuator) validate(p *path) error {
	if a.Hostname != "" && checkHostname(a.Hostname) != "" {
		if _, err := netip.ParseAddr(a.Hostname); err != nil {
			return failAt(p, "hostname", "%q: not a host name or IP address", a.Hostname)
		}
	}
	if n := len(a.AssetTuple); a.AssetTuple != nil && (n < 1 || n > 10) {
		return failAt(p, "asset_tuple", "must hold 1 to 10 items, got %d", n)
	}
	return nil
}

// slpfCommands are the commands of the SLPF profile: the target types each
// action takes (SLPF v1.0 section 2.3, Table 2.3-1).
var slpfCommands = map[Action][]string{
	ActionAllow:  {TargetIPv4Connection, TargetIPv6Connection, TargetIPv4Net, TargetIPv6Net},
	ActionDeny:   {TargetIPv4Connection, TargetIPv6Connection, TargetIPv4Net, TargetIPv6Net},
	ActionQuery:  {TargetFeatures},
	ActionDelete: {TargetSLPFRuleNumber},
	ActionUpdate: {TargetFile},
}

// slpfArgActions are the actions that take each argument in the SLPF profile
// (SLPF v1.0 section 2.3, Table 2.3-2), by the argument's path under args.
var slpfArgActions = map[string][]Action{
	"response_requested": {ActionAllow, ActionDeny, ActionQuery, ActionDelete, ActionUpdate},
	"start_time":         {ActionAllow, ActionDeny, ActionDelete, ActionUpdate},
	"stop_time":          {ActionAllow, ActionDeny},
	"duration":           {ActionAllow, ActionDeny},
	"slpf.persistent":    {ActionAllow, ActionDeny},
	"slpf.direction":     {ActionAllow, ActionDeny},
	"slpf.insert_rule":   {ActionAllow, ActionDeny},
	"slpf.drop_process":  {ActionDeny},
}

// ValidateSLPF checks c as a command of the SLPF profile (SLPF v1.0 section
// 2.3), after Validate:
//
//   - the action is one of Table 2.1.1-1 (so not cancel, which LS v1.0
//     defines and SLPF v1.0 leaves out), the action/target pair is one of
//     Table 2.3-1 and every argument is one that Table 2.3-2 gives the
//     command; an "x-" argument or an actuator of another profile is not.
//     Otherwise the *Error matches ErrUnsupported, which a Consumer answers
//     with 501.
//   - "query features" takes no argument but "response_requested":
//     "complete" (LS v1.0 section 4.1); insert_rule needs
//     "response_requested": "complete" (sections 2.3.1 and 2.3.2); "update
//     file" names the file and asks for a complete, ack or no response
//     (section 2.3.5.1). Otherwise the *Error matches ErrInvalid.
//
// # Notes
//
// Section 2.3.4.1 says a "delete slpf:rule_number" takes no argument but
// response_requested, while Table 2.3-2 and conformance clause 3.1.11 also
// give it start_time; start_time is accepted.
func (c *Command) ValidateSLPF() error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.Actuator != nil && c.Actuator.Profile != "slpf" {
		return unsupported(&path{Up: &path{Name: "actuator"}, Name: c.Actuator.Profile}, "not the slpf profile")
	}
	if _, ok := slpfCommands[c.Action]; !ok {
		return unsupported(&path{Name: "action"}, "%q is not an action of the SLPF profile (SLPF v1.0 section 2.1.1, Table 2.1.1-1)", c.Action)
	}
	command := string(c.Action) + " " + c.Target.Name
	if !slices.Contains(slpfCommands[c.Action], c.Target.Name) {
		return unsupported(&path{Up: &path{Name: "target"}, Name: c.Target.Name},
			"%q is not a command of the SLPF profile (SLPF v1.0 section 2.3, Table 2.3-1)", command)
	}
	a := c.Args
	if a == nil {
		a = &Args{}
	}
	s := a.SLPF
	if s == nil {
		s = &SLPFArgs{}
	}
	ap := &path{Name: "args"}
	given := []struct {
		name string
		ok   bool
	}{
		{"start_time", a.StartTime != nil}, {"stop_time", a.StopTime != nil}, {"duration", a.Duration != nil},
		{"response_requested", a.ResponseRequested != ""}, {"slpf.drop_process", s.DropProcess != ""},
		{"slpf.persistent", s.Persistent != nil}, {"slpf.direction", s.Direction != ""},
		{"slpf.insert_rule", s.InsertRule != nil},
	}
	for _, g := range given {
		switch {
		case !g.ok:
		case c.Action == ActionQuery && (g.name != "response_requested" || a.ResponseRequested != ResponseComplete):
			return failAt(ap, g.name, "query features takes no argument but \"response_requested\": \"complete\" (LS v1.0 section 4.1)")
		case !slices.Contains(slpfArgActions[g.name], c.Action):
			return unsupported(&path{Up: ap, Name: g.name},
				"not an argument of %q in the SLPF profile (SLPF v1.0 section 2.3, Table 2.3-2)", command)
		}
	}
	var buf [8]string
	if ext := jsonform.SortedKeys(a.Extensions, buf[:0]); len(ext) > 0 {
		return unsupported(&path{Up: ap, Name: ext[0]}, "not an argument of the SLPF profile (SLPF v1.0 section 2.3, Table 2.3-2)")
	}
	if s.InsertRule != nil && a.ResponseRequested != ResponseComplete {
		return failAt(ap, "slpf.insert_rule", "needs \"response_requested\": \"complete\" (SLPF v1.0 sections 2.3.1 and 2.3.2)")
	}
	if c.Action == ActionUpdate {
		if a.ResponseRequested == ResponseStatus {
			return failAt(ap, "response_requested", "update file takes complete, ack or none (SLPF v1.0 section 2.3.5.1)")
		}
		if f, _ := c.Target.Value.(*File); f.Name == "" {
			return failAt(&path{Up: &path{Name: "target"}, Name: TargetFile}, "name", "missing required field (SLPF v1.0 section 2.3.5.1)")
		}
	}
	return nil
}

// unsupported returns an *Error at p that matches ErrUnsupported.
func unsupported(p *path, format string, args ...any) error {
	return &Error{Path: p.String(), Message: fmt.Sprintf(format, args...), unsupported: true}
}
