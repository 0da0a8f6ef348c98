//go:build wasip1

package plan

import "unsafe"

//go:wasmimport gatehouse plan
func hostPlan(req unsafe.Pointer, reqLen uint32) int32
