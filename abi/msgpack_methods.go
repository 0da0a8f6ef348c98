package abi

// The call types implement msgpack.Marshaler and msgpack.Unmarshaler with
// their own codec (msgpack.go), so that package msgpack, as plugins and
// tools use it, encodes and decodes them the same way.

// MarshalMsgpack implements msgpack.Marshaler.
func (e Error) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, e) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (e *Error) UnmarshalMsgpack(b []byte) error { return unmarshal(b, e.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (c Context) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, c) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (c *Context) UnmarshalMsgpack(b []byte) error { return unmarshal(b, c.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (r EnvironmentRequest) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, r) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (r *EnvironmentRequest) UnmarshalMsgpack(b []byte) error { return unmarshal(b, r.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (r EnvironmentReply) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, r) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (r *EnvironmentReply) UnmarshalMsgpack(b []byte) error { return unmarshal(b, r.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (r ObligeRequest) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, r) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (r *ObligeRequest) UnmarshalMsgpack(b []byte) error { return unmarshal(b, r.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (r ObligeReply) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, r) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (r *ObligeReply) UnmarshalMsgpack(b []byte) error { return unmarshal(b, r.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (c Command) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, c) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (c *Command) UnmarshalMsgpack(b []byte) error { return unmarshal(b, c.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (h Headers) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, h) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (h *Headers) UnmarshalMsgpack(b []byte) error { return unmarshal(b, h.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (r ActuateRequest) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, r) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (r *ActuateRequest) UnmarshalMsgpack(b []byte) error { return unmarshal(b, r.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (r ActuateReply) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, r) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (r *ActuateReply) UnmarshalMsgpack(b []byte) error { return unmarshal(b, r.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (r ObjectRequest) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, r) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (r *ObjectRequest) UnmarshalMsgpack(b []byte) error { return unmarshal(b, r.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (r ObjectReply) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, r) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (r *ObjectReply) UnmarshalMsgpack(b []byte) error { return unmarshal(b, r.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (a Action) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, a) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (a *Action) UnmarshalMsgpack(b []byte) error { return unmarshal(b, a.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (o Observation) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, o) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (o *Observation) UnmarshalMsgpack(b []byte) error { return unmarshal(b, o.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (r AgentActRequest) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, r) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (r *AgentActRequest) UnmarshalMsgpack(b []byte) error { return unmarshal(b, r.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (r AgentActReply) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, r) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (r *AgentActReply) UnmarshalMsgpack(b []byte) error { return unmarshal(b, r.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (r Reply[T]) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, r) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (r *Reply[T]) UnmarshalMsgpack(b []byte) error { return unmarshal(b, r.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (e Edge) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, e) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (e *Edge) UnmarshalMsgpack(b []byte) error { return unmarshal(b, e.decode) }

// MarshalMsgpack implements msgpack.Marshaler.
func (r AgentResetRequest) MarshalMsgpack() ([]byte, error) { return AppendMsgpack(nil, r) }

// UnmarshalMsgpack implements msgpack.Unmarshaler.
func (r *AgentResetRequest) UnmarshalMsgpack(b []byte) error { return unmarshal(b, r.decode) }
