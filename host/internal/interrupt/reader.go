package interrupt

import (
	"errors"
	"fmt"
)

// reader decodes the WebAssembly binary format from b.
type reader struct {
	b  []byte
	at int
}

var errEnd = errors.New("unexpected end of data")

func (r *reader) more() bool { return r.at < len(r.b) }

func (r *reader) byte() (byte, error) {
	if r.at >= len(r.b) {
		return 0, errEnd
	}
	c := r.b[r.at]
	r.at++
	return c, nil
}

func (r *reader) take(n int) ([]byte, error) {
	if n < 0 || len(r.b)-r.at < n {
		return nil, errEnd
	}
	s := r.b[r.at : r.at+n]
	r.at += n
	return s, nil
}

// leb skips a LEB128 number of at most maxBytes bytes and returns its low
// 32 bits, unsigned.
func (r *reader) leb(maxBytes int) (uint32, error) {
	var v uint32
	for i := 0; i < maxBytes; i++ {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if i < 5 {
			v |= uint32(c&0x7f) << (7 * i)
		}
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, errors.New("LEB128 number too long")
}

func (r *reader) u32() (uint32, error) { return r.leb(5) }

// vec reads a byte vector: its length, then its bytes.
func (r *reader) vec() ([]byte, error) {
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	return r.take(int(n))
}

// nameOrEmpty reads a name, or returns "" if there is none.
func (r *reader) nameOrEmpty() string {
	b, err := r.vec()
	if err != nil {
		return ""
	}
	return string(b)
}

// limits skips the limits of a table or memory type.
func (r *reader) limits() error {
	flags, err := r.byte()
	if err != nil {
		return err
	}
	if _, err := r.leb(10); err != nil {
		return err
	}
	if flags&1 != 0 {
		_, err = r.leb(10)
	}
	return err
}

// valueType skips a value type: a number, vector or reference type byte.
func (r *reader) valueType() error {
	_, err := r.byte()
	return err
}

// memarg skips a memory argument: alignment (with bit 6 flagging a memory
// index, as in multi-memory), then the offset.
func (r *reader) memarg() error {
	align, err := r.u32()
	if err != nil {
		return err
	}
	if align&0x40 != 0 {
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	_, err = r.leb(10)
	return err
}

// u32s skips n unsigned LEB128 numbers.
func (r *reader) u32s(n int) error {
	for range n {
		if _, err := r.u32(); err != nil {
			return err
		}
	}
	return nil
}

// immediates skips the immediates of the instruction with opcode op.
func (r *reader) immediates(op byte) error {
	switch {
	case op == 0x02 || op == 0x03 || op == 0x04 || op == 0x06: // block, loop, if, try: block type
		_, err := r.leb(5) // s33
		return err
	case op == 0x08 || op == 0x09 || op == 0x0c || op == 0x0d || op == 0x10 || op == 0x12 ||
		op == 0x07 || op == 0x18 || op == 0xd2: // throw, rethrow, br, br_if, call, return_call, catch, delegate, ref.func
		return r.u32s(1)
	case op == 0x0e: // br_table
		n, err := r.u32()
		if err != nil {
			return err
		}
		return r.u32s(int(n) + 1)
	case op == 0x11 || op == 0x13: // call_indirect, return_call_indirect
		return r.u32s(2)
	case op == 0x1c: // select t*
		n, err := r.u32()
		if err != nil {
			return err
		}
		_, err = r.take(int(n))
		return err
	case op == 0x1f: // try_table
		return r.tryTable()
	case op >= 0x20 && op <= 0x26: // local.*, global.*, table.get, table.set
		return r.u32s(1)
	case op >= 0x28 && op <= 0x3e: // loads and stores
		return r.memarg()
	case op == 0x3f || op == 0x40: // memory.size, memory.grow
		return r.u32s(1)
	case op == 0x41: // i32.const
		_, err := r.leb(5)
		return err
	case op == 0x42: // i64.const
		_, err := r.leb(10)
		return err
	case op == 0x43: // f32.const
		_, err := r.take(4)
		return err
	case op == 0x44: // f64.const
		_, err := r.take(8)
		return err
	case op == 0xd0: // ref.null: heap type
		_, err := r.leb(5)
		return err
	case op == 0xfc:
		return r.miscImmediates()
	case op == 0xfd:
		return r.vectorImmediates()
	case op == 0xfe:
		return r.atomicImmediates()
	case op <= 0x01 || op == 0x05 || op == 0x0a || op == 0x0b || op == 0x0f || op == 0x19 ||
		op == 0x1a || op == 0x1b || (op >= 0x45 && op <= 0xc4) || op == 0xd1:
		return nil // no immediates
	}
	return fmt.Errorf("unknown opcode")
}

// tryTable skips try_table's block type and catch clauses.
func (r *reader) tryTable() error {
	if _, err := r.leb(5); err != nil {
		return err
	}
	n, err := r.u32()
	if err != nil {
		return err
	}
	for range n {
		kind, err := r.byte()
		if err != nil {
			return err
		}
		switch kind {
		case 0x00, 0x01: // catch, catch_ref: tag, label
			err = r.u32s(2)
		case 0x02, 0x03: // catch_all, catch_all_ref: label
			err = r.u32s(1)
		default:
			err = fmt.Errorf("unknown catch kind %#x", kind)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// miscImmediates skips the immediates of a 0xfc instruction: saturating
// truncation, bulk memory and table instructions.
func (r *reader) miscImmediates() error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub <= 7: // trunc_sat
		return nil
	case sub == 8 || sub == 10 || sub == 12 || sub == 14: // memory.init, memory.copy, table.init, table.copy
		return r.u32s(2)
	case sub <= 17: // data.drop, memory.fill, elem.drop, table.grow, table.size, table.fill
		return r.u32s(1)
	}
	return fmt.Errorf("unknown 0xfc instruction %d", sub)
}

// vectorImmediates skips the immediates of a 0xfd (SIMD) instruction.
func (r *reader) vectorImmediates() error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub <= 11 || sub == 92 || sub == 93: // loads and stores
		return r.memarg()
	case sub == 12 || sub == 13: // v128.const, i8x16.shuffle
		_, err = r.take(16)
	case sub >= 21 && sub <= 34: // extract and replace lane
		_, err = r.take(1)
	case sub >= 84 && sub <= 91: // lane loads and stores
		if err = r.memarg(); err == nil {
			_, err = r.take(1)
		}
	}
	return err
}

// atomicImmediates skips the immediates of a 0xfe (threads) instruction.
func (r *reader) atomicImmediates() error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	if sub == 3 { // atomic.fence
		_, err = r.take(1)
		return err
	}
	return r.memarg()
}

// appendU32 appends v to b as unsigned LEB128.
func appendU32(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// appendI32 appends v to b as signed LEB128.
func appendI32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
