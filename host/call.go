package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/abi"
)

// call calls export on the component kind/ref with req. ref is the bare
// component name when one plugin provides it, or "plugin/name". When a
// reload retires the plugin between the lookup and the call, call looks
// again, so a reload loses no call.
func call[Rep any](ctx context.Context, h *Host, kind abi.Kind, ref, export string, req any) (Rep, error) {
	name := bare(ref)
	for {
		r := h.reg.Load()
		p := r.components[componentKey{kind, ref}]
		if p == nil {
			var zero Rep
			e := abi.Errorf(abi.CodeNoComponent, "no plugin provides %s %q", kind, ref)
			if plugins := r.ambiguous[componentKey{kind, ref}]; len(plugins) > 0 {
				e.Message = fmt.Sprintf("plugins %s all provide %s %q; name one as PLUGIN/%s", strings.Join(plugins, ", "), kind, ref, ref)
			}
			return zero, &CallError{Kind: kind, Component: ref, Err: e}
		}
		if !p.acquire() {
			continue
		}
		rep, err := callPlugin[Rep](ctx, p, kind, name, export, req)
		p.release()
		return rep, err
	}
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

// AgentReset starts the agent component on a new run.
func (h *Host) AgentReset(ctx context.Context, component string, req abi.AgentResetRequest) error {
	req.Component = bare(component)
	_, err := call[abi.AgentResetReply](ctx, h, abi.KindAgent, component, abi.ExportAgentReset, &req)
	return err
}

// AgentAct asks the agent component for its actor's next action.
func (h *Host) AgentAct(ctx context.Context, component string, req abi.AgentActRequest) (abi.Action, error) {
	req.Component = bare(component)
	rep, err := call[abi.AgentActReply](ctx, h, abi.KindAgent, component, abi.ExportAgentAct, &req)
	return rep.Action, err
}

// CallRaw calls export on the component kind/name with a request given as
// a generic map ("component" is set for the caller) and returns the reply
// as a generic map. It serves tools such as `gatehouse plugin call`; typed
// callers use Actuate, Oblige and the others.
func (h *Host) CallRaw(ctx context.Context, kind abi.Kind, name, export string, req map[string]any) (map[string]any, error) {
	if req == nil {
		req = map[string]any{}
	}
	req["component"] = bare(name)
	return call[map[string]any](ctx, h, kind, name, export, req)
}

// bare returns the component name of a reference "plugin/name" or "name".
func bare(ref string) string {
	if i := strings.IndexByte(ref, '/'); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
