//go:build !wasip1

package plan

import (
	"unsafe"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/internal/hostcall"
)

// hostPlan stands in for the plan host function.
func hostPlan(unsafe.Pointer, uint32) int32 { return hostcall.Unavailable(abi.FuncPlan) }
