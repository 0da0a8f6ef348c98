package openc2

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

// actionNames are the actions of LS v1.0 section 3.3.1.1, as strings.
var actionNames = []string{
	"scan", "locate", "query", "deny", "contain", "allow", "start", "stop", "restart", "cancel",
	"set", "update", "redirect", "create", "delete", "detonate", "restore", "copy", "investigate", "remediate",
}

// Valid reports whether a is one of the actions of LS v1.0 section 3.3.1.1.
func (a Action) Valid() bool { return known(string(a), actionNames) }

// known reports whether s is one of names.
func known(s string, names []string) bool {
	for _, n := range names {
		if s == n {
			return true
		}
	}
	return false
}

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

// MarshalJSON encodes t as {Name: Value}, as EncodeCommand does but without
// validating it.
func (t Target) MarshalJSON() ([]byte, error) {
	var e encoder
	e.target(&path{Name: "target"}, t)
	return e.result()
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

// MarshalJSON encodes a as {Profile: Value}, as EncodeCommand does but without
// validating it.
func (a Actuator) MarshalJSON() ([]byte, error) {
	var e encoder
	e.actuator(&path{Name: "actuator"}, &a)
	return e.result()
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

// featureNames are the features of LS v1.0 section 3.4.2.4, as strings.
var featureNames = []string{"versions", "profiles", "pairs", "rate_limit"}

// Valid reports whether f is a feature of LS v1.0 section 3.4.2.4.
func (f Feature) Valid() bool { return known(string(f), featureNames) }
