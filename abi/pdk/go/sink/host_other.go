//go:build !wasip1

package sink

import (
	"unsafe"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/internal/hostcall"
)

// sinkWrite stands in for the sink_write host function.
func sinkWrite(unsafe.Pointer, uint32, int32, unsafe.Pointer, uint32) int32 {
	return hostcall.Unavailable(abi.FuncSinkWrite)
}
