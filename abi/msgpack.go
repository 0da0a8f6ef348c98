package abi

import (
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi/internal/wire"
)

// The message types of messages.go and error.go encode and decode
// themselves with package wire's writer and reader, by methods generated
// from their definitions into messages_msgpack.go: they are on every call.
// The wire format is the one their struct tags describe, fields in
// declaration order, empty omitempty fields left out; decoding skips
// unknown keys, as compatible evolution requires. Each type has
// MarshalMsgpack and UnmarshalMsgpack, so package msgpack uses them too.
//
//go:generate go run ./internal/msgpackgen -o messages_msgpack.go error.go messages.go

// encoder is a type that writes itself as a msgpack map.
type encoder interface{ encode(*wire.Writer) }

// decoder is a type that reads itself from a msgpack map.
type decoder interface{ decode(*wire.Reader) error }

// Codec encodes and decodes msgpack with state it reuses: keep one per
// goroutine, in a sync.Pool say, to encode and decode without allocating
// for the codec itself. The zero Codec is ready to use.
//
// The strings a Codec decodes share one copy of the input: one allocation
// for all of them, but a string that is kept keeps the whole input alive.
// It suits messages whose parts live no longer than the message, such as
// replies on the host; UnmarshalMsgpack copies each string on its own.
type Codec struct {
	w     wire.Writer
	r     wire.Reader
	in    wire.Interner
	arena wire.Arena
}

// Append appends v in msgpack to b. The call types of this package encode
// themselves; other values go through msgpack.Marshal.
func (c *Codec) Append(b []byte, v any) ([]byte, error) {
	c.w.Reset(b)
	encodeValue(&c.w, v)
	return c.w.Finish()
}

// Unmarshal decodes the single msgpack value of b into the pointer v, its
// strings sharing one copy of b. The call types of this package, maps of
// attributes and generic values decode here, with every length checked
// against the bytes left, so that hostile input costs no more memory than
// its size; other types go through msgpack.Unmarshal.
func (c *Codec) Unmarshal(b []byte, v any) error {
	c.r.Reset(b, true)
	return finish(&c.r, decodeInto(&c.r, v))
}

// Decode decodes b into the pointer v as UnmarshalMsgpack does, each
// string a copy that does not keep b, except that a short string it has
// decoded before (up to 64 bytes; it keeps at most 4,096 of up to 8 bytes
// and 4,096 longer, 256 of each at first) is the same
// string again: decoding messages alike one after another, as a plugin's
// calls are, allocates for their strings only once.
func (c *Codec) Decode(b []byte, v any) error {
	c.r.Reset(b, false)
	c.r.SetInterner(&c.in)
	err := finish(&c.r, decodeInto(&c.r, v))
	c.r.SetInterner(nil)
	return err
}

// DecodeReusing decodes b into the pointer v as Decode does, but into the
// maps and slices of the value the last DecodeReusing of c gave, cleared,
// instead of new ones: decoding messages alike one after another, as a
// plugin's calls are, allocates nothing once they have been seen. So what
// it gives is valid only until the next DecodeReusing of c: the strings
// may be kept (they are immutable and never reused), every map and slice
// not. Maps and slices beyond a bounded number and size (256 of each, 64
// entries) are new each time and left to the collector.
func (c *Codec) DecodeReusing(b []byte, v any) error {
	c.arena.Reset()
	c.r.SetArena(&c.arena)
	err := c.Decode(b, v)
	c.r.SetArena(nil)
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
	var r wire.Reader
	r.Reset(b, false)
	return finish(&r, decodeInto(&r, v))
}

// unmarshal decodes exactly one value from b into m, each string a copy of
// its own.
func unmarshal(b []byte, m decoder) error {
	var r wire.Reader
	r.Reset(b, false)
	return finish(&r, m.decode(&r))
}

// finish returns the error of decoding with r, or that of bytes left
// after the value; it resets r either way.
func finish(r *wire.Reader, err error) error {
	if end := r.End(); err == nil {
		err = end
	}
	return err
}

// encodeValue writes v, which encodes itself if it can.
func encodeValue(w *wire.Writer, v any) {
	if e, ok := v.(encoder); ok {
		e.encode(w)
	} else {
		w.Value(v)
	}
}

// decodeInto reads the next value into the pointer v.
func decodeInto(r *wire.Reader, v any) error {
	var err error
	switch v := v.(type) {
	case decoder:
		return v.decode(r)
	case *map[string]any:
		*v, err = r.Attrs()
	case *any:
		*v, err = r.Value()
	default:
		var raw []byte
		if raw, err = r.Raw(); err == nil {
			err = msgpack.Unmarshal(raw, v)
		}
	}
	return err
}

// decodeList reads an array of messages into *v; nil reads as a nil slice.
func decodeList[T any, P interface {
	*T
	decoder
}](r *wire.Reader, v *[]T) error {
	n, err := r.ArrayLen()
	if err != nil || n < 0 {
		*v = nil
		return err
	}
	*v = wire.MakeSlice[T](r, n)
	for i := range *v {
		if err := P(&(*v)[i]).decode(r); err != nil {
			return fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return nil
}

// encodeList writes a list of messages as an array.
func encodeList[T encoder](w *wire.Writer, list []T) {
	w.ArrayLen(len(list))
	for _, m := range list {
		m.encode(w)
	}
}
