//go:build wasip1

package http

import "unsafe"

//go:wasmimport gatehouse http_request
func httpRequest(req unsafe.Pointer, reqLen uint32) int32
