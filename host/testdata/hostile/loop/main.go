// Command loop is a hostile plugin (hostile-loop) whose environment setter
// loop never returns. The host must stop the call at its time limit with
// code timeout and must not let the stuck instance serve another call.
package main

import (
	"github.com/gatehouse/gatehouse/abi"
	pdk "github.com/gatehouse/gatehouse/abi/pdk/go"
)

func init() {
	pdk.Plugin("hostile-loop", "1.0.0", "environment setter loop never returns")
	pdk.Environment(abi.Component{Name: "loop", Attributes: []string{"loop"}},
		func(abi.EnvironmentRequest) (any, error) {
			for {
			}
		})
}

func main() {}
