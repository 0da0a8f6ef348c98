// Command memhog is a hostile plugin (hostile-memhog) whose environment
// setter memhog allocates and touches memory without bound. At the
// instance's memory limit memory.grow fails, and the Go runtime prints
// "fatal error: out of memory" and aborts with a Wasm unreachable trap. The
// host must not grow the memory past its limit, must report code memory (or
// trap if it cannot tell) and must replace the instance.
package main

import (
	"github.com/gatehouse/gatehouse/abi"
	pdk "github.com/gatehouse/gatehouse/abi/pdk/go"
)

// hoard keeps every allocation reachable so the collector frees nothing.
var hoard [][]byte

func init() {
	pdk.Plugin("hostile-memhog", "1.0.0", "environment setter memhog allocates without bound")
	pdk.Environment(abi.Component{Name: "memhog", Attributes: []string{"memhog"}},
		func(abi.EnvironmentRequest) (any, error) {
			for {
				b := make([]byte, 1<<20)
				for i := 0; i < len(b); i += 4096 {
					b[i] = 1
				}
				hoard = append(hoard, b)
			}
		})
}

func main() {}
