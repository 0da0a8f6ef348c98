package openc2

import "encoding/json"

// Action is the task a Command asks for (LS v1.0 section 3.3.1.1).
type Action string

// The actions of LS v1.0 section 3.3.1.1.
const (
	ActionScan        Action = "scan"
	ActionLocate      Action = "locate"
	ActionQuery       Action = "query"
	ActionDeny        Action = "deny"
	ActionContain     Action = "contain"
	ActionAllow       Action = "allow"
	ActionStart       Action = "start"
	ActionStop        Action = "stop"
	ActionRestart     Action = "restart"
	ActionCancel      Action = "cancel"
	ActionSet         Action = "set"
	ActionUpdate      Action = "update"
	ActionRedirect    Action = "redirect"
	ActionCreate      Action = "create"
	ActionDelete      Action = "delete"
	ActionDetonate    Action = "detonate"
	ActionRestore     Action = "restore"
	ActionCopy        Action = "copy"
	ActionInvestigate Action = "investigate"
	ActionRemediate   Action = "remediate"
)

var actions = map[Action]bool{
	ActionScan: true, ActionLocate: true, ActionQuery: true, ActionDeny: true,
	ActionContain: true, ActionAllow: true, ActionStart: true, ActionStop: true,
	ActionRestart: true, ActionCancel: true, ActionSet: true, ActionUpdate: true,
	ActionRedirect: true, ActionCreate: true, ActionDelete: true, ActionDetonate: true,
	ActionRestore: true, ActionCopy: true, ActionInvestigate: true, ActionRemediate: true,
}

// Valid reports whether a is one of the actions of LS v1.0 section 3.3.1.1.
func (a Action) Valid() bool { return actions[a] }

// Command is an OpenC2 Command (LS v1.0 section 3.3.1). Action and Target are
// required; Args, Actuator and CommandID are optional.
type Command struct {
	Action    Action    `json:"action"`
	Target    Target    `json:"target"`
	Args      *Args     `json:"args,omitempty"`
	Actuator  *Actuator `json:"actuator,omitempty"`
	CommandID string    `json:"command_id,omitempty"`
}

// Target is the object of an Action (LS v1.0 section 3.3.1.2): a choice, so it is
// serialized as an object with exactly one key, the target type name.
//
// Value holds the Go type listed for Name in the Target* constants; an extension
// target ("nsid:name", LS v1.0 section 3.1.4) other than "slpf:rule_number" holds
// its JSON as a json.RawMessage.
type Target struct {
	Name  string
	Value any
}

// MarshalJSON encodes t as {Name: Value}.
func (t Target) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{t.Name: t.Value})
}

// Actuator names the profile and specifiers of the Actuator that should execute a
// Command (LS v1.0 section 3.3.1.3): a choice, serialized as an object with exactly
// one key, the profile's namespace identifier.
//
// Value is a *SLPFActuator for "slpf" and a json.RawMessage holding an object for
// an "x-" extension.
type Actuator struct {
	Profile string
	Value   any
}

// MarshalJSON encodes a as {Profile: Value}.
func (a Actuator) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{a.Profile: a.Value})
}

// Feature is one item of the features target (LS v1.0 section 3.4.2.4).
type Feature string

// The features of LS v1.0 section 3.4.2.4.
const (
	FeatureVersions  Feature = "versions"
	FeatureProfiles  Feature = "profiles"
	FeaturePairs     Feature = "pairs"
	FeatureRateLimit Feature = "rate_limit"
)

// Valid reports whether f is a feature of LS v1.0 section 3.4.2.4.
func (f Feature) Valid() bool {
	switch f {
	case FeatureVersions, FeatureProfiles, FeaturePairs, FeatureRateLimit:
		return true
	}
	return false
}
