//go:build wasip1

// Command abiv9 is a hostile plugin (hostile-abiv9) that exports the marker
// gatehouse_abi_v9 instead of gatehouse_abi_v1; otherwise it is a well-formed
// native plugin with an environment setter abiv9. The host must refuse to
// load it with code abi_mismatch, before running any of its code.
package main

import (
	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/testdata/hostile/internal/raw"
)

func init() {
	raw.Components.Plugin("hostile-abiv9", "1.0.0", "declares ABI v9")
	raw.Components.Environment(abi.Component{Name: "abiv9", Attributes: []string{"abiv9"}},
		func(abi.EnvironmentRequest) (any, error) { return "v9", nil })
}

//go:wasmexport gatehouse_abi_v9
func marker() {}

//go:wasmexport gatehouse_environment
func environment(ptr, size uint32) uint64 { return raw.Serve(abi.ExportEnvironment, ptr, size) }

func main() {}
