// Command oversized is a hostile plugin (hostile-oversized) whose
// environment setter oversized replies with valid msgpack of a little over
// 8 MiB: a value of 8 MiB of bytes. The host must refuse it with code
// reply_too_large when that exceeds its largest reply, without copying more
// than the limit.
package main

import (
	"bytes"

	"github.com/gatehouse/gatehouse/abi"
	pdk "github.com/gatehouse/gatehouse/abi/pdk/go"
)

func init() {
	pdk.Plugin("hostile-oversized", "1.0.0", "environment setter oversized replies with 8 MiB")
	pdk.Environment(abi.Component{Name: "oversized", Attributes: []string{"oversized"}},
		func(abi.EnvironmentRequest) (any, error) { return bytes.Repeat([]byte{'x'}, 8<<20), nil })
}

func main() {}
