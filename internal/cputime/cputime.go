// Package cputime reads the CPU time the process has used, for benchmarks
// on a machine shared with other work, where work per CPU second varies
// less than work per second.
package cputime

import (
	"syscall"
	"testing"
	"time"
)

// Used returns the CPU time the process has used so far, user and system.
func Used(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
