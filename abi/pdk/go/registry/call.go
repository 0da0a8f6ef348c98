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
// without allocating for the reply's bytes.
//
// A request is decoded into the values of the last request of its export
// again (abi.Codec.DecodeReusing): its maps and slices, at every depth,
// are those of the last one, cleared and filled anew, so that the calls of
// a plugin allocate nothing for their requests once they have seen their
// like. A handler may therefore keep the strings of a request and any
// other value it copies out (the numbers, an abi.Action, a copy made with
// slices.Clone or maps.Clone, deep enough for what it keeps), but not a
// map or slice of the request itself beyond its return: the next call
// overwrites it. The reply it returns may share them, since it is encoded
// before the handler returns to the host. A call made while another one
// runs on the same Registry, as concurrent Go tests may, decodes into
// values of its own.
func (r *Registry) AppendCall(dst []byte, export string, request []byte) []byte {
	if !r.mu.TryLock() {
		return r.appendCall(new(abi.Codec), false, dst, export, request)
	}
	defer r.mu.Unlock()
	return r.appendCall(&r.codec, true, dst, export, request)
}

// appendCall is AppendCall with codec c, reusing the values of the last
// request of the export when reuse is set.
func (r *Registry) appendCall(c *abi.Codec, reuse bool, dst []byte, export string, request []byte) []byte {
	switch export {
	case abi.ExportDescribe:
		return r.describe(request)
	case abi.ExportStart:
		return r.startCall(request)
	case abi.ExportActuate:
		return r.actuate.call(c, reuse, dst, request)
	case abi.ExportOblige:
		return r.oblige.call(c, reuse, dst, request)
	case abi.ExportEnvironment:
		return r.environment.call(c, reuse, dst, request)
	case abi.ExportObject:
		return r.object.call(c, reuse, dst, request)
	case abi.ExportAgentReset:
		return r.agentReset.call(c, reuse, dst, request)
	case abi.ExportAgentAct:
		return r.agentAct.call(c, reuse, dst, request)
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

// table holds the handlers of one call export, by component name, and
// the values of its last call.
type table[Req, Rep any] struct {
	kind      abi.Kind
	component func(*Req) string
	handlers  map[string]func(Req) (Rep, error)
	last      *exchange[Req, Rep]
	// lastName and lastHandler are the component of the last call with
	// reuse and its handler: calls to one component in a row, as a plugin
	// of one component gets, find it without a map lookup.
	lastName    string
	lastHandler func(Req) (Rep, error)
}

// exchange holds the request, the reply and its envelope of one call.
type exchange[Req, Rep any] struct {
	req   Req
	rep   Rep
	reply abi.Reply[Rep]
}

// init makes t an empty table for components of kind k; component reads
// the component name from a request.
func (t *table[Req, Rep]) init(k abi.Kind, component func(*Req) string) {
	t.kind, t.component, t.handlers = k, component, map[string]func(Req) (Rep, error){}
	t.last = new(exchange[Req, Rep])
}

// call decodes a request with c, runs the handler of the component it
// names and appends the reply envelope to dst. With reuse, the request is
// decoded into the values of the last one (abi.Codec.DecodeReusing).
func (t *table[Req, Rep]) call(c *abi.Codec, reuse bool, dst, request []byte) []byte {
	x := t.last
	var err error
	if reuse {
		*x = exchange[Req, Rep]{}
		err = c.DecodeReusing(request, &x.req)
	} else {
		x = new(exchange[Req, Rep])
		err = c.Decode(request, &x.req)
	}
	if err != nil {
		return ErrorReply(abi.Errorf(abi.CodeInvalidRequest, "decode %s request: %v", t.kind, err))
	}
	name := t.component(&x.req)
	var h func(Req) (Rep, error)
	if reuse && name == t.lastName {
		h = t.lastHandler
	}
	if h == nil {
		var ok bool
		if h, ok = t.handlers[name]; !ok {
			return ErrorReply(abi.Errorf(abi.CodeNotFound, "no %s %q", t.kind, name))
		}
		if reuse {
			t.lastName, t.lastHandler = name, h
		}
	}
	if x.rep, err = run(h, x.req); err != nil {
		return ErrorReply(toABI(err))
	}
	x.reply.OK = &x.rep
	return appendReply(c, dst, &x.reply)
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
func encode[Rep any](rep *Rep) []byte {
	return appendReply(new(abi.Codec), nil, &abi.Reply[Rep]{OK: rep})
}

// appendReply appends the envelope reply to dst with c, or returns an
// internal error reply when it cannot be encoded.
func appendReply[Rep any](c *abi.Codec, dst []byte, reply *abi.Reply[Rep]) []byte {
	b, err := c.Append(dst, reply)
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
