// Package actuators adapts the plugin host to the consumer: the
// actuator components of the loaded plugins become the consumer's
// Actuators, addressed as PLUGIN/NAME (host.Ref).
package actuators

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
)

// Actuators are the actuator components a host serves now.
type Actuators struct{ h *host.Host }

// New returns the actuator components of h.
func New(h *host.Host) *Actuators { return &Actuators{h} }

// Actuators returns the actuator components served now, from their
// manifests, sorted by reference.
func (a *Actuators) Actuators() []consumer.Actuator {
	cs := a.h.Components(abi.KindActuator)
	out := make([]consumer.Actuator, len(cs))
	for i, c := range cs {
		out[i] = consumer.Actuator{Ref: c.Ref(), Profiles: c.Component.Profiles, Pairs: c.Component.Pairs}
	}
	return out
}

// Actuate calls the actuator component ref, PLUGIN/NAME. Its errors
// are *host.CallError, which name the plugin and component; one that
// wraps an *abi.Error of a code the consumer answers with its own status
// comes wrapped in a *consumer.ActuatorError (see classify).
func (a *Actuators) Actuate(ctx context.Context, ref string, req consumer.ActuateRequest) (openc2.GenericResponse, error) {
	reply, err := a.h.Actuate(ctx, ref, abi.ActuateRequest{
		Command:    abi.Command(req.Command),
		Headers:    abi.Headers(req.Headers),
		Profile:    req.Profile,
		Specifiers: req.Specifiers,
	})
	return openc2.GenericResponse(reply), classify(err)
}

// codes maps the ABI's codes to the consumer's classes of failure; any
// other code, the host's own among them, is a plain failure (500).
var codes = map[abi.Code]consumer.ErrorCode{
	abi.CodeInvalidRequest: consumer.CodeInvalidRequest,
	abi.CodeDenied:         consumer.CodeDenied,
	abi.CodeNotFound:       consumer.CodeNotFound,
	abi.CodeUnsupported:    consumer.CodeUnsupported,
	abi.CodeUnavailable:    consumer.CodeUnavailable,
}

// classify returns err wrapped in a *consumer.ActuatorError of its class
// when it wraps an *abi.Error whose code codes maps, else err.
func classify(err error) error {
	if err == nil {
		return nil // before e, which escapes
	}
	var e *abi.Error
	if !errors.As(err, &e) {
		return err
	}
	if code, ok := codes[e.Code]; ok {
		return &consumer.ActuatorError{Code: code, Err: err}
	}
	return err
}
