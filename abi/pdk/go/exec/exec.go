// Package exec runs programs through the Gatehouse host's exec capability:
// programs on the grant's allow list, with an argv, never through a shell.
// A plugin that imports this package must declare abi.CapExec with
// pdk.Require.
//
// Outside GOOS=wasip1 Run fails with code unavailable.
package exec

import (
	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/internal/hostcall"
)

// Run runs req.Program and returns its outcome. A program that ran and
// exited with any code is a success; failures to run it are *abi.Error
// values. When the host runs in dry-run mode the result has DryRun set.
func Run(req abi.ExecRequest) (abi.ExecResult, error) {
	return hostcall.RoundTrip[abi.ExecRequest, abi.ExecResult](hostExec, &req)
}
