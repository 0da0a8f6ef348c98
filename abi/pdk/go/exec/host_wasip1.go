//go:build wasip1

package exec

import "unsafe"

//go:wasmimport gatehouse exec
func hostExec(req unsafe.Pointer, reqLen uint32) int32
