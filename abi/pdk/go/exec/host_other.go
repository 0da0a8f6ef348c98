//go:build !wasip1

package exec

import (
	"unsafe"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/internal/hostcall"
)

// hostExec stands in for the exec host function.
func hostExec(unsafe.Pointer, uint32) int32 { return hostcall.Unavailable(abi.FuncExec) }
