package consumer

import (
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/openc2"
)

// ActuateRequest asks an actuator component to carry out a command: the
// command in the shape actuators get it (see actuatorCommand), the headers
// of its message, and the actuator profile it was routed by ("slpf") with
// the command's actuator specifiers for it. The plugin ABI's
// ActuateRequest has the same fields.
type ActuateRequest struct {
	Command    openc2.GenericCommand
	Headers    openc2.Headers
	Profile    string
	Specifiers map[string]any
}

// ErrorCode classes an actuator's failure by the status it is answered
// with (see StatusOf).
type ErrorCode string

// The classes of failure, named as the plugin ABI names its codes.
const (
	CodeInvalidRequest ErrorCode = "invalid_request" // 400 Bad Request
	CodeDenied         ErrorCode = "denied"          // 403 Forbidden
	CodeNotFound       ErrorCode = "not_found"       // 404 Not Found
	CodeUnsupported    ErrorCode = "unsupported"     // 501 Not Implemented
	CodeUnavailable    ErrorCode = "unavailable"     // 503 Service Unavailable
)

// ActuatorError is a failure of Actuators.Actuate of a known class. Its
// text is Err's.
type ActuatorError struct {
	Code ErrorCode
	Err  error
}

// Error returns Err's text.
func (e *ActuatorError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *ActuatorError) Unwrap() error { return e.Err }

// actuatorCommand returns cmd in the shape actuators get it (abi/README.md,
// section 6.2): its generic form without start_time, stop_time and
// duration. Those are the consumer's: an actuator gets the command when it
// starts, and a delete of its rule when it stops.
func actuatorCommand(cmd *openc2.Command) (openc2.GenericCommand, error) {
	c := *cmd
	if a := cmd.Args; a != nil {
		rest := *a
		rest.StartTime, rest.StopTime, rest.Duration = nil, nil, nil
		c.Args = &rest
		if rest.ResponseRequested == "" && rest.SLPF == nil && len(rest.Extensions) == 0 {
			c.Args = nil
		}
	}
	return openc2.CommandToGeneric(&c)
}

// responseOf returns the LS v1.0 response an actuator's reply stands for,
// read from its generic form as strictly as openc2.DecodeResponse reads
// JSON. Empty results are none, as the ABI's encoders leave an empty map
// out; bytes of the status text that are not UTF-8 become U+FFFD rather
// than failing a command that was carried out.
func responseOf(reply openc2.GenericResponse) (*openc2.Response, error) {
	reply.StatusText = strings.ToValidUTF8(reply.StatusText, "\uFFFD")
	if len(reply.Results) == 0 {
		reply.Results = nil
	}
	return openc2.ResponseFromGeneric(reply)
}

// specifiers returns the profile that ac, a command in the shape actuators
// get it, names and its actuator specifiers, or "" and nil when it names
// none.
func specifiers(ac openc2.GenericCommand) (string, map[string]any, error) {
	for profile, v := range ac.Actuator {
		m, ok := v.(map[string]any)
		if !ok {
			return "", nil, fmt.Errorf("actuator specifiers %s: not an object", profile)
		}
		return profile, m, nil
	}
	return "", nil, nil
}
