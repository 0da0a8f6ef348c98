//go:build wasip1

package sink

import "unsafe"

//go:wasmimport gatehouse sink_write
func sinkWrite(sink unsafe.Pointer, sinkLen uint32, level int32, msg unsafe.Pointer, msgLen uint32) int32
