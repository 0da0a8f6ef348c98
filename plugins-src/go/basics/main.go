// Command basics is the reference plugin of the native binding, written
// with the Go PDK: the components of package basics, under the name basics.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugins/basics.wasm ./plugins-src/go/basics
package main

import (
	pdk "github.com/gatehouse/gatehouse/abi/pdk/go"
	"github.com/gatehouse/gatehouse/plugins-src/go/internal/basics"
)

func init() {
	basics.Register(pdk.Default, "basics")
	basics.RegisterPlanner(pdk.Default)
}

func main() {}
