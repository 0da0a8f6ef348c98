// Package msgcheck checks untrusted msgpack before it is decoded.
package msgcheck

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// MaxDepth is how deeply arrays and maps may nest.
const MaxDepth = 64

var errTruncated = errors.New("truncated msgpack")

// Check returns an error unless b holds exactly one msgpack value
// whose length headers all fit in the bytes that follow them, nested at most
// MaxDepth deep.
//
// # Notes
//
// msgpack.Unmarshal allocates what a header declares before it reads the
// data: without this check a 15-byte request declaring a 2 GiB bin, or a
// map of 2^31 entries, makes the host allocate that much.
func Check(b []byte) error {
	rest, err := skipMsgpack(b, 0)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d bytes after the msgpack value", len(rest))
	}
	return nil
}

// skipMsgpack checks the msgpack value at the start of b, nested depth
// deep, and returns the bytes after it.
func skipMsgpack(b []byte, depth int) ([]byte, error) {
	if len(b) == 0 {
		return nil, errTruncated
	}
	c, b := b[0], b[1:]
	switch {
	case c <= 0x7f || c >= 0xe0: // positive and negative fixint
		return b, nil
	case c <= 0x8f: // fixmap
		return skipItems(b, 2*uint64(c&0x0f), depth)
	case c <= 0x9f: // fixarray
		return skipItems(b, uint64(c&0x0f), depth)
	case c <= 0xbf: // fixstr
		return skipBytes(b, uint64(c&0x1f))
	}
	switch c {
	case 0xc0, 0xc2, 0xc3: // nil, false, true
		return b, nil
	case 0xcc, 0xd0: // uint8, int8
		return skipBytes(b, 1)
	case 0xcd, 0xd1: // uint16, int16
		return skipBytes(b, 2)
	case 0xca, 0xce, 0xd2: // float32, uint32, int32
		return skipBytes(b, 4)
	case 0xcb, 0xcf, 0xd3: // float64, uint64, int64
		return skipBytes(b, 8)
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1, 2, 4, 8, 16 and their type byte
		return skipBytes(b, 1+(uint64(1)<<(c-0xd4)))
	case 0xc4, 0xd9: // bin8, str8
		return skipSized(b, 1, 0)
	case 0xc5, 0xda: // bin16, str16
		return skipSized(b, 2, 0)
	case 0xc6, 0xdb: // bin32, str32
		return skipSized(b, 4, 0)
	case 0xc7: // ext8
		return skipSized(b, 1, 1)
	case 0xc8: // ext16
		return skipSized(b, 2, 1)
	case 0xc9: // ext32
		return skipSized(b, 4, 1)
	case 0xdc, 0xdd, 0xde, 0xdf: // array16, array32, map16, map32
		size := 2 << ((c - 0xdc) & 1)
		n, b, err := readLength(b, size)
		if err != nil {
			return nil, err
		}
		if c >= 0xde {
			n *= 2
		}
		return skipItems(b, n, depth)
	}
	return nil, fmt.Errorf("invalid msgpack code %#x", c)
}

// skipItems checks n msgpack values nested depth+1 deep at the start of b
// and returns the bytes after them.
func skipItems(b []byte, n uint64, depth int) ([]byte, error) {
	if depth == MaxDepth {
		return nil, fmt.Errorf("msgpack nested more than %d deep", MaxDepth)
	}
	if n > uint64(len(b)) { // every value takes at least a byte
		return nil, errTruncated
	}
	var err error
	for range n {
		if b, err = skipMsgpack(b, depth+1); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// skipSized skips a length header of size bytes, extra bytes and the
// number of bytes the header gives.
func skipSized(b []byte, size int, extra uint64) ([]byte, error) {
	n, b, err := readLength(b, size)
	if err != nil {
		return nil, err
	}
	return skipBytes(b, extra+n)
}

// readLength reads a big-endian length of size (1, 2 or 4) bytes.
func readLength(b []byte, size int) (uint64, []byte, error) {
	if len(b) < size {
		return 0, nil, errTruncated
	}
	var n uint64
	switch size {
	case 1:
		n = uint64(b[0])
	case 2:
		n = uint64(binary.BigEndian.Uint16(b))
	default:
		n = uint64(binary.BigEndian.Uint32(b))
	}
	return n, b[size:], nil
}

// skipBytes skips n bytes.
func skipBytes(b []byte, n uint64) ([]byte, error) {
	if n > uint64(len(b)) {
		return nil, errTruncated
	}
	return b[n:], nil
}
