//go:build wasip1

// Command basics-extism is the reference plugin of the Extism binding: the
// components of package basics, under the name basics-extism, behind
// Extism-style exports built with the Extism Go PDK. Each export reads the
// msgpack request from the Extism input and writes the msgpack reply
// envelope to the Extism output, answering from the same registry code as
// the native binding.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugins/basics-extism.wasm ./plugins-src/go/basics-extism
package main

import (
	"runtime"

	"github.com/extism/go-pdk"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
	"github.com/gatehouse/gatehouse/plugins-src/go/internal/basics"
)

var components = registry.New()

func init() { basics.Register(components, "basics-extism") }

// serve answers the call export named export from the Extism input.
func serve(export string) int32 {
	pdk.Output(components.Call(export, pdk.Input()))
	runtime.Gosched()
	return 0
}

//go:wasmexport gatehouse_abi_v1
func marker() int32 { return 0 }

//go:wasmexport gatehouse_describe
func describe() int32 { return serve(abi.ExportDescribe) }

//go:wasmexport gatehouse_actuate
func actuate() int32 { return serve(abi.ExportActuate) }

//go:wasmexport gatehouse_oblige
func oblige() int32 { return serve(abi.ExportOblige) }

//go:wasmexport gatehouse_environment
func environment() int32 { return serve(abi.ExportEnvironment) }

//go:wasmexport gatehouse_object
func object() int32 { return serve(abi.ExportObject) }

//go:wasmexport gatehouse_agent_reset
func agentReset() int32 { return serve(abi.ExportAgentReset) }

//go:wasmexport gatehouse_agent_act
func agentAct() int32 { return serve(abi.ExportAgentAct) }

func main() {}
