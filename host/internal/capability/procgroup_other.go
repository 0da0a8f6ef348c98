//go:build !unix

package capability

import (
	"os"
	"os/exec"
)

// setProcessGroup does nothing where process groups do not exist: the
// context of cmd kills the program alone.
func setProcessGroup(*exec.Cmd) {}

// killProcessGroup does nothing where process groups do not exist.
func killProcessGroup(*os.Process) error { return nil }

// exitCode returns the exit code of a program.
func exitCode(e *exec.ExitError) int { return e.ExitCode() }
