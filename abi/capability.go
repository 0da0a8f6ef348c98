package abi

import "strings"

// Capability names a group of host functions a plugin may import from the
// module CapabilityModule. Every capability is denied unless the host's
// configuration grants it to the plugin.
type Capability string

// The capabilities of ABI v1.
const (
	CapLog   Capability = "log"   // write to the host's log, tagged with the plugin
	CapClock Capability = "clock" // wall and monotonic time
	CapKV    Capability = "kv"    // a per-plugin key-value namespace that survives restarts
	CapHTTP  Capability = "http"  // outbound HTTP to allow-listed hosts
	CapExec  Capability = "exec"  // run allow-listed programs with an argv, never a shell
	CapSink  Capability = "sink"  // write records to destinations the grant names (ABI 1.2)
	CapPlan  Capability = "plan"  // plan for the actor of the agent act in progress (ABI 1.3); granted to every plugin
)

// Capabilities lists every capability in a fixed order.
var Capabilities = []Capability{CapLog, CapClock, CapKV, CapHTTP, CapExec, CapSink, CapPlan}

// Valid reports whether c is a capability of this ABI.
func (c Capability) Valid() bool {
	for _, k := range Capabilities {
		if c == k {
			return true
		}
	}
	return false
}

// CapabilityModule is the import module of the host functions.
const CapabilityModule = "gatehouse"

// Host functions, by import name. Pointers and lengths are i32 offsets into
// the plugin's memory. Functions that produce data return an i32 n: n >= 0
// means a result of n bytes is pending, n < 0 means an error of -n bytes
// (a msgpack Error) is pending; FuncResult copies the pending bytes out.
const (
	// FuncLog is log(level i32, msg_ptr i32, msg_len i32); level is one of
	// the Log* levels.
	FuncLog = "log"
	// FuncClockWall is clock_wall() i64: nanoseconds since the Unix epoch.
	FuncClockWall = "clock_wall"
	// FuncClockMonotonic is clock_monotonic() i64: nanoseconds from an
	// arbitrary origin that never goes back.
	FuncClockMonotonic = "clock_monotonic"
	// FuncKVGet is kv_get(key_ptr, key_len) i32; the result is the raw
	// value, or a not_found error.
	FuncKVGet = "kv_get"
	// FuncKVSet is kv_set(key_ptr, key_len, val_ptr, val_len) i32; the
	// result is empty.
	FuncKVSet = "kv_set"
	// FuncKVDelete is kv_delete(key_ptr, key_len) i32; the result is empty.
	FuncKVDelete = "kv_delete"
	// FuncKVList is kv_list(prefix_ptr, prefix_len) i32; the result is a
	// msgpack array of the keys with that prefix, in byte order.
	FuncKVList = "kv_list"
	// FuncHTTPRequest is http_request(req_ptr, req_len) i32 with a msgpack
	// HTTPRequest; the result is a msgpack HTTPResponse.
	FuncHTTPRequest = "http_request"
	// FuncExec is exec(req_ptr, req_len) i32 with a msgpack ExecRequest;
	// the result is a msgpack ExecResult.
	FuncExec = "exec"
	// FuncSinkWrite is sink_write(sink_ptr, sink_len, level i32, msg_ptr,
	// msg_len) i32 (ABI 1.2): it writes the message, UTF-8 text, as one
	// record to the destination the grant names sink; the result is empty.
	FuncSinkWrite = "sink_write"
	// FuncPlan is plan(req_ptr, req_len) i32 (ABI 1.3) with a msgpack
	// PlanRequest; the result is a msgpack PlanReply. It answers only
	// during an agent's act, for the actor of the act.
	FuncPlan = "plan"
	// FuncResult is result(out_ptr, out_cap) i32: it copies the pending
	// bytes to out_ptr if they fit in out_cap and returns their length; if
	// they do not fit it copies nothing, keeps them pending and returns
	// their length, so the caller can retry with a larger buffer. It needs
	// no grant.
	FuncResult = "result"
)

// Log levels for FuncLog and FuncSinkWrite.
const (
	LogDebug int32 = 0
	LogInfo  int32 = 1
	LogWarn  int32 = 2
	LogError int32 = 3
)

// CapabilityOf returns the capability that grants the host function named
// name, "" for FuncResult, and false for a name that is no host function.
func CapabilityOf(name string) (Capability, bool) {
	switch {
	case name == FuncResult:
		return "", true
	case name == FuncLog:
		return CapLog, true
	case name == FuncClockWall, name == FuncClockMonotonic:
		return CapClock, true
	case name == FuncKVGet, name == FuncKVSet, name == FuncKVDelete, name == FuncKVList:
		return CapKV, true
	case name == FuncHTTPRequest:
		return CapHTTP, true
	case name == FuncExec:
		return CapExec, true
	case name == FuncSinkWrite:
		return CapSink, true
	case name == FuncPlan:
		return CapPlan, true
	}
	return "", false
}

// HTTPRequest is an outbound request made through the http capability.
type HTTPRequest struct {
	Method  string            `msgpack:"method" json:"method"` // default GET
	URL     string            `msgpack:"url" json:"url"`
	Headers map[string]string `msgpack:"headers,omitempty" json:"headers,omitempty"`
	Body    []byte            `msgpack:"body,omitempty" json:"body,omitempty"`
}

// HTTPResponse is the answer to an HTTPRequest.
type HTTPResponse struct {
	Status  int               `msgpack:"status" json:"status"`
	Headers map[string]string `msgpack:"headers,omitempty" json:"headers,omitempty"`
	Body    []byte            `msgpack:"body,omitempty" json:"body,omitempty"`
}

// ExecRequest runs a program through the exec capability: Program is a name
// on the grant's allow list, never a shell command line.
type ExecRequest struct {
	Program string   `msgpack:"program" json:"program"`
	Args    []string `msgpack:"args,omitempty" json:"args,omitempty"`
	Stdin   []byte   `msgpack:"stdin,omitempty" json:"stdin,omitempty"`
}

// ExecResult is the outcome of an ExecRequest. DryRun is true when the host
// recorded the request instead of running it.
type ExecResult struct {
	ExitCode int    `msgpack:"exit_code" json:"exit_code"`
	Stdout   []byte `msgpack:"stdout,omitempty" json:"stdout,omitempty"`
	Stderr   []byte `msgpack:"stderr,omitempty" json:"stderr,omitempty"`
	DryRun   bool   `msgpack:"dry_run,omitempty" json:"dry_run,omitempty"`
}

// PlanRequest asks the plan capability for a plan of the actor of the
// agent act in progress, from the state the act observes: its location
// and holdings. The host knows no more of the world than the agent tells
// it: Gone are the possessibles the agent found missing (another actor
// took them), which the plan does not count on.
type PlanRequest struct {
	// Goals are the goals to meet: locations to be at, possessibles to
	// hold, documents to read. None means the actor's goals that the
	// observation lists as open, and its location goals even when met.
	Goals []string `msgpack:"goals,omitempty" json:"goals,omitempty"`
	Gone  []string `msgpack:"gone,omitempty" json:"gone,omitempty"`
	// Criterion is what the plan is the best by: "shortest" (fewest
	// actions), "fastest" (fewest ticks), "likeliest" (least risk) or
	// "expected" (fewest ticks expected when failed actions are tried
	// again), the default.
	Criterion string `msgpack:"criterion,omitempty" json:"criterion,omitempty"`
}

// PlanReply is the plan: the actions to take in order, each a move to a
// location or a take or read of a possessible, as the simulator offers
// them among an observation's choices (with their Risk and Time). No
// steps means no plan: Reason says why (none exists, or the search
// reached the host's bound).
type PlanReply struct {
	Steps  []Action `msgpack:"steps,omitempty" json:"steps,omitempty"`
	Reason string   `msgpack:"reason,omitempty" json:"reason,omitempty"`
}

// IsMarker reports whether an export name declares an ABI major version,
// and which.
func IsMarker(name string) (major string, ok bool) {
	if !strings.HasPrefix(name, MarkerPrefix) {
		return "", false
	}
	return strings.TrimPrefix(name, MarkerPrefix), true
}
