package abi

import "fmt"

// Code is the machine-readable cause of an Error. Plugins use the plugin
// codes; the host produces the host codes when a call fails outside the
// plugin's own logic.
type Code string

// Codes a plugin returns.
const (
	CodeInvalidRequest Code = "invalid_request" // the request is malformed or not understood
	CodeNotFound       Code = "not_found"       // the thing asked for does not exist
	CodeUnsupported    Code = "unsupported"     // the component does not do what was asked
	CodeDenied         Code = "denied"          // the component refuses on purpose
	CodeUnavailable    Code = "unavailable"     // a dependency is down; retrying may help
	CodeInternal       Code = "internal"        // anything else; a panic in a PDK becomes this
)

// Codes the host produces.
const (
	CodeTrap             Code = "trap"              // the module trapped or exited
	CodeTimeout          Code = "timeout"           // the call ran past its time limit
	CodeMemory           Code = "memory"            // the module ran out of its memory limit
	CodeMalformedReply   Code = "malformed_reply"   // the reply is not valid msgpack of the expected shape
	CodeReplyTooLarge    Code = "reply_too_large"   // the reply exceeds the largest reply allowed
	CodeABIMismatch      Code = "abi_mismatch"      // the module declares an ABI this host does not speak
	CodeBadManifest      Code = "bad_manifest"      // the manifest is missing, malformed or inconsistent
	CodeCapabilityDenied Code = "capability_denied" // the module needs a capability it was not granted
	CodeQuarantined      Code = "quarantined"       // the plugin failed too often and is set aside
	CodeNoComponent      Code = "no_component"      // no loaded plugin provides the component
)

// Error is the error shape that crosses the Wasm boundary: a code and a
// human message. It implements error; errors.Is matches on the code alone.
type Error struct {
	Code    Code   `msgpack:"code" json:"code"`
	Message string `msgpack:"message" json:"message"`
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error returns "code: message".
func (e *Error) Error() string {
	if e.Message == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Message
}

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}
