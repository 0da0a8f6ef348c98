//go:build wasip1

// Package raw is a bare native binding for hostile test plugins that must
// break a rule the PDK keeps (its marker, its reply encoding). It exports
// gatehouse_alloc, gatehouse_free and gatehouse_describe, answering from
// Components; the importing command exports its marker and call exports
// itself, using Request, Serve and Reply.
package raw

import (
	"runtime"
	"unsafe"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
)

// Components is the registry gatehouse_describe and Serve answer from.
var Components = registry.New()

// buffers holds the buffers from gatehouse_alloc by address; reply holds
// the last reply until the next one.
var (
	buffers = map[uint32][]byte{}
	reply   []byte
)

//go:wasmexport gatehouse_alloc
func alloc(size uint32) uint32 {
	buf := make([]byte, max(size, 1))
	ptr := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	buffers[ptr] = buf
	return ptr
}

//go:wasmexport gatehouse_free
func free(ptr, _ uint32) { delete(buffers, ptr) }

//go:wasmexport gatehouse_describe
func describe(ptr, size uint32) uint64 { return Serve(abi.ExportDescribe, ptr, size) }

// Request takes the request of size bytes at ptr out of its buffer.
func Request(ptr, size uint32) []byte {
	buf := buffers[ptr]
	delete(buffers, ptr)
	return buf[:min(size, uint32(len(buf)))]
}

// Serve answers the call export named export from Components.
func Serve(export string, ptr, size uint32) uint64 {
	return Reply(Components.Call(export, Request(ptr, size)))
}

// Reply hands b to the host as the reply of the current call.
func Reply(b []byte) uint64 {
	reply = b
	runtime.Gosched()
	return abi.PackReply(uint32(uintptr(unsafe.Pointer(unsafe.SliceData(reply)))), uint32(len(reply)))
}
