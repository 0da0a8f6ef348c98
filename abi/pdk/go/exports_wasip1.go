//go:build wasip1

package pdk

import (
	"runtime"
	"unsafe"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
)

// pinned holds the buffers handed out by gatehouse_alloc, by address, until
// gatehouse_free releases them: the host keeps a request buffer and reuses
// it for its next requests. Go's collector never moves heap objects, so a
// reference is all the pinning a buffer needs to outlive the Go pointers to
// it while the host holds only its address.
var pinned = map[uint32][]byte{}

// lastPtr and lastBuf are the buffer of pinned the last request was in:
// the host sends its requests in the same buffer again and again, so a
// call finds it here without a map lookup.
var (
	lastPtr uint32
	lastBuf []byte
)

// reply is the last reply returned to the host; it stays referenced until
// the next call export, which writes its reply over it once the host has
// read it.
var reply []byte

//go:wasmexport gatehouse_abi_v1
func marker() {}

//go:wasmexport gatehouse_alloc
func alloc(size uint32) uint32 {
	if size == 0 {
		return 0
	}
	buf := make([]byte, size)
	ptr := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	pinned[ptr] = buf
	return ptr
}

//go:wasmexport gatehouse_free
func free(ptr, _ uint32) {
	if ptr == lastPtr {
		lastPtr, lastBuf = 0, nil
	}
	delete(pinned, ptr)
}

//go:wasmexport gatehouse_describe
func describe(ptr, size uint32) uint64 { return serve(abi.ExportDescribe, ptr, size) }

//go:wasmexport gatehouse_start
func start(ptr, size uint32) uint64 { return serve(abi.ExportStart, ptr, size) }

//go:wasmexport gatehouse_actuate
func actuate(ptr, size uint32) uint64 { return serve(abi.ExportActuate, ptr, size) }

//go:wasmexport gatehouse_oblige
func oblige(ptr, size uint32) uint64 { return serve(abi.ExportOblige, ptr, size) }

//go:wasmexport gatehouse_environment
func environment(ptr, size uint32) uint64 { return serve(abi.ExportEnvironment, ptr, size) }

//go:wasmexport gatehouse_object
func object(ptr, size uint32) uint64 { return serve(abi.ExportObject, ptr, size) }

//go:wasmexport gatehouse_agent_reset
func agentReset(ptr, size uint32) uint64 { return serve(abi.ExportAgentReset, ptr, size) }

//go:wasmexport gatehouse_agent_act
func agentAct(ptr, size uint32) uint64 { return serve(abi.ExportAgentAct, ptr, size) }

// serve answers one call export: it reads the request in the buffer at
// ptr, dispatches it through Default and returns the packed address and
// length of the reply, which stays referenced until the next call.
func serve(export string, ptr, size uint32) uint64 {
	if req, err := request(ptr, size); err != nil {
		reply = registry.ErrorReply(err)
	} else {
		reply = Default.AppendCall(reply[:0], export, req)
	}
	yield()
	return abi.PackReply(uint32(uintptr(unsafe.Pointer(unsafe.SliceData(reply)))), uint32(len(reply)))
}

// yieldEvery is how many calls may pass without a yield while the plugin
// has no goroutine but the one that serves calls.
const yieldEvery = 64

// calls counts the calls since the last yield.
var calls int

// yield lets the plugin's other goroutines run, the collector's among them:
// the Go runtime schedules only while an export runs. A call yields when
// the plugin has goroutines of its own, so that those the call made
// runnable make progress before it returns, and else every yieldEvery
// calls, so that a collection that has started finishes after a bounded
// number of calls: a yield costs about as much as the rest of a small call,
// and the collector rarely needs one.
func yield() {
	if calls++; calls >= yieldEvery || runtime.NumGoroutine() > 1 {
		calls = 0
		runtime.Gosched()
	}
}

// request returns the size bytes at ptr, which must be a buffer from
// gatehouse_alloc at least that large.
func request(ptr, size uint32) ([]byte, *abi.Error) {
	if size == 0 {
		return nil, nil
	}
	buf, ok := lastBuf, ptr == lastPtr
	if !ok {
		if buf, ok = pinned[ptr]; ok {
			lastPtr, lastBuf = ptr, buf
		}
	}
	if !ok || uint32(len(buf)) < size {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "request at %#x (%d bytes) is not a buffer from %s", ptr, size, abi.ExportAlloc)
	}
	return buf[:size], nil
}
