//go:build wasip1

// Command malformed is a hostile plugin (hostile-malformed) whose
// environment setter malformed replies with bytes that are not msgpack
// (0xc1 is a byte msgpack never uses). Its manifest is well formed. The host
// must fail the call with code malformed_reply.
package main

import (
	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/testdata/hostile/internal/raw"
)

func init() {
	raw.Components.Plugin("hostile-malformed", "1.0.0", "environment setter malformed replies with garbage")
	raw.Components.Environment(abi.Component{Name: "malformed", Attributes: []string{"malformed"}},
		func(abi.EnvironmentRequest) (any, error) { panic("unreachable: the export answers itself") })
}

//go:wasmexport gatehouse_abi_v1
func marker() {}

//go:wasmexport gatehouse_environment
func environment(ptr, size uint32) uint64 {
	raw.Request(ptr, size)
	return raw.Reply([]byte("\xc1 this is not msgpack"))
}

func main() {}
