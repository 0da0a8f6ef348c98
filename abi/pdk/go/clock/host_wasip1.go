//go:build wasip1

package clock

//go:wasmimport gatehouse clock_wall
func wall() int64

//go:wasmimport gatehouse clock_monotonic
func monotonic() int64
