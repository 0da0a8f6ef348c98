// Command acl-jsonsetter is the reference plugin of ARPOC's object setter
// jsonsetter, written with the Go PDK (package jsonsetter). It needs the
// http capability: grant it with the hosts of the web services it may ask,
// and no others.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugins/acl-jsonsetter.wasm ./plugins-src/go/acl-jsonsetter
package main

import (
	pdk "github.com/gatehouse/gatehouse/abi/pdk/go"
	"github.com/gatehouse/gatehouse/plugins-src/go/internal/jsonsetter"
)

func init() { jsonsetter.Register(pdk.Default) }

func main() {}
