// Package wire reads and writes the msgpack of the ABI's messages
// (abi/README.md, section 3) over byte slices: the writer and reader that
// the generated codecs of package abi's message types call, and the
// generic values (attribute maps, an environment value) they carry.
//
// It does not go through package msgpack's Encoder and Decoder: messages
// are on every call, where a byte-slice codec costs a fraction of a stream
// codec with reflection. Generic values take the same Go types as
// msgpack's DecodeInterface gives, and encode as its Encode does, so
// either side of a call may use package msgpack.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"

	"github.com/vmihailenco/msgpack/v5"
)

// maxDepth is how deeply a Reader lets arrays and maps nest (ABI
// section 3.1).
const maxDepth = 256

// Writer appends msgpack to a byte slice, keeping the first error. The
// zero Writer appends to nil.
type Writer struct {
	b   []byte
	err error
}

// Reset makes w append to b, forgetting any error.
func (w *Writer) Reset(b []byte) { *w = Writer{b: b} }

// Finish returns the bytes written and the first error, and resets w to
// append to nil, so that it keeps no reference to them.
func (w *Writer) Finish() ([]byte, error) {
	b, err := w.b, w.err
	*w = Writer{}
	return b, err
}

func (w *Writer) byte1(c byte) { w.b = append(w.b, c) }

func (w *Writer) head8(c byte, n uint8) { w.b = append(w.b, c, n) }

func (w *Writer) head16(c byte, n uint16) { w.b = binary.BigEndian.AppendUint16(append(w.b, c), n) }

func (w *Writer) head32(c byte, n uint32) { w.b = binary.BigEndian.AppendUint32(append(w.b, c), n) }

func (w *Writer) head64(c byte, n uint64) { w.b = binary.BigEndian.AppendUint64(append(w.b, c), n) }

// Raw appends bytes that are msgpack already, such as a field's key
// encoded beforehand.
func (w *Writer) Raw(s string) { w.b = append(w.b, s...) }

// MapLen writes the header of a map of n pairs.
func (w *Writer) MapLen(n int) {
	switch {
	case n < 16:
		w.byte1(0x80 | byte(n))
	case n <= math.MaxUint16:
		w.head16(0xde, uint16(n))
	default:
		w.head32(0xdf, uint32(n))
	}
}

// ArrayLen writes the header of an array of n values.
func (w *Writer) ArrayLen(n int) {
	switch {
	case n < 16:
		w.byte1(0x90 | byte(n))
	case n <= math.MaxUint16:
		w.head16(0xdc, uint16(n))
	default:
		w.head32(0xdd, uint32(n))
	}
}

// Str writes a string.
func (w *Writer) Str(s string) {
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

func (w *Writer) bin(b []byte) {
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

// Bool writes a boolean.
func (w *Writer) Bool(v bool) {
	if v {
		w.byte1(0xc3)
	} else {
		w.byte1(0xc2)
	}
}

// Int writes n in the fewest bytes, as msgpack's EncodeInt does.
func (w *Writer) Int(n int64) {
	switch {
	case n >= 0:
		w.Uint(uint64(n))
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

// Uint writes n in the fewest bytes, as msgpack's EncodeUint does.
func (w *Writer) Uint(n uint64) {
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

// Float64 writes a float64, in 8 bytes as msgpack's Encode does.
func (w *Writer) Float64(f float64) { w.head64(0xcb, math.Float64bits(f)) }

// Value writes a generic value. The common types of attribute values are
// written here, each as msgpack's Encode writes it (sized integer types
// keep their size); others go through msgpack.Marshal.
func (w *Writer) Value(v any) {
	switch v := v.(type) {
	case nil:
		w.byte1(0xc0)
	case string:
		w.Str(v)
	case bool:
		w.Bool(v)
	case int:
		w.Int(int64(v))
	case int8:
		w.head8(0xd0, uint8(v))
	case int16:
		w.head16(0xd1, uint16(v))
	case int32:
		w.head32(0xd2, uint32(v))
	case int64:
		w.head64(0xd3, uint64(v))
	case uint:
		w.Uint(uint64(v))
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
		w.Float64(v)
	case []byte:
		w.bin(v)
	case map[string]any:
		w.Attrs(v)
	case []any:
		w.ArrayLen(len(v))
		for _, e := range v {
			w.Value(e)
		}
	case []string:
		w.Strings(v)
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
func (w *Writer) bigInt(n *big.Int) {
	switch {
	case n.IsInt64():
		w.Int(n.Int64())
	case n.IsUint64():
		w.Uint(n.Uint64())
	default:
		f, _ := new(big.Float).SetInt(n).Float64()
		w.Float64(f)
	}
}

// Attrs writes a map of attributes; nil as an empty map.
func (w *Writer) Attrs(m map[string]any) {
	w.MapLen(len(m))
	for k, v := range m {
		w.Str(k)
		w.Value(v)
	}
}

// Strings writes a list of strings; nil as nil.
func (w *Writer) Strings(s []string) {
	if s == nil {
		w.byte1(0xc0)
		return
	}
	w.ArrayLen(len(s))
	for _, e := range s {
		w.Str(e)
	}
}

// StringMap writes a map of strings; nil as an empty map.
func (w *Writer) StringMap(m map[string]string) {
	w.MapLen(len(m))
	for k, v := range m {
		w.Str(k)
		w.Str(v)
	}
}

// Reader decodes msgpack from a byte slice. A length header is checked
// against the bytes left before anything is allocated for it, so hostile
// input costs no more memory than its own size. The zero Reader reads
// nothing.
type Reader struct {
	b []byte
	// s is b as a string, when decoded strings are to share it (one
	// allocation in all, but any string kept keeps all of b); else ""
	// and each string is a copy of its own.
	s     string
	i     int
	depth int
	// in, when set, hands out the short strings read, and string values,
	// again for the same bytes instead of copying them anew.
	in *Interner
	// arena, when set, hands out the maps and slices of the last value
	// read again instead of new ones.
	arena *Arena
}

// Interner remembers short strings, and the same strings as values of
// type any, so that a Reader decoding similar messages one after another
// allocates for a string only the first time it sees it. A string is
// immutable, so sharing one is safe. It is a table of strings by a hash of
// their bytes, each slot holding the last string that fell into it: a
// lookup is a hash of a few words and one comparison, and input of ever
// new strings costs a bounded amount of memory. Strings of up to 8 bytes
// have a table of their own, which compares them as words. Each table
// starts with internMin slots and grows fourfold, up to internMax,
// whenever it has missed more often than it has slots. The zero Interner
// is ready to use.
type Interner struct {
	short internTable[shortString]
	strs  internTable[string]
	vals  internTable[any]
}

// shortString is a string of up to 8 bytes and its bytes as a
// little-endian word: most strings of a message are that short (names,
// kinds, keys of attributes), and a lookup of one compares the word and
// the length instead of calling out to compare the bytes.
type shortString struct {
	word uint64
	s    string
}

const (
	// internLen is the length up to which a string is interned.
	internLen = 64
	// internMin and internMax are the fewest and most slots of an
	// Interner's tables, powers of two.
	internMin = 256
	internMax = 4096
)

// internTable is a table of an Interner.
type internTable[T any] struct {
	slots  []T
	misses int
}

// slot returns the slot of the string with bytes b.
func (t *internTable[T]) slot(b []byte) *T {
	if t.slots == nil {
		t.slots = make([]T, internMin)
	}
	h := uint64(len(b)) * 0x9e3779b97f4a7c15
	for ; len(b) >= 8; b = b[8:] {
		h = (h ^ binary.LittleEndian.Uint64(b)) * 0xbf58476d1ce4e5b9
	}
	for _, c := range b {
		h = (h ^ uint64(c)) * 0x100000001b3
	}
	h = (h ^ h>>29) * 0xbf58476d1ce4e5b9 // mix the last bytes into the top bits
	return &t.slots[h>>(64-bits.TrailingZeros(uint(len(t.slots))))]
}

// missed counts a miss, and grows the table when it has missed more often
// than it has slots.
func (t *internTable[T]) missed() {
	if t.misses++; t.misses > len(t.slots) && len(t.slots) < internMax {
		t.slots, t.misses = make([]T, 4*len(t.slots)), 0
	}
}

// str returns b as a string, the one remembered for it if any.
func (in *Interner) str(b []byte) string {
	if len(b) <= 8 {
		return in.shortStr(b)
	}
	slot := in.strs.slot(b)
	if *slot == string(b) {
		return *slot
	}
	s := string(b)
	*slot = s
	in.strs.missed()
	return s
}

// shortStr is str for b of up to 8 bytes.
func (in *Interner) shortStr(b []byte) string {
	t := &in.short
	if t.slots == nil {
		t.slots = make([]shortString, internMin)
	}
	var w uint64
	for i := len(b) - 1; i >= 0; i-- {
		w = w<<8 | uint64(b[i])
	}
	h := (w ^ uint64(len(b))) * 0x9e3779b97f4a7c15
	slot := &t.slots[h>>(64-bits.TrailingZeros(uint(len(t.slots))))]
	if slot.word == w && len(slot.s) == len(b) {
		return slot.s
	}
	s := string(b)
	*slot = shortString{word: w, s: s}
	t.missed()
	return s
}

// value returns b as a string in an any, the one remembered if any.
func (in *Interner) value(b []byte) any {
	slot := in.vals.slot(b)
	if s, ok := (*slot).(string); ok && s == string(b) {
		return *slot
	}
	var v any = in.str(b)
	*slot = v
	in.vals.missed()
	return v
}

// SetInterner makes r take the short strings it reads from in, as copies
// of their own; nil stops it.
func (r *Reader) SetInterner(in *Interner) { r.in = in }

// Reset makes r read b from its start. With share, the strings r decodes
// share one copy of b: one allocation for all of them, but a string that
// is kept keeps the whole copy alive; without, each string is a copy of
// its own.
func (r *Reader) Reset(b []byte, share bool) {
	*r = Reader{b: b, in: r.in, arena: r.arena}
	if share {
		r.s = string(b)
	}
}

// End reports an error if bytes are left after the value read, and resets
// r to read nothing, so that it keeps no reference to them.
func (r *Reader) End() error {
	left := len(r.b) - r.i
	*r = Reader{in: r.in, arena: r.arena}
	if left != 0 {
		return fmt.Errorf("%d bytes after the msgpack value", left)
	}
	return nil
}

var errTruncated = errors.New("truncated msgpack")

// peek returns the code of the next value.
func (r *Reader) peek() (byte, error) {
	if r.i >= len(r.b) {
		return 0, errTruncated
	}
	return r.b[r.i], nil
}

func (r *Reader) code() (byte, error) {
	c, err := r.peek()
	r.i++
	return c, err
}

// next returns the offset of the next n bytes and moves past them.
func (r *Reader) next(n uint64) (int, error) {
	if n > uint64(len(r.b)-r.i) {
		return 0, errTruncated
	}
	at := r.i
	r.i += int(n)
	return at, nil
}

// uintN reads a big-endian unsigned integer of size 1, 2, 4 or 8 bytes.
func (r *Reader) uintN(size uint64) (uint64, error) {
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
func (r *Reader) length(c byte) (n int, items uint64, err error) {
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

// Str reads a string (or binary data, as msgpack's DecodeString does); nil
// reads as "".
func (r *Reader) Str() (string, error) {
	at, n, err := r.strAt()
	switch {
	case err != nil || n == 0:
		return "", err
	case r.s != "":
		return r.s[at : at+n], nil
	case r.in != nil && n <= internLen:
		return r.in.str(r.b[at : at+n]), nil
	}
	return string(r.b[at : at+n]), nil
}

// fixStr reads a string of up to 31 bytes, a key or most values, in one
// step when the next value is one, and returns its bytes. It is small
// enough for the compiler to inline: Go compiled to WebAssembly pays for
// every call.
func (r *Reader) fixStr() ([]byte, bool) {
	i := r.i
	if i < len(r.b) && r.b[i]&0xe0 == 0xa0 && int(r.b[i]&0x1f) < len(r.b)-i {
		r.i = i + 1 + int(r.b[i]&0x1f)
		return r.b[i+1 : r.i], true
	}
	return nil, false
}

// fixMap reads the header of a map of up to 15 pairs in one step when the
// next value is one, as most maps are, and returns its number of pairs.
// Like fixStr, it is small enough to inline.
func (r *Reader) fixMap() (int, bool) {
	i := r.i
	if i < len(r.b) && r.b[i]&0xf0 == 0x80 && 2*int(r.b[i]&0x0f) < len(r.b)-i {
		r.i = i + 1
		return int(r.b[i] & 0x0f), true
	}
	return 0, false
}

// internedStr is Str for a string of up to 31 bytes read with an
// interner, as nearly every key is, without the calls of Str and strAt.
func (r *Reader) internedStr() (string, error) {
	if r.in != nil && r.s == "" {
		if b, ok := r.fixStr(); ok {
			return r.in.str(b), nil
		}
	}
	return r.Str()
}

// strAt reads a string as Str does and returns where its bytes are.
func (r *Reader) strAt() (at, n int, err error) {
	if b, ok := r.fixStr(); ok {
		return r.i - len(b), len(b), nil
	}
	return r.strAtSized()
}

// strAtSized is strAt for any string.
func (r *Reader) strAtSized() (at, n int, err error) {
	c, err := r.code()
	if err != nil {
		return 0, 0, err
	}
	if !isBytes(c) && c != 0xc0 {
		return 0, 0, wrongType("a string", c)
	}
	if n, _, err = r.length(c); err != nil || n < 0 {
		return 0, 0, err
	}
	at, _ = r.next(uint64(n))
	return at, n, nil
}

func isBytes(c byte) bool {
	return (c >= 0xa0 && c <= 0xbf) || (c >= 0xd9 && c <= 0xdb) || (c >= 0xc4 && c <= 0xc6)
}

// container reads the header of a map (items 2) or an array (items 1); n
// is -1 for nil.
func (r *Reader) container(items uint64, what string) (int, error) {
	// A map of up to 15 pairs (0x80) or an array of up to 15 values
	// (0x90), in one step.
	if i := r.i; i < len(r.b) && r.b[i]&0xf0 == 0xa0-byte(items)*0x10 {
		if n := int(r.b[i] & 0x0f); n*int(items) < len(r.b)-i {
			r.i++
			return n, nil
		}
	}
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

// MapLen reads the header of a map: its number of pairs, -1 for nil.
func (r *Reader) MapLen() (int, error) { return r.container(2, "a map") }

// ArrayLen reads the header of an array: its number of values, -1 for nil.
func (r *Reader) ArrayLen() (int, error) { return r.container(1, "an array") }

// number reads an integer or a float.
func (r *Reader) number() (i int64, f float64, isFloat bool, err error) {
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

// Int64 reads an integer; nil reads as 0. A float is refused (ABI
// section 3.1).
func (r *Reader) Int64() (int64, error) {
	at := r.i
	i, _, isFloat, err := r.number()
	if isFloat {
		return 0, wrongType("an integer", r.b[at])
	}
	return i, err
}

// Float64 reads a number; nil reads as 0.
func (r *Reader) Float64() (float64, error) {
	i, f, isFloat, err := r.number()
	if isFloat {
		return f, err
	}
	return float64(i), err
}

// Bool reads a boolean; nil reads as false.
func (r *Reader) Bool() (bool, error) {
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

// IsNil reports whether the next value is nil.
func (r *Reader) IsNil() bool {
	c, err := r.peek()
	return err == nil && c == 0xc0
}

// enter and leave bound the nesting of maps and arrays.
func (r *Reader) enter() error {
	if r.depth == maxDepth {
		return errTooDeep
	}
	r.depth++
	return nil
}

func (r *Reader) leave() { r.depth-- }

var errTooDeep = fmt.Errorf("msgpack nested more than %d deep", maxDepth)

// Value reads a generic value into the Go types msgpack's DecodeInterface
// gives: nil, bool, int8 to int64, uint8 to uint64, float32, float64,
// string, []byte, []any and map[string]any.
func (r *Reader) Value() (any, error) {
	c, err := r.peek()
	if err != nil {
		return nil, err
	}
	switch {
	case c <= 0x7f || c >= 0xe0:
		r.i++
		return int8(c), nil
	case (c >= 0x80 && c <= 0x8f) || c == 0xde || c == 0xdf:
		return r.Attrs()
	case (c >= 0x90 && c <= 0x9f) || c == 0xdc || c == 0xdd:
		return r.array()
	case (c >= 0xa0 && c <= 0xbf) || (c >= 0xd9 && c <= 0xdb):
		if r.in != nil && r.s == "" {
			if n := int(c & 0x1f); c <= 0xbf && n < len(r.b)-r.i {
				// A string of up to 31 bytes, without a call to strAt.
				at := r.i + 1
				r.i = at + n
				return r.in.value(r.b[at:r.i]), nil
			}
			at, n, err := r.strAt()
			if err == nil && n <= internLen {
				return r.in.value(r.b[at : at+n]), nil
			}
			return string(r.b[at : at+n]), err
		}
		return r.Str()
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

// Attrs reads a map with string keys; nil reads as a nil map. A map of
// up to 15 pairs, its short keys and its short string values are read in
// line, without the calls of MapLen, internedStr and Value: Go compiled
// to WebAssembly pays for every call, and most attributes are such.
func (r *Reader) Attrs() (map[string]any, error) {
	n, ok := r.fixMap()
	if !ok {
		var err error
		if n, err = r.MapLen(); err != nil || n < 0 {
			return nil, err
		}
	}
	if r.depth == maxDepth {
		return nil, errTooDeep
	}
	r.depth++
	m := r.newMap(n)
	interned := r.in != nil && r.s == ""
	for range n {
		var k string
		var err error
		var b []byte
		var ok bool
		if interned {
			b, ok = r.fixStr()
		}
		if ok {
			k = r.in.str(b)
		} else if k, err = r.Str(); err != nil {
			r.leave()
			return nil, fmt.Errorf("key: %w", err)
		}
		if interned {
			b, ok = r.fixStr()
		}
		if ok {
			m[k] = r.in.value(b)
		} else {
			m[k], err = r.Value()
		}
		if err != nil {
			r.leave()
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	r.leave()
	return m, nil
}

func (r *Reader) array() ([]any, error) {
	n, err := r.ArrayLen()
	if err != nil || n < 0 {
		return nil, err
	}
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer r.leave()
	a := MakeSlice[any](r, n)
	for i := range a {
		if a[i], err = r.Value(); err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return a, nil
}

// Strings reads a list of strings; nil reads as a nil slice.
func (r *Reader) Strings() ([]string, error) {
	n, err := r.ArrayLen()
	if err != nil || n < 0 {
		return nil, err
	}
	s := MakeSlice[string](r, n)
	for i := range s {
		if s[i], err = r.Str(); err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return s, nil
}

// StringMap reads a map of strings; nil reads as a nil map.
func (r *Reader) StringMap() (map[string]string, error) {
	n, err := r.MapLen()
	if err != nil || n < 0 {
		return nil, err
	}
	m := make(map[string]string, n)
	for range n {
		k, err := r.Str()
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		if m[k], err = r.Str(); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	return m, nil
}

// Skip moves past the next value, checking its structure.
func (r *Reader) Skip() error {
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
		if err := r.Skip(); err != nil {
			return err
		}
	}
	return nil
}

// Raw returns the bytes of the next value and moves past them.
func (r *Reader) Raw() ([]byte, error) {
	at := r.i
	if err := r.Skip(); err != nil {
		return nil, err
	}
	return r.b[at:r.i], nil
}

// Fields reads the header of a map that holds a struct's fields and
// returns its number of pairs; a nil map has none. Each pair is a Key and
// its value; unknown keys' values are to be skipped, as compatible
// evolution requires. Leave ends the map.
func (r *Reader) Fields() (int, error) {
	if r.depth < maxDepth {
		if n, ok := r.fixMap(); ok {
			r.depth++
			return n, nil
		}
	}
	n, err := r.MapLen()
	if err != nil {
		return 0, err
	}
	if err := r.enter(); err != nil {
		return 0, err
	}
	return max(n, 0), nil
}

// Key reads the key of a struct's field, for Fields: its bytes in the
// input, which a switch on string(key) matches without a copy.
func (r *Reader) Key() ([]byte, error) {
	if b, ok := r.fixStr(); ok {
		return b, nil
	}
	return r.keySized()
}

// keySized is Key for any string.
func (r *Reader) keySized() ([]byte, error) {
	at, n, err := r.strAtSized()
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	return r.b[at : at+n], nil
}

// Leave ends the map that Fields began.
func (r *Reader) Leave() { r.leave() }
