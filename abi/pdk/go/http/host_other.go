//go:build !wasip1

package http

import (
	"unsafe"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/internal/hostcall"
)

// httpRequest stands in for the http_request host function.
func httpRequest(unsafe.Pointer, uint32) int32 { return hostcall.Unavailable(abi.FuncHTTPRequest) }
