package abi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/vmihailenco/msgpack/v5"
)

// The call types encode to and decode from msgpack with the writer and
// reader of this file rather than through package msgpack's Encoder and
// Decoder: they are on every call, where a byte-slice codec costs a
// fraction of a stream codec with reflection. Generic values (attribute
// maps, an environment value) take the same Go types as msgpack's
// DecodeInterface gives, and encode as its Encode does, so either side of
// a call may use package msgpack.

// maxDepth is how deeply the reader lets arrays and maps nest (ABI
// section 3.1).
const maxDepth = 256

// writer appends msgpack to b, keeping the first error.
type writer struct {
	b   []byte
	err error
}

func (w *writer) byte1(c byte) { w.b = append(w.b, c) }

func (w *writer) head8(c byte, n uint8) { w.b = append(w.b, c, n) }

func (w *writer) head16(c byte, n uint16) { w.b = binary.BigEndian.AppendUint16(append(w.b, c), n) }

func (w *writer) head32(c byte, n uint32) { w.b = binary.BigEndian.AppendUint32(append(w.b, c), n) }

func (w *writer) head64(c byte, n uint64) { w.b = binary.BigEndian.AppendUint64(append(w.b, c), n) }

// mapLen writes the header of a map of n pairs.
func (w *writer) mapLen(n int) {
	switch {
	case n < 16:
		w.byte1(0x80 | byte(n))
	case n <= math.MaxUint16:
		w.head16(0xde, uint16(n))
	default:
		w.head32(0xdf, uint32(n))
	}
}

// arrayLen writes the header of an array of n values.
func (w *writer) arrayLen(n int) {
	switch {
	case n < 16:
		w.byte1(0x90 | byte(n))
	case n <= math.MaxUint16:
		w.head16(0xdc, uint16(n))
	default:
		w.head32(0xdd, uint32(n))
	}
}

func (w *writer) str(s string) {
	n := len(s)
	switch {
	case n < 32:
		w.byte1(0xa0 | byte(n))
	case n <= math.MaxUint8:
		w.head8(0xd9, uint8(n))
	case n <= math.MaxUint16:
		w.head16(0xda, uint16(n))
	default:
		w.head32(0xdb, uint32(n))
	}
	w.b = append(w.b, s...)
}

func (w *writer) bin(b []byte) {
	n := len(b)
	switch {
	case n <= math.MaxUint8:
		w.head8(0xc4, uint8(n))
	case n <= math.MaxUint16:
		w.head16(0xc5, uint16(n))
	default:
		w.head32(0xc6, uint32(n))
	}
	w.b = append(w.b, b...)
}

func (w *writer) bool(v bool) {
	if v {
		w.byte1(0xc3)
	} else {
		w.byte1(0xc2)
	}
}

// int writes n in the fewest bytes, as msgpack's EncodeInt does.
func (w *writer) int(n int64) {
	switch {
	case n >= 0:
		w.uint(uint64(n))
	case n >= -32:
		w.byte1(byte(n))
	case n >= math.MinInt8:
		w.head8(0xd0, uint8(n))
	case n >= math.MinInt16:
		w.head16(0xd1, uint16(n))
	case n >= math.MinInt32:
		w.head32(0xd2, uint32(n))
	default:
		w.head64(0xd3, uint64(n))
	}
}

// uint writes n in the fewest bytes, as msgpack's EncodeUint does.
func (w *writer) uint(n uint64) {
	switch {
	case n <= 0x7f:
		w.byte1(byte(n))
	case n <= math.MaxUint8:
		w.head8(0xcc, uint8(n))
	case n <= math.MaxUint16:
		w.head16(0xcd, uint16(n))
	case n <= math.MaxUint32:
		w.head32(0xce, uint32(n))
	default:
		w.head64(0xcf, n)
	}
}

// value writes a generic value. The common types of attribute values are
// written here, each as msgpack's Encode writes it (sized integer types
// keep their size); others go through msgpack.Marshal.
func (w *writer) value(v any) {
	switch v := v.(type) {
	case nil:
		w.byte1(0xc0)
	case string:
		w.str(v)
	case bool:
		w.bool(v)
	case int:
		w.int(int64(v))
	case int8:
		w.head8(0xd0, uint8(v))
	case int16:
		w.head16(0xd1, uint16(v))
	case int32:
		w.head32(0xd2, uint32(v))
	case int64:
		w.head64(0xd3, uint64(v))
	case uint:
		w.uint(uint64(v))
	case uint8:
		w.head8(0xcc, v)
	case uint16:
		w.head16(0xcd, v)
	case uint32:
		w.head32(0xce, v)
	case uint64:
		w.head64(0xcf, v)
	case float32:
		w.head32(0xca, math.Float32bits(v))
	case float64:
		w.head64(0xcb, math.Float64bits(v))
	case []byte:
		w.bin(v)
	case map[string]any:
		w.attrs(v)
	case []any:
		w.arrayLen(len(v))
		for _, e := range v {
			w.value(e)
		}
	case []string:
		w.strings(v)
	case *big.Int:
		w.bigInt(v)
	default:
		b, err := msgpack.Marshal(v)
		if err != nil && w.err == nil {
			w.err = err
		}
		w.b = append(w.b, b...)
	}
}

// bigInt writes an integer of any size: exactly up to 2^64-1 (and down to
// -2^63), as the nearest float64 beyond, which msgpack cannot carry
// otherwise.
func (w *writer) bigInt(n *big.Int) {
	switch {
	case n.IsInt64():
		w.int(n.Int64())
	case n.IsUint64():
		w.uint(n.Uint64())
	default:
		f, _ := new(big.Float).SetInt(n).Float64()
		w.head64(0xcb, math.Float64bits(f))
	}
}

// attrs writes a map of attributes; nil as an empty map.
func (w *writer) attrs(m map[string]any) {
	w.mapLen(len(m))
	for k, v := range m {
		w.str(k)
		w.value(v)
	}
}

func (w *writer) strings(s []string) {
	if s == nil {
		w.byte1(0xc0)
		return
	}
	w.arrayLen(len(s))
	for _, e := range s {
		w.str(e)
	}
}

// fieldWriter writes the fields of a struct as a msgpack map.
type fieldWriter struct{ *writer }

func (w fieldWriter) begin(n int) { w.mapLen(n) }

func (w fieldWriter) string(k, v string) { w.str(k); w.str(v) }

func (w fieldWriter) int(k string, v int64) { w.str(k); w.writer.int(v) }

func (w fieldWriter) bool(k string, v bool) { w.str(k); w.writer.bool(v) }

func (w fieldWriter) value(k string, v any) { w.str(k); w.writer.value(v) }

func (w fieldWriter) attrs(k string, m map[string]any) { w.str(k); w.writer.attrs(m) }

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

// reader decodes msgpack from b. A length header is checked against the
// bytes left before anything is allocated for it, so hostile input costs
// no more memory than its own size.
type reader struct {
	b []byte
	// s is b as a string, when decoded strings are to share it (one
	// allocation in all, but any string kept keeps all of b); else ""
	// and each string is a copy of its own.
	s     string
	i     int
	depth int
}

var errTruncated = errors.New("truncated msgpack")

// peek returns the code of the next value.
func (r *reader) peek() (byte, error) {
	if r.i >= len(r.b) {
		return 0, errTruncated
	}
	return r.b[r.i], nil
}

func (r *reader) code() (byte, error) {
	c, err := r.peek()
	r.i++
	return c, err
}

// next returns the offset of the next n bytes and moves past them.
func (r *reader) next(n uint64) (int, error) {
	if n > uint64(len(r.b)-r.i) {
		return 0, errTruncated
	}
	at := r.i
	r.i += int(n)
	return at, nil
}

// uintN reads a big-endian unsigned integer of size 1, 2, 4 or 8 bytes.
func (r *reader) uintN(size uint64) (uint64, error) {
	at, err := r.next(size)
	if err != nil {
		return 0, err
	}
	b := r.b[at:]
	switch size {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(b)), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(b)), nil
	}
	return binary.BigEndian.Uint64(b), nil
}

// describe names the type of the value a code starts, for errors.
func describe(c byte) string {
	switch {
	case c <= 0x7f || c >= 0xe0 || (c >= 0xcc && c <= 0xd3):
		return "an integer"
	case c <= 0x8f || c == 0xde || c == 0xdf:
		return "a map"
	case c <= 0x9f || c == 0xdc || c == 0xdd:
		return "an array"
	case c <= 0xbf || (c >= 0xd9 && c <= 0xdb):
		return "a string"
	case c == 0xc0:
		return "nil"
	case c == 0xc2 || c == 0xc3:
		return "a boolean"
	case c == 0xca || c == 0xcb:
		return "a float"
	case c >= 0xc4 && c <= 0xc6:
		return "binary data"
	case c == 0xc1:
		return "the unused code 0xc1"
	}
	return "an extension"
}

func wrongType(want string, c byte) error {
	return fmt.Errorf("want %s, got %s", want, describe(c))
}

// length reads the length of the string, binary, array or map the code c
// starts; n is -1 for nil. items is the number of values that follow for
// an array or a map, 0 for bytes.
func (r *reader) length(c byte) (n int, items uint64, err error) {
	var v uint64
	switch {
	case c >= 0x80 && c <= 0x8f:
		v, items = uint64(c&0x0f), 2
	case c >= 0x90 && c <= 0x9f:
		v, items = uint64(c&0x0f), 1
	case c >= 0xa0 && c <= 0xbf:
		v = uint64(c & 0x1f)
	case c == 0xc0:
		return -1, 0, nil
	case c == 0xc4 || c == 0xd9:
		v, err = r.uintN(1)
	case c == 0xc5 || c == 0xda:
		v, err = r.uintN(2)
	case c == 0xc6 || c == 0xdb:
		v, err = r.uintN(4)
	case c == 0xdc:
		v, err = r.uintN(2)
		items = 1
	case c == 0xdd:
		v, err = r.uintN(4)
		items = 1
	case c == 0xde:
		v, err = r.uintN(2)
		items = 2
	case c == 0xdf:
		v, err = r.uintN(4)
		items = 2
	default:
		return 0, 0, errNotSized
	}
	if err != nil {
		return 0, 0, err
	}
	// Every value takes a byte at least, and every byte is a byte.
	need := v
	if items > 0 {
		need = v * items
	}
	if need > uint64(len(r.b)-r.i) {
		return 0, 0, errTruncated
	}
	return int(v), items, nil
}

var errNotSized = errors.New("not a sized value")

// str reads a string (or binary data, as msgpack's DecodeString does); nil
// reads as "".
func (r *reader) str() (string, error) {
	c, err := r.code()
	if err != nil {
		return "", err
	}
	if !isBytes(c) && c != 0xc0 {
		return "", wrongType("a string", c)
	}
	n, _, err := r.length(c)
	if err != nil || n < 0 {
		return "", err
	}
	at, _ := r.next(uint64(n))
	if r.s == "" {
		return string(r.b[at : at+n]), nil
	}
	return r.s[at : at+n], nil
}

func isBytes(c byte) bool {
	return (c >= 0xa0 && c <= 0xbf) || (c >= 0xd9 && c <= 0xdb) || (c >= 0xc4 && c <= 0xc6)
}

// container reads the header of a map (items 2) or an array (items 1); n
// is -1 for nil.
func (r *reader) container(items uint64, what string) (int, error) {
	c, err := r.code()
	if err != nil {
		return 0, err
	}
	n, got, err := r.length(c)
	if err == errNotSized || (err == nil && n >= 0 && got != items) {
		return 0, wrongType(what, c)
	}
	return n, err
}

func (r *reader) mapLen() (int, error) { return r.container(2, "a map") }

func (r *reader) arrayLen() (int, error) { return r.container(1, "an array") }

// number reads an integer or a float.
func (r *reader) number() (i int64, f float64, isFloat bool, err error) {
	c, err := r.code()
	if err != nil {
		return 0, 0, false, err
	}
	switch {
	case c <= 0x7f:
		return int64(c), 0, false, nil
	case c >= 0xe0:
		return int64(int8(c)), 0, false, nil
	case c == 0xc0:
		return 0, 0, false, nil
	case c >= 0xcc && c <= 0xcf:
		u, err := r.uintN(1 << (c - 0xcc))
		return int64(u), 0, false, err
	case c >= 0xd0 && c <= 0xd3:
		size := uint64(1) << (c - 0xd0)
		u, err := r.uintN(size)
		shift := 64 - 8*size
		return int64(u<<shift) >> shift, 0, false, err
	case c == 0xca:
		u, err := r.uintN(4)
		return 0, float64(math.Float32frombits(uint32(u))), true, err
	case c == 0xcb:
		u, err := r.uintN(8)
		return 0, math.Float64frombits(u), true, err
	}
	return 0, 0, false, wrongType("a number", c)
}

// int64 reads an integer; nil reads as 0. A float is refused (ABI
// section 3.1).
func (r *reader) int64() (int64, error) {
	at := r.i
	i, _, isFloat, err := r.number()
	if isFloat {
		return 0, wrongType("an integer", r.b[at])
	}
	return i, err
}

// float64 reads a number; nil reads as 0.
func (r *reader) float64() (float64, error) {
	i, f, isFloat, err := r.number()
	if isFloat {
		return f, err
	}
	return float64(i), err
}

// bool reads a boolean; nil reads as false.
func (r *reader) bool() (bool, error) {
	c, err := r.code()
	switch {
	case err != nil:
		return false, err
	case c == 0xc2 || c == 0xc0:
		return false, nil
	case c == 0xc3:
		return true, nil
	}
	return false, wrongType("a boolean", c)
}

// isNil reports whether the next value is nil.
func (r *reader) isNil() bool {
	c, err := r.peek()
	return err == nil && c == 0xc0
}

// enter and leave bound the nesting of maps and arrays.
func (r *reader) enter() error {
	if r.depth == maxDepth {
		return fmt.Errorf("msgpack nested more than %d deep", maxDepth)
	}
	r.depth++
	return nil
}

func (r *reader) leave() { r.depth-- }

// value reads a generic value into the Go types msgpack's DecodeInterface
// gives: nil, bool, int8 to int64, uint8 to uint64, float32, float64,
// string, []byte, []any and map[string]any.
func (r *reader) value() (any, error) {
	c, err := r.peek()
	if err != nil {
		return nil, err
	}
	switch {
	case c <= 0x7f || c >= 0xe0:
		r.i++
		return int8(c), nil
	case (c >= 0x80 && c <= 0x8f) || c == 0xde || c == 0xdf:
		return r.attrs()
	case (c >= 0x90 && c <= 0x9f) || c == 0xdc || c == 0xdd:
		return r.array()
	case (c >= 0xa0 && c <= 0xbf) || (c >= 0xd9 && c <= 0xdb):
		return r.str()
	}
	r.i++
	switch c {
	case 0xc0:
		return nil, nil
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	case 0xc4, 0xc5, 0xc6:
		n, _, err := r.length(c)
		if err != nil {
			return nil, err
		}
		at, _ := r.next(uint64(n))
		return append([]byte(nil), r.b[at:at+n]...), nil
	case 0xca:
		u, err := r.uintN(4)
		return math.Float32frombits(uint32(u)), err
	case 0xcb:
		u, err := r.uintN(8)
		return math.Float64frombits(u), err
	case 0xcc:
		u, err := r.uintN(1)
		return uint8(u), err
	case 0xcd:
		u, err := r.uintN(2)
		return uint16(u), err
	case 0xce:
		u, err := r.uintN(4)
		return uint32(u), err
	case 0xcf:
		return r.uintN(8)
	case 0xd0:
		u, err := r.uintN(1)
		return int8(u), err
	case 0xd1:
		u, err := r.uintN(2)
		return int16(u), err
	case 0xd2:
		u, err := r.uintN(4)
		return int32(u), err
	case 0xd3:
		u, err := r.uintN(8)
		return int64(u), err
	}
	return nil, errExtension(c)
}

func errExtension(c byte) error {
	if c == 0xc1 {
		return errors.New("invalid msgpack code 0xc1")
	}
	return errors.New("msgpack extension types are not part of the ABI")
}

// attrs reads a map with string keys; nil reads as a nil map.
func (r *reader) attrs() (map[string]any, error) {
	n, err := r.mapLen()
	if err != nil || n < 0 {
		return nil, err
	}
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer r.leave()
	m := make(map[string]any, n)
	for range n {
		k, err := r.str()
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		if m[k], err = r.value(); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	return m, nil
}

func (r *reader) array() ([]any, error) {
	n, err := r.arrayLen()
	if err != nil || n < 0 {
		return nil, err
	}
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer r.leave()
	a := make([]any, n)
	for i := range a {
		if a[i], err = r.value(); err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return a, nil
}

func (r *reader) strings() ([]string, error) {
	n, err := r.arrayLen()
	if err != nil || n < 0 {
		return nil, err
	}
	s := make([]string, n)
	for i := range s {
		if s[i], err = r.str(); err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return s, nil
}

// skip moves past the next value, checking its structure.
func (r *reader) skip() error {
	c, err := r.code()
	if err != nil {
		return err
	}
	switch {
	case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		return nil
	case c >= 0xcc && c <= 0xd3:
		_, err := r.next(1 << ((c - 0xcc) & 3))
		return err
	case c == 0xca:
		_, err := r.next(4)
		return err
	case c == 0xcb:
		_, err := r.next(8)
		return err
	}
	n, items, err := r.length(c)
	if err == errNotSized {
		return errExtension(c)
	}
	if err != nil {
		return err
	}
	if items == 0 {
		_, err = r.next(uint64(n))
		return err
	}
	if err := r.enter(); err != nil {
		return err
	}
	defer r.leave()
	for range uint64(n) * items {
		if err := r.skip(); err != nil {
			return err
		}
	}
	return nil
}

// raw returns the bytes of the next value and moves past them.
func (r *reader) raw() ([]byte, error) {
	at := r.i
	if err := r.skip(); err != nil {
		return nil, err
	}
	return r.b[at:r.i], nil
}

// fields reads a map, calling field for each key with the reader at the
// key's value; field returns false for a key it does not know, whose value
// is then skipped. A nil map reads as an empty one. Errors name the key.
func (r *reader) fields(field func(key string) (bool, error)) error {
	n, err := r.mapLen()
	if err != nil {
		return err
	}
	if err := r.enter(); err != nil {
		return err
	}
	defer r.leave()
	for range n {
		key, err := r.str()
		if err != nil {
			return fmt.Errorf("key: %w", err)
		}
		known, err := field(key)
		if err == nil && !known {
			err = r.skip()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return nil
}

// unmarshal decodes exactly one value from r's bytes with decode.
func (r *reader) unmarshal(decode func(*reader) error) error {
	if err := decode(r); err != nil {
		return err
	}
	if r.i != len(r.b) {
		return fmt.Errorf("%d bytes after the msgpack value", len(r.b)-r.i)
	}
	return nil
}

// unmarshal decodes exactly one value from b with decode.
func unmarshal(b []byte, decode func(*reader) error) error {
	r := &reader{b: b}
	return r.unmarshal(decode)
}

// The field readers read a field's value into v and report it known.

func readString(r *reader, v *string) (bool, error) {
	var err error
	*v, err = r.str()
	return true, err
}

func readInt(r *reader, v *int64) (bool, error) {
	var err error
	*v, err = r.int64()
	return true, err
}

func readAttrs(r *reader, v *map[string]any) (bool, error) {
	var err error
	*v, err = r.attrs()
	return true, err
}

func readStrings(r *reader, v *[]string) (bool, error) {
	var err error
	*v, err = r.strings()
	return true, err
}
