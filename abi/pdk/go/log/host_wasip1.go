//go:build wasip1

package log

import "unsafe"

//go:wasmimport gatehouse log
func hostLog(level int32, msg unsafe.Pointer, size uint32)
