//go:build !wasip1

package hostcall

import (
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

// pending is what the stand-in result function hands out.
var pending []byte

// Unavailable stands in for the host function named fn outside
// GOOS=wasip1: it leaves an unavailable error pending and returns its
// negated length, as the host does for an error.
func Unavailable(fn string) int32 {
	pending, _ = msgpack.Marshal(abi.Errorf(abi.CodeUnavailable, "host function %s: no Gatehouse host outside GOOS=wasip1", fn))
	return -int32(len(pending))
}

// result stands in for the result host function.
func result(buf unsafe.Pointer, size uint32) int32 {
	n := int32(len(pending))
	if uint32(n) <= size {
		copy(unsafe.Slice((*byte)(buf), size), pending)
		pending = nil
	}
	return n
}
