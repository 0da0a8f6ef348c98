// Command trap is a hostile plugin (hostile-trap) whose environment setter
// trap reads memory far beyond the module's linear memory. That is a Wasm
// trap, which no Go recover (and so no PDK) can catch. The host must report
// code trap and replace the instance.
package main

import (
	"unsafe"

	"github.com/gatehouse/gatehouse/abi"
	pdk "github.com/gatehouse/gatehouse/abi/pdk/go"
)

// sink keeps the out-of-bounds read from being optimised away.
var sink byte

func init() {
	pdk.Plugin("hostile-trap", "1.0.0", "environment setter trap traps")
	pdk.Environment(abi.Component{Name: "trap", Attributes: []string{"trap"}},
		func(abi.EnvironmentRequest) (any, error) {
			sink = *(*byte)(unsafe.Add(unsafe.Pointer(nil), 0xffff_fff0))
			return sink, nil
		})
}

func main() {}
