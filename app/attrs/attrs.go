// Package attrs lets plugins take part in policy decisions: it
// implements the attribute and obligation interfaces of package policy
// over the components of the plugin host (abi/README.md, sections 6.3 to
// 6.5).
package attrs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/policy"
)

// Environment is a policy.EnvironmentSource that asks the environment
// components of the host's plugins, as ABI section 6.4 says: for the
// attribute environment.PATH it picks the longest key that a component
// declares and that is PATH or a prefix of it ending before a dot, and asks
// the components that declare it, in order of plugin name and then
// component name, until one knows the value.
type Environment struct {
	Host *host.Host
}

// Environment asks for the environment attribute at path.
func (e Environment) Environment(ctx context.Context, path string, attrs *policy.Attributes) (string, any, error) {
	components := e.Host.Components(abi.KindEnvironment)
	key := ""
	for _, c := range components {
		for _, k := range c.Component.Attributes {
			if len(k) > len(key) && policy.Covers(k, path) {
				key = k
			}
		}
	}
	if key == "" {
		return "", nil, nil
	}
	for _, c := range components {
		if !declares(c.Component, key) {
			continue
		}
		rep, err := e.Host.Environment(ctx, c.Ref(), abi.EnvironmentRequest{Key: key, Context: abi.Context(*attrs)})
		if err != nil {
			return "", nil, err
		}
		if rep.Value != nil {
			return key, rep.Value, nil
		}
	}
	return key, nil, nil
}

func declares(c abi.Component, key string) bool {
	for _, k := range c.Attributes {
		if k == key {
			return true
		}
	}
	return false
}

// ObjectSetter is a policy.ObjectSetter that calls one object component of
// the host's plugins (ABI section 6.5).
type ObjectSetter struct {
	Host *host.Host
	// Component is the component's reference, NAME or PLUGIN/NAME (host.Ref).
	Component string
	// Order is the setter's priority: lower runs first.
	Order int
	// Config is the setter's configuration for the service.
	Config map[string]any
}

// Priority returns s.Order.
func (s ObjectSetter) Priority() int { return s.Order }

// SetObject asks the component for attributes of the object at path.
func (s ObjectSetter) SetObject(ctx context.Context, object map[string]any, path string) (map[string]any, error) {
	rep, err := s.Host.Object(ctx, s.Component, abi.ObjectRequest{Object: object, Path: path, Config: s.Config})
	if err != nil {
		return nil, err
	}
	return rep.Attributes, nil
}

// ObjectSetters returns a setter for every object component the host
// serves now, with the priority its manifest declares and the
// configuration config holds for its reference ("plugin/name"). The
// engine runs them in ascending priority, and these come in order of
// plugin name and then component name, which breaks ties as the ABI says.
func ObjectSetters(h *host.Host, config map[string]map[string]any) []policy.ObjectSetter {
	var out []policy.ObjectSetter
	for _, c := range h.Components(abi.KindObject) {
		out = append(out, ObjectSetter{Host: h, Component: c.Ref(), Order: c.Component.Priority, Config: config[c.Ref()]})
	}
	return out
}

// ConfiguredObjectSetters returns a setter for each object component that
// config names, as ARPOC's services do in objectsetters: by reference
// [object:][PLUGIN/]NAME (host.Ref), each with its
// configuration, which the component receives whole. The priority is the
// configuration's "priority", when it is an integer, else the manifest's;
// a component whose "enable" is false is left out. A name that several
// plugins provide means the component of the plugin providers prefers. It
// fails for a reference that no object component of the host matches, or
// matches ambiguously, naming it.
func ConfiguredObjectSetters(h *host.Host, config map[string]map[string]any, providers Providers) ([]policy.ObjectSetter, error) {
	var out []policy.ObjectSetter
	for _, ref := range slices.Sorted(maps.Keys(config)) {
		cfg := config[ref]
		if enable, ok := cfg["enable"].(bool); ok && !enable {
			continue
		}
		if _, err := host.ParseRefOf(abi.KindObject, ref); err != nil {
			return nil, fmt.Errorf("object setter: %w", err)
		}
		c, err := providers.Resolve(h, abi.KindObject, ref)
		if ae, ok := errors.AsType[*abi.Error](err); ok {
			return nil, fmt.Errorf("object setter %q: %s", ref, ae.Message)
		} else if err != nil {
			return nil, err
		}
		order := c.Component.Priority
		if p, ok := integer(cfg["priority"]); ok {
			order = p
		}
		out = append(out, ObjectSetter{Host: h, Component: c.Ref(), Order: order, Config: cfg})
	}
	return out, nil
}

// integer returns v as an int when it is an integer within int's range of
// any Go type that JSON, YAML or msgpack decoders yield.
func integer(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case uint64:
		if x <= math.MaxInt {
			return int(x), true
		}
	case float64:
		if x >= math.MinInt && x < math.MaxInt && x == math.Trunc(x) {
			return int(x), true
		}
	}
	return 0, false
}

// Obligations is a policy.ObligationRunner that runs obligation components
// of the host's plugins (ABI section 6.3). The obligation a policy names is
// the component of that name, unless Components maps it to another; a
// name that several plugins provide means the component of the plugin
// Providers prefers.
type Obligations struct {
	Host *host.Host
	// Components maps obligation names of the entity files to component
	// references, for names that cannot be component names: ARPOC's
	// obl_log has an underscore, which component names do not allow.
	Components map[string]string
	// Providers chooses among the plugins that provide a name.
	Providers Providers
}

// Oblige runs the obligation name.
func (o Obligations) Oblige(ctx context.Context, name string, effect policy.Result, attrs *policy.Attributes, config map[string]any) (bool, string, error) {
	ref := name
	if c, ok := o.Components[name]; ok {
		ref = c
	}
	c, err := o.Providers.Resolve(o.Host, abi.KindObligation, ref)
	if err != nil {
		return false, "", err
	}
	rep, err := o.Host.Oblige(ctx, c.Ref(), abi.ObligeRequest{Decision: abi.Decision(effect.String()), Context: abi.Context(*attrs), Config: config})
	if err != nil {
		return false, "", err
	}
	return rep.Fulfilled, rep.Reason, nil
}
