package abi

import (
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// The request and reply types of the call exports encode and decode
// themselves, with the writer and reader of wire.go: they are on every
// call. The wire format is the one their struct tags describe, fields in
// declaration order, empty omitempty fields left out; decoding skips
// unknown keys, as compatible evolution requires. Each type has
// MarshalMsgpack and UnmarshalMsgpack, so package msgpack uses them too.

// encoder is a type that writes itself as a msgpack map.
type encoder interface{ encode(fieldWriter) }

// decoder is a type that reads itself from a msgpack map.
type decoder interface{ decode(*reader) error }

// Codec encodes and decodes msgpack with state it reuses: keep one per
// goroutine, in a sync.Pool say, to encode and decode without allocating
// for the codec itself. The zero Codec is ready to use.
//
// The strings a Codec decodes share one copy of the input: one allocation
// for all of them, but a string that is kept keeps the whole input alive.
// It suits messages whose parts live no longer than the message, such as
// replies on the host; UnmarshalMsgpack copies each string on its own.
type Codec struct {
	w writer
	r reader
}

// Append appends v in msgpack to b. The call types of this package encode
// themselves; other values go through msgpack.Marshal.
func (c *Codec) Append(b []byte, v any) ([]byte, error) {
	c.w = writer{b: b}
	if e, ok := v.(encoder); ok {
		e.encode(fieldWriter{&c.w})
	} else {
		c.w.value(v)
	}
	b, err := c.w.b, c.w.err
	c.w = writer{}
	return b, err
}

// Unmarshal decodes the single msgpack value of b into the pointer v, its
// strings sharing one copy of b. The call types of this package, maps of
// attributes and generic values decode here, with every length checked
// against the bytes left, so that hostile input costs no more memory than
// its size; other types go through msgpack.Unmarshal.
func (c *Codec) Unmarshal(b []byte, v any) error {
	c.r = reader{b: b, s: string(b)}
	err := c.r.unmarshal(func(d *reader) error { return d.into(v) })
	c.r = reader{}
	return err
}

// AppendMsgpack appends v in msgpack to b, as Codec.Append does.
func AppendMsgpack(b []byte, v any) ([]byte, error) {
	var c Codec
	return c.Append(b, v)
}

// UnmarshalMsgpack decodes b into the pointer v as Codec.Unmarshal does,
// but with each string a copy of its own, so that any part of the value
// may be kept without keeping b.
func UnmarshalMsgpack(b []byte, v any) error {
	return unmarshal(b, func(d *reader) error { return d.into(v) })
}

// into reads the next value into the pointer v.
func (d *reader) into(v any) error {
	var err error
	switch v := v.(type) {
	case decoder:
		return v.decode(d)
	case *map[string]any:
		*v, err = d.attrs()
	case *any:
		*v, err = d.value()
	default:
		var raw []byte
		if raw, err = d.raw(); err == nil {
			err = msgpack.Unmarshal(raw, v)
		}
	}
	return err
}

func readObject(d *reader, v decoder) (bool, error) { return true, v.decode(d) }

// readList reads an array of messages into *v; nil reads as a nil slice.
func readList[T any, P interface {
	*T
	decoder
}](d *reader, v *[]T) (bool, error) {
	n, err := d.arrayLen()
	if err != nil || n < 0 {
		*v = nil
		return true, err
	}
	*v = make([]T, n)
	for i := range *v {
		if err := P(&(*v)[i]).decode(d); err != nil {
			return true, fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return true, nil
}

// writeList writes a list of messages as an array.
func writeList[T encoder](w fieldWriter, list []T) {
	w.arrayLen(len(list))
	for _, m := range list {
		m.encode(w)
	}
}

func (r Reply[T]) encode(w fieldWriter) {
	w.begin(count(r.OK != nil, r.Error != nil))
	if r.OK != nil {
		w.str("ok")
		if e, ok := any(r.OK).(encoder); ok {
			e.encode(w)
		} else {
			w.writer.value(r.OK)
		}
	}
	if r.Error != nil {
		w.str("error")
		r.Error.encode(w)
	}
}

// decode decodes "ok" into r.OK if that is set, into a new T otherwise.
func (r *Reply[T]) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "ok":
			if d.isNil() {
				r.OK = nil
				return false, nil
			}
			if r.OK == nil {
				r.OK = new(T)
			}
			return true, d.into(r.OK)
		case "error":
			if d.isNil() {
				r.Error = nil
				return false, nil
			}
			r.Error = &Error{}
			return readObject(d, r.Error)
		}
		return false, nil
	})
}

func (e Error) encode(w fieldWriter) {
	w.begin(2)
	w.string("code", string(e.Code))
	w.string("message", e.Message)
}

func (e *Error) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "code":
			return readString(d, (*string)(&e.Code))
		case "message":
			return readString(d, &e.Message)
		}
		return false, nil
	})
}

func (c Context) encode(w fieldWriter) {
	w.begin(count(len(c.Subject) > 0, len(c.Object) > 0, len(c.Environment) > 0, len(c.Access) > 0))
	for _, f := range [...]struct {
		key string
		m   map[string]any
	}{{"subject", c.Subject}, {"object", c.Object}, {"environment", c.Environment}, {"access", c.Access}} {
		if len(f.m) > 0 {
			w.attrs(f.key, f.m)
		}
	}
}

func (c *Context) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "subject":
			return readAttrs(d, &c.Subject)
		case "object":
			return readAttrs(d, &c.Object)
		case "environment":
			return readAttrs(d, &c.Environment)
		case "access":
			return readAttrs(d, &c.Access)
		}
		return false, nil
	})
}

func (r EnvironmentRequest) encode(w fieldWriter) {
	w.begin(3)
	w.string("component", r.Component)
	w.string("key", r.Key)
	w.str("context")
	r.Context.encode(w)
}

func (r *EnvironmentRequest) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "component":
			return readString(d, &r.Component)
		case "key":
			return readString(d, &r.Key)
		case "context":
			return readObject(d, &r.Context)
		}
		return false, nil
	})
}

func (r EnvironmentReply) encode(w fieldWriter) {
	w.begin(1)
	w.value("value", r.Value)
}

func (r *EnvironmentReply) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		if key != "value" {
			return false, nil
		}
		var err error
		r.Value, err = d.value()
		return true, err
	})
}

func (r ObligeRequest) encode(w fieldWriter) {
	w.begin(3 + count(len(r.Config) > 0))
	w.string("component", r.Component)
	w.string("decision", string(r.Decision))
	w.str("context")
	r.Context.encode(w)
	if len(r.Config) > 0 {
		w.attrs("config", r.Config)
	}
}

func (r *ObligeRequest) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "component":
			return readString(d, &r.Component)
		case "decision":
			return readString(d, (*string)(&r.Decision))
		case "context":
			return readObject(d, &r.Context)
		case "config":
			return readAttrs(d, &r.Config)
		}
		return false, nil
	})
}

func (r ObligeReply) encode(w fieldWriter) {
	w.begin(1 + count(r.Reason != ""))
	w.bool("fulfilled", r.Fulfilled)
	if r.Reason != "" {
		w.string("reason", r.Reason)
	}
}

func (r *ObligeReply) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "fulfilled":
			var err error
			r.Fulfilled, err = d.bool()
			return true, err
		case "reason":
			return readString(d, &r.Reason)
		}
		return false, nil
	})
}

func (c Command) encode(w fieldWriter) {
	w.begin(2 + count(len(c.Args) > 0, len(c.Actuator) > 0, c.CommandID != ""))
	w.string("action", c.Action)
	w.attrs("target", c.Target)
	if len(c.Args) > 0 {
		w.attrs("args", c.Args)
	}
	if len(c.Actuator) > 0 {
		w.attrs("actuator", c.Actuator)
	}
	if c.CommandID != "" {
		w.string("command_id", c.CommandID)
	}
}

func (c *Command) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "action":
			return readString(d, &c.Action)
		case "target":
			return readAttrs(d, &c.Target)
		case "args":
			return readAttrs(d, &c.Args)
		case "actuator":
			return readAttrs(d, &c.Actuator)
		case "command_id":
			return readString(d, &c.CommandID)
		}
		return false, nil
	})
}

func (h Headers) encode(w fieldWriter) {
	w.begin(count(h.RequestID != "", h.Created != 0, h.From != "", len(h.To) > 0))
	if h.RequestID != "" {
		w.string("request_id", h.RequestID)
	}
	if h.Created != 0 {
		w.int("created", h.Created)
	}
	if h.From != "" {
		w.string("from", h.From)
	}
	if len(h.To) > 0 {
		w.value("to", h.To)
	}
}

func (h *Headers) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "request_id":
			return readString(d, &h.RequestID)
		case "created":
			return readInt(d, &h.Created)
		case "from":
			return readString(d, &h.From)
		case "to":
			return readStrings(d, &h.To)
		}
		return false, nil
	})
}

func (r ActuateRequest) encode(w fieldWriter) {
	hasHeaders := r.Headers.RequestID != "" || r.Headers.Created != 0 || r.Headers.From != "" || len(r.Headers.To) > 0
	w.begin(2 + count(hasHeaders, r.Profile != "", len(r.Specifiers) > 0))
	w.string("component", r.Component)
	w.str("command")
	r.Command.encode(w)
	if hasHeaders {
		w.str("headers")
		r.Headers.encode(w)
	}
	if r.Profile != "" {
		w.string("profile", r.Profile)
	}
	if len(r.Specifiers) > 0 {
		w.attrs("specifiers", r.Specifiers)
	}
}

func (r *ActuateRequest) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "component":
			return readString(d, &r.Component)
		case "command":
			return readObject(d, &r.Command)
		case "headers":
			return readObject(d, &r.Headers)
		case "profile":
			return readString(d, &r.Profile)
		case "specifiers":
			return readAttrs(d, &r.Specifiers)
		}
		return false, nil
	})
}

func (r ActuateReply) encode(w fieldWriter) {
	w.begin(1 + count(r.StatusText != "", len(r.Results) > 0))
	w.int("status", int64(r.Status))
	if r.StatusText != "" {
		w.string("status_text", r.StatusText)
	}
	if len(r.Results) > 0 {
		w.attrs("results", r.Results)
	}
}

func (r *ActuateReply) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "status":
			status, err := d.int64()
			r.Status = int(status)
			return true, err
		case "status_text":
			return readString(d, &r.StatusText)
		case "results":
			return readAttrs(d, &r.Results)
		}
		return false, nil
	})
}

func (r ObjectRequest) encode(w fieldWriter) {
	w.begin(3 + count(len(r.Config) > 0))
	w.string("component", r.Component)
	w.attrs("object", r.Object)
	w.string("path", r.Path)
	if len(r.Config) > 0 {
		w.attrs("config", r.Config)
	}
}

func (r *ObjectRequest) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "component":
			return readString(d, &r.Component)
		case "object":
			return readAttrs(d, &r.Object)
		case "path":
			return readString(d, &r.Path)
		case "config":
			return readAttrs(d, &r.Config)
		}
		return false, nil
	})
}

func (r ObjectReply) encode(w fieldWriter) {
	w.begin(1)
	w.attrs("attributes", r.Attributes)
}

func (r *ObjectReply) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		if key != "attributes" {
			return false, nil
		}
		return readAttrs(d, &r.Attributes)
	})
}

func (a Action) encode(w fieldWriter) {
	w.begin(1 + count(a.Target != "", a.Risk != 0, a.Time != 0))
	w.string("kind", a.Kind)
	if a.Target != "" {
		w.string("target", a.Target)
	}
	if a.Risk != 0 {
		w.value("risk", a.Risk)
	}
	if a.Time != 0 {
		w.int("time", a.Time)
	}
}

func (a *Action) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "kind":
			return readString(d, &a.Kind)
		case "target":
			return readString(d, &a.Target)
		case "risk":
			var err error
			a.Risk, err = d.float64()
			return true, err
		case "time":
			return readInt(d, &a.Time)
		}
		return false, nil
	})
}

func (o Observation) encode(w fieldWriter) {
	w.begin(2 + count(len(o.Holdings) > 0, len(o.Goals) > 0, len(o.Choices) > 0))
	w.int("tick", o.Tick)
	w.string("location", o.Location)
	if len(o.Holdings) > 0 {
		w.value("holdings", o.Holdings)
	}
	if len(o.Goals) > 0 {
		w.value("goals", o.Goals)
	}
	if len(o.Choices) > 0 {
		w.str("choices")
		writeList(w, o.Choices)
	}
}

func (o *Observation) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "tick":
			return readInt(d, &o.Tick)
		case "location":
			return readString(d, &o.Location)
		case "holdings":
			return readStrings(d, &o.Holdings)
		case "goals":
			return readStrings(d, &o.Goals)
		case "choices":
			return readList(d, &o.Choices)
		}
		return false, nil
	})
}

func (e Edge) encode(w fieldWriter) {
	w.begin(2)
	w.string("from", e.From)
	w.string("to", e.To)
}

func (e *Edge) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "from":
			return readString(d, &e.From)
		case "to":
			return readString(d, &e.To)
		}
		return false, nil
	})
}

func (r AgentResetRequest) encode(w fieldWriter) {
	w.begin(3 + count(len(r.Goals) > 0, len(r.Options) > 0, len(r.Edges) > 0))
	w.string("component", r.Component)
	w.string("actor", r.Actor)
	w.int("seed", r.Seed)
	if len(r.Goals) > 0 {
		w.value("goals", r.Goals)
	}
	if len(r.Options) > 0 {
		w.str("options")
		w.mapLen(len(r.Options))
		for k, v := range r.Options {
			w.str(k)
			w.str(v)
		}
	}
	if len(r.Edges) > 0 {
		w.str("edges")
		writeList(w, r.Edges)
	}
}

func (r *AgentResetRequest) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "component":
			return readString(d, &r.Component)
		case "actor":
			return readString(d, &r.Actor)
		case "seed":
			return readInt(d, &r.Seed)
		case "goals":
			return readStrings(d, &r.Goals)
		case "options":
			n, err := d.mapLen()
			if err != nil || n < 0 {
				r.Options = nil
				return true, err
			}
			r.Options = make(map[string]string, n)
			for range n {
				k, err := d.str()
				if err != nil {
					return true, fmt.Errorf("key: %w", err)
				}
				if r.Options[k], err = d.str(); err != nil {
					return true, fmt.Errorf("%s: %w", k, err)
				}
			}
			return true, nil
		case "edges":
			return readList(d, &r.Edges)
		}
		return false, nil
	})
}

func (r AgentActRequest) encode(w fieldWriter) {
	w.begin(3)
	w.string("component", r.Component)
	w.string("actor", r.Actor)
	w.str("observation")
	r.Observation.encode(w)
}

func (r *AgentActRequest) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		switch key {
		case "component":
			return readString(d, &r.Component)
		case "actor":
			return readString(d, &r.Actor)
		case "observation":
			return readObject(d, &r.Observation)
		}
		return false, nil
	})
}

func (r AgentActReply) encode(w fieldWriter) {
	w.begin(1)
	w.str("action")
	r.Action.encode(w)
}

func (r *AgentActReply) decode(d *reader) error {
	return d.fields(func(key string) (bool, error) {
		if key != "action" {
			return false, nil
		}
		return readObject(d, &r.Action)
	})
}
