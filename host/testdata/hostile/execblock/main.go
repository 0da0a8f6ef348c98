// Command execblock is a hostile plugin (hostile-execblock) whose
// environment setter execblock runs "sleep 3600" through the exec
// capability. Granted exec of sleep, the host must still end the call at
// its time limit with code timeout and kill the process.
package main

import (
	"github.com/gatehouse/gatehouse/abi"
	pdk "github.com/gatehouse/gatehouse/abi/pdk/go"
	"github.com/gatehouse/gatehouse/abi/pdk/go/exec"
)

func init() {
	pdk.Plugin("hostile-execblock", "1.0.0", "runs sleep 3600 through exec")
	pdk.Require(abi.CapExec)
	pdk.Environment(abi.Component{Name: "execblock", Attributes: []string{"execblock"}},
		func(abi.EnvironmentRequest) (any, error) {
			res, err := exec.Run(abi.ExecRequest{Program: "sleep", Args: []string{"3600"}})
			return res.ExitCode, err
		})
}

func main() {}
