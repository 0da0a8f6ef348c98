// Package actuators adapts the plugin host to the consumer: the
// actuator components of the loaded plugins become the consumer's
// Actuators, addressed as PLUGIN/NAME (host.Ref).
package actuators

import (
	"context"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
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
// are *host.CallError, which name the plugin and component and wrap the
// *abi.Error that consumer.StatusOf maps.
func (a *Actuators) Actuate(ctx context.Context, ref string, req abi.ActuateRequest) (abi.ActuateReply, error) {
	return a.h.Actuate(ctx, ref, req)
}
