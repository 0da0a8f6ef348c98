// Package registry holds the components of a Gatehouse plugin and answers
// the ABI v1 calls for them: it builds the manifest from the registrations
// and dispatches each msgpack request to the handler its "component" names.
//
// The package knows nothing of Wasm and builds on every platform. Package
// pdk puts a Registry behind the native-binding exports; a plugin for
// another binding (Extism) or a Go test drives a Registry through Call.
package registry

import (
	"fmt"
	"slices"
	"sync"

	"github.com/gatehouse/gatehouse/abi"
)

// Handler types, one per call export. Handlers return the payload of the
// reply; the Registry wraps it in the abi.Reply envelope. An error becomes
// an error reply: an *abi.Error keeps its code, any other error has code
// internal.
type (
	// ActuatorFunc carries out an OpenC2 command.
	ActuatorFunc func(abi.ActuateRequest) (abi.ActuateReply, error)
	// ObligationFunc runs an obligation after a decision.
	ObligationFunc func(abi.ObligeRequest) (abi.ObligeReply, error)
	// EnvironmentFunc returns the value of the attribute req.Key, or nil
	// when it does not know it.
	EnvironmentFunc func(req abi.EnvironmentRequest) (any, error)
	// ObjectFunc returns the attributes to merge over the object's.
	ObjectFunc func(abi.ObjectRequest) (map[string]any, error)
	// AgentResetFunc starts an agent on a new run; an error refuses the run.
	AgentResetFunc func(abi.AgentResetRequest) error
	// AgentActFunc chooses the actor's next action.
	AgentActFunc func(abi.AgentActRequest) (abi.Action, error)
	// StartFunc prepares the plugin before it serves; an error fails the
	// load of the plugin.
	StartFunc func() error
)

// Registry is the set of components of one plugin. The zero value is not
// usable; use New. Registration is meant for init time and is not safe for
// concurrent use; a Wasm instance serves one call at a time.
type Registry struct {
	manifest abi.Manifest

	actuate     table[abi.ActuateRequest, abi.ActuateReply]
	oblige      table[abi.ObligeRequest, abi.ObligeReply]
	environment table[abi.EnvironmentRequest, abi.EnvironmentReply]
	object      table[abi.ObjectRequest, abi.ObjectReply]
	agentReset  table[abi.AgentResetRequest, abi.AgentResetReply]
	agentAct    table[abi.AgentActRequest, abi.AgentActReply]
	start       StartFunc

	// mu is held by the call that decodes and encodes with codec and
	// the values the tables keep; codec's interned strings and reused
	// maps and slices outlive a call.
	mu    sync.Mutex
	codec abi.Codec
}

// New returns an empty Registry whose manifest declares abi.Version.
func New() *Registry {
	r := &Registry{manifest: abi.Manifest{ABI: abi.Version}}
	r.actuate.init(abi.KindActuator, func(q *abi.ActuateRequest) string { return q.Component })
	r.oblige.init(abi.KindObligation, func(q *abi.ObligeRequest) string { return q.Component })
	r.environment.init(abi.KindEnvironment, func(q *abi.EnvironmentRequest) string { return q.Component })
	r.object.init(abi.KindObject, func(q *abi.ObjectRequest) string { return q.Component })
	r.agentReset.init(abi.KindAgent, func(q *abi.AgentResetRequest) string { return q.Component })
	r.agentAct.init(abi.KindAgent, func(q *abi.AgentActRequest) string { return q.Component })
	return r
}

// Plugin sets the plugin's name, version and description in the manifest.
func (r *Registry) Plugin(name, version, description string) {
	r.manifest.Name, r.manifest.Version, r.manifest.Description = name, version, description
}

// Require declares capabilities the plugin uses. The manifest must list
// exactly the capabilities whose host functions the module imports, which
// are those of the pdk capability packages it imports.
func (r *Registry) Require(caps ...abi.Capability) {
	for _, c := range caps {
		if !slices.Contains(r.manifest.Capabilities, c) {
			r.manifest.Capabilities = append(r.manifest.Capabilities, c)
		}
	}
}

// Actuator registers an actuator. It sets c.Kind and panics if an actuator
// of that name is already registered or h is nil; so do the other
// registration methods for their kinds.
func (r *Registry) Actuator(c abi.Component, h ActuatorFunc) {
	r.add(abi.KindActuator, &c, h == nil)
	r.actuate.handlers[c.Name] = h
}

// Obligation registers an obligation.
func (r *Registry) Obligation(c abi.Component, h ObligationFunc) {
	r.add(abi.KindObligation, &c, h == nil)
	r.oblige.handlers[c.Name] = h
}

// Environment registers an environment setter; c.Attributes should list the
// keys it provides.
func (r *Registry) Environment(c abi.Component, h EnvironmentFunc) {
	r.add(abi.KindEnvironment, &c, h == nil)
	r.environment.handlers[c.Name] = func(req abi.EnvironmentRequest) (abi.EnvironmentReply, error) {
		v, err := h(req)
		return abi.EnvironmentReply{Value: v}, err
	}
}

// Object registers an object setter.
func (r *Registry) Object(c abi.Component, h ObjectFunc) {
	r.add(abi.KindObject, &c, h == nil)
	r.object.handlers[c.Name] = func(req abi.ObjectRequest) (abi.ObjectReply, error) {
		attrs, err := h(req)
		return abi.ObjectReply{Attributes: attrs}, err
	}
}

// Agent registers an agent: reset starts a run for an actor, act chooses
// the actor's next action.
func (r *Registry) Agent(c abi.Component, reset AgentResetFunc, act AgentActFunc) {
	r.add(abi.KindAgent, &c, reset == nil || act == nil)
	r.agentReset.handlers[c.Name] = func(req abi.AgentResetRequest) (abi.AgentResetReply, error) {
		return abi.AgentResetReply{}, reset(req)
	}
	r.agentAct.handlers[c.Name] = func(req abi.AgentActRequest) (abi.AgentActReply, error) {
		a, err := act(req)
		return abi.AgentActReply{Action: a}, err
	}
}

// OnStart registers the function gatehouse_start runs (abi/README.md,
// section 4.6): once per loaded version of the plugin, on one instance,
// with the plugin's capabilities, before any component is called. An
// error fails the load with its code (internal for an error that is not
// an *abi.Error). It panics if f is nil or a function is already
// registered. Without one, gatehouse_start does nothing.
func (r *Registry) OnStart(f StartFunc) {
	switch {
	case f == nil:
		panic("gatehouse pdk: start function registered as nil")
	case r.start != nil:
		panic("gatehouse pdk: start function registered twice")
	}
	r.start = f
}

// Manifest returns a copy of the manifest built from the registrations.
func (r *Registry) Manifest() abi.Manifest {
	m := r.manifest
	m.Components = slices.Clone(m.Components)
	m.Capabilities = slices.Clone(m.Capabilities)
	return m
}

// add records component c of kind k in the manifest.
func (r *Registry) add(k abi.Kind, c *abi.Component, nilHandler bool) {
	c.Kind = k
	if nilHandler {
		panic(fmt.Sprintf("gatehouse pdk: %s %q registered with a nil handler", k, c.Name))
	}
	for _, have := range r.manifest.Components {
		if have.Kind == k && have.Name == c.Name {
			panic(fmt.Sprintf("gatehouse pdk: %s %q registered twice", k, c.Name))
		}
	}
	r.manifest.Components = append(r.manifest.Components, *c)
}
