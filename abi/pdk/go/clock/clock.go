// Package clock reads the Gatehouse host's clocks through the clock
// capability. A plugin that imports this package must declare abi.CapClock
// with pdk.Require.
//
// Outside GOOS=wasip1 it reads the local clocks.
package clock

import "time"

// Now returns the host's wall-clock time.
func Now() time.Time { return time.Unix(0, wall()) }

// Monotonic returns the time elapsed on the host's monotonic clock since an
// arbitrary origin. Only differences between two readings are meaningful.
func Monotonic() time.Duration { return time.Duration(monotonic()) }
