package registry

import (
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

// Call answers the call export named export (abi.ExportDescribe,
// abi.ExportStart, abi.ExportActuate, ...) for a msgpack request, as the
// host would see it: it returns the msgpack reply envelope {"ok": ...} or
// {"error": ...}. It never panics and never fails; every failure is an
// error reply:
//
//   - a request that is not msgpack of the export's request type: invalid_request;
//   - a component of that kind that is not registered: not_found;
//   - a handler's (or the start function's) *abi.Error: that error; any
//     other error: internal;
//   - a panic in a handler: internal, naming the panic value;
//   - an unknown export: not_found.
func (r *Registry) Call(export string, request []byte) []byte {
	return r.AppendCall(nil, export, request)
}

// AppendCall is Call appending the reply to dst: a binding that passes the
// buffer of its last reply, once the host has read it, answers a call
// without allocating for the reply's bytes. The requests' short strings
// are decoded once and shared by later requests (strings are immutable);
// every other part of a request is the handler's own.
func (r *Registry) AppendCall(dst []byte, export string, request []byte) []byte {
	c, _ := r.codecs.Get().(*abi.Codec)
	if c == nil {
		c = new(abi.Codec)
	}
	defer r.codecs.Put(c)
	switch export {
	case abi.ExportDescribe:
		return r.describe(request)
	case abi.ExportStart:
		return r.startCall(request)
	case abi.ExportActuate:
		return r.actuate.call(c, dst, request)
	case abi.ExportOblige:
		return r.oblige.call(c, dst, request)
	case abi.ExportEnvironment:
		return r.environment.call(c, dst, request)
	case abi.ExportObject:
		return r.object.call(c, dst, request)
	case abi.ExportAgentReset:
		return r.agentReset.call(c, dst, request)
	case abi.ExportAgentAct:
		return r.agentAct.call(c, dst, request)
	}
	return ErrorReply(abi.Errorf(abi.CodeNotFound, "no export %q", export))
}

// describe answers gatehouse_describe with the manifest.
func (r *Registry) describe(request []byte) []byte {
	var req abi.DescribeRequest
	if err := msgpack.Unmarshal(request, &req); err != nil {
		return ErrorReply(abi.Errorf(abi.CodeInvalidRequest, "decode describe request: %v", err))
	}
	m := r.manifest
	return encode(&m)
}

// startCall answers gatehouse_start by running the start function, if
// one is registered.
func (r *Registry) startCall(request []byte) []byte {
	var req abi.StartRequest
	if err := msgpack.Unmarshal(request, &req); err != nil {
		return ErrorReply(abi.Errorf(abi.CodeInvalidRequest, "decode start request: %v", err))
	}
	if r.start != nil {
		if _, err := run(func(abi.StartRequest) (abi.StartReply, error) { return abi.StartReply{}, r.start() }, req); err != nil {
			return ErrorReply(toABI(err))
		}
	}
	return encode(&abi.StartReply{})
}

// table holds the handlers of one call export, by component name.
type table[Req, Rep any] struct {
	kind      abi.Kind
	component func(*Req) string
	handlers  map[string]func(Req) (Rep, error)
}

// init makes t an empty table for components of kind k; component reads
// the component name from a request.
func (t *table[Req, Rep]) init(k abi.Kind, component func(*Req) string) {
	t.kind, t.component, t.handlers = k, component, map[string]func(Req) (Rep, error){}
}

// call decodes a request with c, runs the handler of the component it
// names and appends the reply envelope to dst.
func (t table[Req, Rep]) call(c *abi.Codec, dst, request []byte) []byte {
	var req Req
	if err := c.Decode(request, &req); err != nil {
		return ErrorReply(abi.Errorf(abi.CodeInvalidRequest, "decode %s request: %v", t.kind, err))
	}
	name := t.component(&req)
	h, ok := t.handlers[name]
	if !ok {
		return ErrorReply(abi.Errorf(abi.CodeNotFound, "no %s %q", t.kind, name))
	}
	rep, err := run(h, req)
	if err != nil {
		return ErrorReply(toABI(err))
	}
	return appendReply(c, dst, &rep)
}

// run calls h, turning a panic into an error.
func run[Req, Rep any](h func(Req) (Rep, error), req Req) (rep Rep, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = abi.Errorf(abi.CodeInternal, "panic: %v", p)
		}
	}()
	return h(req)
}

// toABI flattens err into the error shape that crosses the boundary.
func toABI(err error) *abi.Error {
	if e, ok := errors.AsType[*abi.Error](err); ok {
		return e
	}
	return &abi.Error{Code: abi.CodeInternal, Message: err.Error()}
}

// encode returns the envelope {"ok": rep}, or an internal error reply when
// rep cannot be encoded.
func encode[Rep any](rep *Rep) []byte { return appendReply(new(abi.Codec), nil, rep) }

// appendReply appends the envelope {"ok": rep} to dst with c, or returns an
// internal error reply when rep cannot be encoded.
func appendReply[Rep any](c *abi.Codec, dst []byte, rep *Rep) []byte {
	b, err := c.Append(dst, abi.Reply[Rep]{OK: rep})
	if err != nil {
		return ErrorReply(abi.Errorf(abi.CodeInternal, "encode reply: %v", err))
	}
	return b
}

// ErrorReply returns the msgpack reply envelope {"error": e}, for a binding
// that fails a call before it reaches Call.
func ErrorReply(e *abi.Error) []byte {
	b, err := msgpack.Marshal(abi.Reply[struct{}]{Error: e})
	if err != nil {
		// An Error is two strings; encoding it cannot fail.
		panic(fmt.Sprintf("gatehouse pdk: encode error reply: %v", err))
	}
	return b
}
