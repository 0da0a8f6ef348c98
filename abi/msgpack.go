package abi

import (
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// The request and reply types of the call exports encode and decode
// themselves: they are on every call, where msgpack's reflection costs more
// than the call into the module. The wire format is the one their struct
// tags describe, fields in declaration order, empty omitempty fields left
// out; decoding skips unknown keys, as compatible evolution requires.

// fieldWriter writes the fields of a struct as a msgpack map, keeping the
// first error.
type fieldWriter struct {
	enc *msgpack.Encoder
	err error
}

func (w *fieldWriter) begin(n int) {
	if w.err == nil {
		w.err = w.enc.EncodeMapLen(n)
	}
}

func (w *fieldWriter) key(k string) bool {
	if w.err == nil {
		w.err = w.enc.EncodeString(k)
	}
	return w.err == nil
}

func (w *fieldWriter) string(k, v string) {
	if w.key(k) {
		w.err = w.enc.EncodeString(v)
	}
}

func (w *fieldWriter) int(k string, v int64) {
	if w.key(k) {
		w.err = w.enc.EncodeInt(v)
	}
}

func (w *fieldWriter) float(k string, v float64) {
	if w.key(k) {
		w.err = w.enc.EncodeFloat64(v)
	}
}

// strings writes a list of strings as Encode would, without reflection.
func (w *fieldWriter) strings(k string, v []string) {
	if !w.key(k) {
		return
	}
	if v == nil {
		w.err = w.enc.EncodeNil()
		return
	}
	w.err = w.enc.EncodeArrayLen(len(v))
	for i := 0; i < len(v) && w.err == nil; i++ {
		w.err = w.enc.EncodeString(v[i])
	}
}

func (w *fieldWriter) bool(k string, v bool) {
	if w.key(k) {
		w.err = w.enc.EncodeBool(v)
	}
}

func (w *fieldWriter) value(k string, v any) {
	if w.key(k) {
		w.err = w.enc.Encode(v)
	}
}

func (w *fieldWriter) attrs(k string, m map[string]any) {
	if w.key(k) {
		w.err = w.enc.EncodeMap(m)
	}
}

func (w *fieldWriter) object(k string, encode func(*msgpack.Encoder) error) {
	if w.key(k) {
		w.err = encode(w.enc)
	}
}

// count returns how many of present are true: the number of fields of a
// struct with omitempty fields.
func count(present ...bool) int {
	n := 0
	for _, p := range present {
		if p {
			n++
		}
	}
	return n
}

// decodeFields decodes a msgpack map, calling field for each key with the
// decoder at the key's value; field returns false for a key it does not
// know, whose value is then skipped. A nil map decodes as an empty one.
func decodeFields(dec *msgpack.Decoder, field func(key string) (bool, error)) error {
	n, err := dec.DecodeMapLen()
	if err != nil {
		return err
	}
	for range n {
		key, err := dec.DecodeString()
		if err != nil {
			return err
		}
		known, err := field(key)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		if !known {
			if err := dec.Skip(); err != nil {
				return err
			}
		}
	}
	return nil
}

func decodeString(dec *msgpack.Decoder, v *string) (bool, error) {
	var err error
	*v, err = dec.DecodeString()
	return true, err
}

func decodeInt(dec *msgpack.Decoder, v *int64) (bool, error) {
	var err error
	*v, err = dec.DecodeInt64()
	return true, err
}

func decodeAttrs(dec *msgpack.Decoder, v *map[string]any) (bool, error) {
	var err error
	*v, err = dec.DecodeMap()
	return true, err
}

func decodeStrings(dec *msgpack.Decoder, v *[]string) (bool, error) {
	return true, dec.Decode(v)
}

func decodeObject(dec *msgpack.Decoder, v msgpack.CustomDecoder) (bool, error) {
	return true, v.DecodeMsgpack(dec)
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (r Reply[T]) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(count(r.OK != nil, r.Error != nil))
	if r.OK != nil {
		if w.key("ok") {
			w.err = encodeAny(enc, r.OK)
		}
	}
	if r.Error != nil {
		w.object("error", r.Error.EncodeMsgpack)
	}
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder. It decodes "ok" into
// r.OK if that is set, into a new T otherwise.
func (r *Reply[T]) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "ok":
			if isNil(dec) {
				r.OK = nil
				return true, dec.DecodeNil()
			}
			if r.OK == nil {
				r.OK = new(T)
			}
			return true, decodeAny(dec, r.OK)
		case "error":
			if isNil(dec) {
				r.Error = nil
				return true, dec.DecodeNil()
			}
			r.Error = &Error{}
			return decodeObject(dec, r.Error)
		}
		return false, nil
	})
}

// isNil reports whether the next value is nil.
func isNil(dec *msgpack.Decoder) bool {
	c, err := dec.PeekCode()
	return err == nil && c == msgpcode.Nil
}

// encodeAny encodes v, without reflection if it encodes itself.
func encodeAny(enc *msgpack.Encoder, v any) error {
	if ce, ok := v.(msgpack.CustomEncoder); ok {
		return ce.EncodeMsgpack(enc)
	}
	return enc.Encode(v)
}

// decodeAny decodes into the pointer v, without reflection if it decodes
// itself.
func decodeAny(dec *msgpack.Decoder, v any) error {
	if cd, ok := v.(msgpack.CustomDecoder); ok {
		return cd.DecodeMsgpack(dec)
	}
	return dec.Decode(v)
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (e Error) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(2)
	w.string("code", string(e.Code))
	w.string("message", e.Message)
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (e *Error) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "code":
			return decodeString(dec, (*string)(&e.Code))
		case "message":
			return decodeString(dec, &e.Message)
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (c Context) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(count(len(c.Subject) > 0, len(c.Object) > 0, len(c.Environment) > 0, len(c.Access) > 0))
	for _, f := range [...]struct {
		key string
		m   map[string]any
	}{{"subject", c.Subject}, {"object", c.Object}, {"environment", c.Environment}, {"access", c.Access}} {
		if len(f.m) > 0 {
			w.attrs(f.key, f.m)
		}
	}
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (c *Context) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "subject":
			return decodeAttrs(dec, &c.Subject)
		case "object":
			return decodeAttrs(dec, &c.Object)
		case "environment":
			return decodeAttrs(dec, &c.Environment)
		case "access":
			return decodeAttrs(dec, &c.Access)
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (r EnvironmentRequest) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(3)
	w.string("component", r.Component)
	w.string("key", r.Key)
	w.object("context", r.Context.EncodeMsgpack)
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (r *EnvironmentRequest) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "component":
			return decodeString(dec, &r.Component)
		case "key":
			return decodeString(dec, &r.Key)
		case "context":
			return decodeObject(dec, &r.Context)
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (r EnvironmentReply) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(1)
	w.value("value", r.Value)
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (r *EnvironmentReply) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		if key != "value" {
			return false, nil
		}
		var err error
		r.Value, err = dec.DecodeInterface()
		return true, err
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (r ObligeRequest) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(3 + count(len(r.Config) > 0))
	w.string("component", r.Component)
	w.string("decision", string(r.Decision))
	w.object("context", r.Context.EncodeMsgpack)
	if len(r.Config) > 0 {
		w.attrs("config", r.Config)
	}
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (r *ObligeRequest) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "component":
			return decodeString(dec, &r.Component)
		case "decision":
			return decodeString(dec, (*string)(&r.Decision))
		case "context":
			return decodeObject(dec, &r.Context)
		case "config":
			return decodeAttrs(dec, &r.Config)
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (r ObligeReply) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(1 + count(r.Reason != ""))
	w.bool("fulfilled", r.Fulfilled)
	if r.Reason != "" {
		w.string("reason", r.Reason)
	}
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (r *ObligeReply) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "fulfilled":
			var err error
			r.Fulfilled, err = dec.DecodeBool()
			return true, err
		case "reason":
			return decodeString(dec, &r.Reason)
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (c Command) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
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
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (c *Command) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "action":
			return decodeString(dec, &c.Action)
		case "target":
			return decodeAttrs(dec, &c.Target)
		case "args":
			return decodeAttrs(dec, &c.Args)
		case "actuator":
			return decodeAttrs(dec, &c.Actuator)
		case "command_id":
			return decodeString(dec, &c.CommandID)
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (h Headers) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
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
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (h *Headers) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "request_id":
			return decodeString(dec, &h.RequestID)
		case "created":
			return decodeInt(dec, &h.Created)
		case "from":
			return decodeString(dec, &h.From)
		case "to":
			return decodeStrings(dec, &h.To)
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (r ActuateRequest) EncodeMsgpack(enc *msgpack.Encoder) error {
	hasHeaders := r.Headers.RequestID != "" || r.Headers.Created != 0 || r.Headers.From != "" || len(r.Headers.To) > 0
	w := fieldWriter{enc: enc}
	w.begin(2 + count(hasHeaders, r.Profile != "", len(r.Specifiers) > 0))
	w.string("component", r.Component)
	w.object("command", r.Command.EncodeMsgpack)
	if hasHeaders {
		w.object("headers", r.Headers.EncodeMsgpack)
	}
	if r.Profile != "" {
		w.string("profile", r.Profile)
	}
	if len(r.Specifiers) > 0 {
		w.attrs("specifiers", r.Specifiers)
	}
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (r *ActuateRequest) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "component":
			return decodeString(dec, &r.Component)
		case "command":
			return decodeObject(dec, &r.Command)
		case "headers":
			return decodeObject(dec, &r.Headers)
		case "profile":
			return decodeString(dec, &r.Profile)
		case "specifiers":
			return decodeAttrs(dec, &r.Specifiers)
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (r ActuateReply) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(1 + count(r.StatusText != "", len(r.Results) > 0))
	w.int("status", int64(r.Status))
	if r.StatusText != "" {
		w.string("status_text", r.StatusText)
	}
	if len(r.Results) > 0 {
		w.attrs("results", r.Results)
	}
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (r *ActuateReply) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "status":
			var err error
			r.Status, err = dec.DecodeInt()
			return true, err
		case "status_text":
			return decodeString(dec, &r.StatusText)
		case "results":
			return decodeAttrs(dec, &r.Results)
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (r ObjectRequest) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(3 + count(len(r.Config) > 0))
	w.string("component", r.Component)
	w.attrs("object", r.Object)
	w.string("path", r.Path)
	if len(r.Config) > 0 {
		w.attrs("config", r.Config)
	}
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (r *ObjectRequest) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "component":
			return decodeString(dec, &r.Component)
		case "object":
			return decodeAttrs(dec, &r.Object)
		case "path":
			return decodeString(dec, &r.Path)
		case "config":
			return decodeAttrs(dec, &r.Config)
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (r ObjectReply) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(1)
	w.attrs("attributes", r.Attributes)
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (r *ObjectReply) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		if key != "attributes" {
			return false, nil
		}
		return decodeAttrs(dec, &r.Attributes)
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (a Action) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(1 + count(a.Target != "", a.Risk != 0, a.Time != 0))
	w.string("kind", a.Kind)
	if a.Target != "" {
		w.string("target", a.Target)
	}
	if a.Risk != 0 {
		w.float("risk", a.Risk)
	}
	if a.Time != 0 {
		w.int("time", a.Time)
	}
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (a *Action) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "kind":
			return decodeString(dec, &a.Kind)
		case "target":
			return decodeString(dec, &a.Target)
		case "risk":
			var err error
			a.Risk, err = dec.DecodeFloat64()
			return true, err
		case "time":
			return decodeInt(dec, &a.Time)
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (o Observation) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(2 + count(len(o.Holdings) > 0, len(o.Goals) > 0, len(o.Choices) > 0))
	w.int("tick", o.Tick)
	w.string("location", o.Location)
	if len(o.Holdings) > 0 {
		w.strings("holdings", o.Holdings)
	}
	if len(o.Goals) > 0 {
		w.strings("goals", o.Goals)
	}
	if len(o.Choices) > 0 && w.key("choices") {
		w.err = enc.EncodeArrayLen(len(o.Choices))
		for i := 0; i < len(o.Choices) && w.err == nil; i++ {
			w.err = o.Choices[i].EncodeMsgpack(enc)
		}
	}
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (o *Observation) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "tick":
			return decodeInt(dec, &o.Tick)
		case "location":
			return decodeString(dec, &o.Location)
		case "holdings":
			return decodeStrings(dec, &o.Holdings)
		case "goals":
			return decodeStrings(dec, &o.Goals)
		case "choices":
			n, err := dec.DecodeArrayLen()
			if err != nil || n < 0 {
				o.Choices = nil
				return true, err
			}
			o.Choices = make([]Action, n)
			for i := range o.Choices {
				if err := o.Choices[i].DecodeMsgpack(dec); err != nil {
					return true, fmt.Errorf("[%d]: %w", i, err)
				}
			}
			return true, nil
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (e Edge) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(2)
	w.string("from", e.From)
	w.string("to", e.To)
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (e *Edge) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "from":
			return decodeString(dec, &e.From)
		case "to":
			return decodeString(dec, &e.To)
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder. A reset carries every
// edge of the model, thousands for a large one, so it is encoded without
// reflection.
func (r AgentResetRequest) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(3 + count(len(r.Goals) > 0, len(r.Options) > 0, len(r.Edges) > 0))
	w.string("component", r.Component)
	w.string("actor", r.Actor)
	w.int("seed", r.Seed)
	if len(r.Goals) > 0 {
		w.strings("goals", r.Goals)
	}
	if len(r.Options) > 0 {
		w.value("options", r.Options)
	}
	if len(r.Edges) > 0 && w.key("edges") {
		w.err = enc.EncodeArrayLen(len(r.Edges))
		for i := 0; i < len(r.Edges) && w.err == nil; i++ {
			w.err = r.Edges[i].EncodeMsgpack(enc)
		}
	}
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (r *AgentResetRequest) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "component":
			return decodeString(dec, &r.Component)
		case "actor":
			return decodeString(dec, &r.Actor)
		case "seed":
			return decodeInt(dec, &r.Seed)
		case "goals":
			return decodeStrings(dec, &r.Goals)
		case "options":
			return true, dec.Decode(&r.Options)
		case "edges":
			n, err := dec.DecodeArrayLen()
			if err != nil || n < 0 {
				r.Edges = nil
				return true, err
			}
			r.Edges = make([]Edge, n)
			for i := range r.Edges {
				if err := r.Edges[i].DecodeMsgpack(dec); err != nil {
					return true, fmt.Errorf("[%d]: %w", i, err)
				}
			}
			return true, nil
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (r AgentActRequest) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(3)
	w.string("component", r.Component)
	w.string("actor", r.Actor)
	if w.key("observation") { // not w.object: a method value of a struct allocates
		w.err = r.Observation.EncodeMsgpack(enc)
	}
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (r *AgentActRequest) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		switch key {
		case "component":
			return decodeString(dec, &r.Component)
		case "actor":
			return decodeString(dec, &r.Actor)
		case "observation":
			return decodeObject(dec, &r.Observation)
		}
		return false, nil
	})
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (r AgentActReply) EncodeMsgpack(enc *msgpack.Encoder) error {
	w := fieldWriter{enc: enc}
	w.begin(1)
	w.object("action", r.Action.EncodeMsgpack)
	return w.err
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (r *AgentActReply) DecodeMsgpack(dec *msgpack.Decoder) error {
	return decodeFields(dec, func(key string) (bool, error) {
		if key != "action" {
			return false, nil
		}
		return decodeObject(dec, &r.Action)
	})
}
