package abi

// Reply is the envelope of every reply: exactly one of OK and Error is set.
// On the wire it is the map {"ok": reply} or {"error": {"code", "message"}}.
type Reply[T any] struct {
	OK    *T     `msgpack:"ok,omitempty" json:"ok,omitempty"`
	Error *Error `msgpack:"error,omitempty" json:"error,omitempty"`
}

// Context holds the four attribute categories of an access-control
// evaluation: subject, object, environment and access. Values are dotted
// paths into nested maps, as in the policy language.
type Context struct {
	Subject     map[string]any `msgpack:"subject,omitempty" json:"subject,omitempty"`
	Object      map[string]any `msgpack:"object,omitempty" json:"object,omitempty"`
	Environment map[string]any `msgpack:"environment,omitempty" json:"environment,omitempty"`
	Access      map[string]any `msgpack:"access,omitempty" json:"access,omitempty"`
}

// Command is an OpenC2 command (Language Specification v1.0, section 3.3.1)
// in its JSON shape: Target and Actuator hold one key each, the target type
// or the profile namespace, mapped to its value.
type Command struct {
	Action    string         `msgpack:"action" json:"action"`
	Target    map[string]any `msgpack:"target" json:"target"`
	Args      map[string]any `msgpack:"args,omitempty" json:"args,omitempty"`
	Actuator  map[string]any `msgpack:"actuator,omitempty" json:"actuator,omitempty"`
	CommandID string         `msgpack:"command_id,omitempty" json:"command_id,omitempty"`
}

// Headers are the OpenC2 message headers that came with a command.
type Headers struct {
	RequestID string   `msgpack:"request_id,omitempty" json:"request_id,omitempty"`
	Created   int64    `msgpack:"created,omitempty" json:"created,omitempty"` // ms since the Unix epoch
	From      string   `msgpack:"from,omitempty" json:"from,omitempty"`
	To        []string `msgpack:"to,omitempty" json:"to,omitempty"`
}

// ActuateRequest asks an actuator to carry out an OpenC2 command.
type ActuateRequest struct {
	Component string  `msgpack:"component" json:"component"`
	Command   Command `msgpack:"command" json:"command"`
	Headers   Headers `msgpack:"headers,omitempty" json:"headers,omitempty"`
	// Profile is the actuator profile the command was routed by ("slpf"),
	// and Specifiers the command's actuator specifiers for it.
	Profile    string         `msgpack:"profile,omitempty" json:"profile,omitempty"`
	Specifiers map[string]any `msgpack:"specifiers,omitempty" json:"specifiers,omitempty"`
}

// ActuateReply is an OpenC2 response (Language Specification v1.0, section
// 3.3.2): a status code, an optional text and optional results.
type ActuateReply struct {
	Status     int            `msgpack:"status" json:"status"`
	StatusText string         `msgpack:"status_text,omitempty" json:"status_text,omitempty"`
	Results    map[string]any `msgpack:"results,omitempty" json:"results,omitempty"`
}

// Decision is the outcome of an access-control evaluation.
type Decision string

// The decisions.
const (
	DecisionGrant         Decision = "GRANT"
	DecisionDeny          Decision = "DENY"
	DecisionNotApplicable Decision = "NOT_APPLICABLE"
)

// ObligeRequest asks an obligation to run after a decision.
type ObligeRequest struct {
	Component string   `msgpack:"component" json:"component"`
	Decision  Decision `msgpack:"decision" json:"decision"`
	Context   Context  `msgpack:"context" json:"context"`
	// Config is the obligation's configuration from the service it guards.
	Config map[string]any `msgpack:"config,omitempty" json:"config,omitempty"`
}

// ObligeReply says whether the obligation was fulfilled, and why not.
type ObligeReply struct {
	Fulfilled bool   `msgpack:"fulfilled" json:"fulfilled"`
	Reason    string `msgpack:"reason,omitempty" json:"reason,omitempty"`
}

// EnvironmentRequest asks an environment setter for one attribute.
type EnvironmentRequest struct {
	Component string  `msgpack:"component" json:"component"`
	Key       string  `msgpack:"key" json:"key"`
	Context   Context `msgpack:"context" json:"context"`
}

// EnvironmentReply carries the attribute's value; a nil Value means the
// setter does not know it.
type EnvironmentReply struct {
	Value any `msgpack:"value" json:"value"`
}

// ObjectRequest asks an object setter for attributes of the object
// being accessed.
type ObjectRequest struct {
	Component string `msgpack:"component" json:"component"`
	// Object holds the object's attributes so far.
	Object map[string]any `msgpack:"object" json:"object"`
	// Path is the path of the request, below the service's proxy URL.
	Path   string         `msgpack:"path" json:"path"`
	Config map[string]any `msgpack:"config,omitempty" json:"config,omitempty"`
}

// ObjectReply carries the attributes to set; they are merged over the
// object's attributes so far.
type ObjectReply struct {
	Attributes map[string]any `msgpack:"attributes" json:"attributes"`
}

// Edge is a connection of a simulation model, as an agent sees it.
type Edge struct {
	From string `msgpack:"from" json:"from"`
	To   string `msgpack:"to" json:"to"`
}

// AgentResetRequest starts an agent on a new simulation run for one actor.
type AgentResetRequest struct {
	Component string            `msgpack:"component" json:"component"`
	Actor     string            `msgpack:"actor" json:"actor"`
	Seed      int64             `msgpack:"seed" json:"seed"`
	Goals     []string          `msgpack:"goals,omitempty" json:"goals,omitempty"`
	Options   map[string]string `msgpack:"options,omitempty" json:"options,omitempty"`
	// Edges is the model's connection graph, for agents that plan.
	Edges []Edge `msgpack:"edges,omitempty" json:"edges,omitempty"`
}

// AgentResetReply is empty; an error reply refuses the run.
type AgentResetReply struct{}

// Action is a simulation action: a kind ("move", "take", "read", "drop",
// "wait") and its target, a location or a possessible.
type Action struct {
	Kind   string `msgpack:"kind" json:"kind"`
	Target string `msgpack:"target,omitempty" json:"target,omitempty"`
	// Risk (0 to 1) and Time (ticks) annotate actions offered to an agent.
	Risk float64 `msgpack:"risk,omitempty" json:"risk,omitempty"`
	Time int64   `msgpack:"time,omitempty" json:"time,omitempty"`
}

// Observation is what an actor sees when it is free to act.
type Observation struct {
	Tick     int64    `msgpack:"tick" json:"tick"`
	Location string   `msgpack:"location" json:"location"`
	Holdings []string `msgpack:"holdings,omitempty" json:"holdings,omitempty"`
	Goals    []string `msgpack:"goals,omitempty" json:"goals,omitempty"`
	// Choices are the actions the actor may take now.
	Choices []Action `msgpack:"choices,omitempty" json:"choices,omitempty"`
}

// AgentActRequest asks an agent for its actor's next action.
type AgentActRequest struct {
	Component   string      `msgpack:"component" json:"component"`
	Actor       string      `msgpack:"actor" json:"actor"`
	Observation Observation `msgpack:"observation" json:"observation"`
}

// AgentActReply is the chosen action; the host checks it against the choices.
type AgentActReply struct {
	Action Action `msgpack:"action" json:"action"`
}
