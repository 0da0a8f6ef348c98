package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/abi"
)

// lookup returns the plugin serving the component kind/ref, read-locked
// for a call; the caller releases it. ref is a reference
// [KIND:][PLUGIN/]NAME (see Ref) whose kind, if given, is kind. When a
// reload retires the plugin between the lookup and the lock, lookup looks
// again, so a reload loses no call.
func (h *Host) lookup(kind abi.Kind, ref string) (*Plugin, error) {
	if _, err := ParseRefOf(kind, ref); err != nil {
		return nil, &CallError{Kind: kind, Component: ref, Err: abi.Errorf(abi.CodeInvalidRequest, "%v", err)}
	}
	// The registry knows NAME and PLUGIN/NAME: ref without its kind.
	key := ref[strings.IndexByte(ref, ':')+1:]
	for {
		reg := h.reg.Load()
		p := reg.components[componentKey{kind, key}]
		if p == nil {
			e := abi.Errorf(abi.CodeNoComponent, "no plugin provides %s %q", kind, key)
			if plugins := reg.ambiguous[componentKey{kind, key}]; len(plugins) > 0 {
				e.Message = fmt.Sprintf("plugins %s all provide %s %q; name one as PLUGIN/%s", strings.Join(plugins, ", "), kind, key, key)
			}
			return nil, &CallError{Kind: kind, Component: ref, Err: e}
		}
		if p.acquire() {
			return p, nil
		}
	}
}

// call calls export on the component kind/ref with req.
func call[Rep any](ctx context.Context, h *Host, kind abi.Kind, ref, export string, req any) (Rep, error) {
	p, err := h.lookup(kind, ref)
	if err != nil {
		var zero Rep
		return zero, err
	}
	defer p.release()
	return callPlugin[Rep](ctx, p, kind, bare(ref), export, req)
}

// Actuate asks the actuator component to carry out an OpenC2 command.
func (h *Host) Actuate(ctx context.Context, component string, req abi.ActuateRequest) (abi.ActuateReply, error) {
	req.Component = bare(component)
	return call[abi.ActuateReply](ctx, h, abi.KindActuator, component, abi.ExportActuate, &req)
}

// Oblige runs the obligation component.
func (h *Host) Oblige(ctx context.Context, component string, req abi.ObligeRequest) (abi.ObligeReply, error) {
	req.Component = bare(component)
	return call[abi.ObligeReply](ctx, h, abi.KindObligation, component, abi.ExportOblige, &req)
}

// Environment asks the environment component for an attribute.
func (h *Host) Environment(ctx context.Context, component string, req abi.EnvironmentRequest) (abi.EnvironmentReply, error) {
	req.Component = bare(component)
	return call[abi.EnvironmentReply](ctx, h, abi.KindEnvironment, component, abi.ExportEnvironment, &req)
}

// Object asks the object-setter component for object attributes.
func (h *Host) Object(ctx context.Context, component string, req abi.ObjectRequest) (abi.ObjectReply, error) {
	req.Component = bare(component)
	return call[abi.ObjectReply](ctx, h, abi.KindObject, component, abi.ExportObject, &req)
}

// CallRaw calls export on the component kind/name with a request given as
// a generic map ("component" is set for the caller) and returns the reply
// as a generic map. It serves tools such as `gatehouse plugin call`; typed
// callers use Actuate, Oblige and the others. Agents keep state between
// calls: call them through a Session.
func (h *Host) CallRaw(ctx context.Context, kind abi.Kind, name, export string, req map[string]any) (map[string]any, error) {
	return call[map[string]any](ctx, h, kind, name, export, rawRequest(bare(name), req))
}

// rawRequest returns a copy of req with "component" set to name.
func rawRequest(name string, req map[string]any) map[string]any {
	out := make(map[string]any, len(req)+1)
	for k, v := range req {
		out[k] = v
	}
	out["component"] = name
	return out
}

// bare returns the component name of a reference [KIND:][PLUGIN/]NAME.
func bare(ref string) string {
	r, _ := ParseRef(ref)
	return r.Name
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
