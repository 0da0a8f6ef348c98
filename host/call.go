package host

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/abi"
)

// lookup returns what the component kind/ref reaches, its plugin
// read-locked for a call; the caller releases the plugin. ref is a
// reference [KIND:][PLUGIN/]NAME (see Ref) whose kind, if given, is kind.
// When a reload retires the plugin between the lookup and the lock,
// lookup looks again, so a reload loses no call.
func (h *Host) lookup(kind abi.Kind, ref string) (target, error) {
	for {
		reg := h.reg.Load()
		t, ok := reg.targets[componentKey{kind, ref}]
		if !ok {
			return target{}, reg.lookupError(kind, ref)
		}
		if t.p.acquire() {
			return t, nil
		}
	}
}

// lookupError returns why r has no target for the component kind/ref: the
// reference is malformed, or names no component, or a bare name several
// plugins provide.
func (r *registry) lookupError(kind abi.Kind, ref string) error {
	if _, err := ParseRefOf(kind, ref); err != nil {
		return &CallError{Kind: kind, Component: ref, Err: abi.Errorf(abi.CodeInvalidRequest, "%v", err)}
	}
	// The registry knows NAME and PLUGIN/NAME: ref without its kind.
	key := ref[strings.IndexByte(ref, ':')+1:]
	e := abi.Errorf(abi.CodeNoComponent, "no plugin provides %s %q", kind, key)
	if plugins := r.ambiguous[componentKey{kind, key}]; len(plugins) > 0 {
		e.Message = fmt.Sprintf("plugins %s all provide %s %q; name one as PLUGIN/%s", strings.Join(plugins, ", "), kind, key, key)
	}
	return &CallError{Kind: kind, Component: ref, Err: e}
}

// frame holds what a call hands the codec behind interfaces, which places
// it on the heap: the request, the reply envelope and the reply, in one
// allocation rather than one each.
type frame[Req, Rep any] struct {
	req Req
	env abi.Reply[Rep]
	rep Rep
}

// frames keeps the frames of one type of call for reuse: a frame lives
// no longer than its call, which returns copies of what it holds. The nil
// *frames makes a new frame for each call.
type frames[Req, Rep any] struct{ pool sync.Pool }

// The frames of the typed calls.
var (
	actuateFrames     frames[abi.ActuateRequest, abi.ActuateReply]
	obligeFrames      frames[abi.ObligeRequest, abi.ObligeReply]
	environmentFrames frames[abi.EnvironmentRequest, abi.EnvironmentReply]
	objectFrames      frames[abi.ObjectRequest, abi.ObjectReply]
)

// get returns a frame for a call with req.
func (fs *frames[Req, Rep]) get(req Req) *frame[Req, Rep] {
	var f *frame[Req, Rep]
	if fs != nil {
		f, _ = fs.pool.Get().(*frame[Req, Rep])
	}
	if f == nil {
		f = new(frame[Req, Rep])
	}
	f.req = req
	f.env.OK = &f.rep
	return f
}

// put clears f, so that it keeps nothing of its call alive, and keeps it
// for another call.
func (fs *frames[Req, Rep]) put(f *frame[Req, Rep]) {
	if fs != nil {
		*f = frame[Req, Rep]{}
		fs.pool.Put(f)
	}
}

// call calls export on the component kind/ref with req. When component is
// given, it sets the request's field that names the component. With
// share, a reply the component gave before may give the value decoded
// then, shared (see component.last).
// The frame of the call comes from fs.
func call[Req, Rep any](ctx context.Context, h *Host, fs *frames[Req, Rep], kind abi.Kind, ref, export string, req Req, component func(*Req) *string, share bool) (Rep, error) {
	t, err := h.lookup(kind, ref)
	if err != nil {
		var zero Rep
		return zero, err
	}
	defer t.p.release()
	f := fs.get(req)
	defer fs.put(f)
	if component != nil {
		*component(&f.req) = t.name
	}
	err = callPlugin(ctx, t, kind, export, &f.req, &f.env, share)
	return f.rep, err
}

// Actuate asks the actuator component to carry out an OpenC2 command.
func (h *Host) Actuate(ctx context.Context, component string, req abi.ActuateRequest) (abi.ActuateReply, error) {
	return call[abi.ActuateRequest, abi.ActuateReply](ctx, h, &actuateFrames, abi.KindActuator, component, abi.ExportActuate, req,
		func(r *abi.ActuateRequest) *string { return &r.Component }, false)
}

// Oblige runs the obligation component.
func (h *Host) Oblige(ctx context.Context, component string, req abi.ObligeRequest) (abi.ObligeReply, error) {
	return call[abi.ObligeRequest, abi.ObligeReply](ctx, h, &obligeFrames, abi.KindObligation, component, abi.ExportOblige, req,
		func(r *abi.ObligeRequest) *string { return &r.Component }, false)
}

// Environment asks the environment component for an attribute. A reply
// the component gave the last two times it was asked gives the same
// Value again, shared by the callers: read it, do not modify it.
func (h *Host) Environment(ctx context.Context, component string, req abi.EnvironmentRequest) (abi.EnvironmentReply, error) {
	return call[abi.EnvironmentRequest, abi.EnvironmentReply](ctx, h, &environmentFrames, abi.KindEnvironment, component, abi.ExportEnvironment, req,
		func(r *abi.EnvironmentRequest) *string { return &r.Component }, true)
}

// Object asks the object-setter component for object attributes.
func (h *Host) Object(ctx context.Context, component string, req abi.ObjectRequest) (abi.ObjectReply, error) {
	return call[abi.ObjectRequest, abi.ObjectReply](ctx, h, &objectFrames, abi.KindObject, component, abi.ExportObject, req,
		func(r *abi.ObjectRequest) *string { return &r.Component }, false)
}

// CallRaw calls export on the component kind/name with a request given as
// a generic map ("component" is set for the caller) and returns the reply
// as a generic map. It serves tools such as `gatehouse plugin call`; typed
// callers use Actuate, Oblige and the others. Agents keep state between
// calls: call them through a Session.
func (h *Host) CallRaw(ctx context.Context, kind abi.Kind, name, export string, req map[string]any) (map[string]any, error) {
	return call[map[string]any, map[string]any](ctx, h, nil, kind, name, export, rawRequest(bare(name), req), nil, false)
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

// component is what a plugin keeps for the calls of one of its
// components: its metrics, and its last reply where replies are shared.
type component struct {
	metrics *componentMetrics
	// last is a reply the component gave twice in a row, with its value
	// decoded: a call that gets the same bytes again gets that value,
	// shared, instead of decoding it anew (Host.Environment).
	last atomic.Pointer[sharedReply]
	// missed is a hash of the last reply decoded anew, to tell a reply
	// that repeats from one that changes.
	missed atomic.Uint64
}

// sharedReply is a reply and its decoded value.
type sharedReply struct {
	raw []byte
	rep any
}

// sharedReplyMax is the largest reply, in bytes, that a component keeps
// to share.
const sharedReplyMax = 512

var sharedSeed = maphash.MakeSeed()

// shared sets *rep to the value of the reply raw when c keeps it,
// and reports whether it did.
func shared[Rep any](c *component, raw []byte, rep *Rep) bool {
	s := c.last.Load()
	if s == nil || !bytes.Equal(s.raw, raw) {
		return false
	}
	*rep = s.rep.(Rep)
	return true
}

// decoded tells c that the reply raw decoded to rep: when raw is the
// reply decoded anew before it, c keeps the two to share.
func decoded[Rep any](c *component, raw []byte, rep Rep) {
	if len(raw) > sharedReplyMax {
		return
	}
	if h := maphash.Bytes(sharedSeed, raw); c.missed.Swap(h) == h {
		c.last.Store(&sharedReply{raw: bytes.Clone(raw), rep: rep})
	}
}
