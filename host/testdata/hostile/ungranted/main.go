// Command ungranted is a hostile plugin (hostile-ungranted) that imports
// gatehouse.exec through the exec package and declares the exec capability;
// its environment setter ungranted runs "true". The host must refuse to load
// it with code capability_denied unless exec is granted to it.
package main

import (
	"github.com/gatehouse/gatehouse/abi"
	pdk "github.com/gatehouse/gatehouse/abi/pdk/go"
	"github.com/gatehouse/gatehouse/abi/pdk/go/exec"
)

func init() {
	pdk.Plugin("hostile-ungranted", "1.0.0", "imports exec without a grant")
	pdk.Require(abi.CapExec)
	pdk.Environment(abi.Component{Name: "ungranted", Attributes: []string{"ungranted"}},
		func(abi.EnvironmentRequest) (any, error) {
			res, err := exec.Run(abi.ExecRequest{Program: "true"})
			return res.ExitCode, err
		})
}

func main() {}
