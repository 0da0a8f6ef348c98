// Command guest is the test plugin of package capability: it calls the host
// functions of the gatehouse module with the arguments the test gives it,
// so the test drives them from inside a real Wasm module.
//
// Build it with GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared.
package main

import (
	"encoding/binary"
	"runtime"
	"unsafe"
)

//go:wasmimport gatehouse log
func hostLog(level int32, ptr, n uint32)

//go:wasmimport gatehouse clock_wall
func clockWall() int64

//go:wasmimport gatehouse clock_monotonic
func clockMonotonic() int64

//go:wasmimport gatehouse kv_get
func kvGet(keyPtr, keyLen uint32) int32

//go:wasmimport gatehouse kv_set
func kvSet(keyPtr, keyLen, valPtr, valLen uint32) int32

//go:wasmimport gatehouse kv_delete
func kvDelete(keyPtr, keyLen uint32) int32

//go:wasmimport gatehouse kv_list
func kvList(prefixPtr, prefixLen uint32) int32

//go:wasmimport gatehouse http_request
func httpRequest(reqPtr, reqLen uint32) int32

//go:wasmimport gatehouse exec
func execProgram(reqPtr, reqLen uint32) int32

//go:wasmimport gatehouse sink_write
func sinkWrite(sinkPtr, sinkLen uint32, level int32, msgPtr, msgLen uint32) int32

//go:wasmimport gatehouse plan
func plan(reqPtr, reqLen uint32) int32

//go:wasmimport gatehouse result
func result(outPtr, outCap uint32) int32

func main() {}

// buffers keeps the buffers handed to the test alive, by address.
var buffers = map[uint32][]byte{}

// keep registers b in buffers and returns its address, 0 if b is empty.
func keep(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	p := uint32(uintptr(unsafe.Pointer(&b[0])))
	buffers[p] = b
	return p
}

// alloc returns the address of a new buffer of size bytes.
//
//go:wasmexport alloc
func alloc(size uint32) uint32 {
	defer runtime.Gosched()
	return keep(make([]byte, size))
}

// free releases every buffer.
//
//go:wasmexport free
func free() {
	defer runtime.Gosched()
	clear(buffers)
}

// invoke calls host function fn (its index in the test's list) with raw
// arguments and returns what it returns; log returns 0.
//
//go:wasmexport invoke
func invoke(fn, a, b, c, d, e uint32) int32 {
	defer runtime.Gosched()
	switch fn {
	case 0:
		return kvGet(a, b)
	case 1:
		return kvSet(a, b, c, d)
	case 2:
		return kvDelete(a, b)
	case 3:
		return kvList(a, b)
	case 4:
		return httpRequest(a, b)
	case 5:
		return execProgram(a, b)
	case 6:
		hostLog(int32(a), b, c)
		return 0
	case 7:
		return sinkWrite(a, b, int32(c), d, e)
	case 8:
		return plan(a, b)
	}
	panic("no host function of that index")
}

// clock returns clock_wall() for which 0 and clock_monotonic() otherwise.
//
//go:wasmexport clock
func clock(which uint32) int64 {
	defer runtime.Gosched()
	if which == 0 {
		return clockWall()
	}
	return clockMonotonic()
}

// collect collects the pending result into a buffer of firstCap bytes and,
// if it did not fit, once more into a buffer of the length result returned.
// It returns the address<<32|length of a buffer holding what the two calls
// of result returned (the second is -1 when there was none), as
// little-endian i32s, followed by the bytes collected.
//
//go:wasmexport collect
func collect(firstCap uint32) uint64 {
	defer runtime.Gosched()
	buf := make([]byte, firstCap)
	first := result(keep(buf), firstCap)
	second, got := int32(-1), first
	if uint32(first) > firstCap {
		buf = make([]byte, first)
		second = result(keep(buf), uint32(first))
		got = second
	}
	out := make([]byte, 8, 8+len(buf))
	binary.LittleEndian.PutUint32(out, uint32(first))
	binary.LittleEndian.PutUint32(out[4:], uint32(second))
	out = append(out, buf[:min(uint32(got), uint32(len(buf)))]...)
	return uint64(keep(out))<<32 | uint64(len(out))
}

// resultAt calls result with a raw address and capacity.
//
//go:wasmexport result_at
func resultAt(outPtr, outCap uint32) int32 {
	defer runtime.Gosched()
	return result(outPtr, outCap)
}
