//go:build wasip1

package hostcall

import "unsafe"

//go:wasmimport gatehouse result
func result(buf unsafe.Pointer, size uint32) int32
