//go:build !wasip1

package clock

import "time"

// origin is the origin of the stand-in monotonic clock.
var origin = time.Now()

// wall stands in for the clock_wall host function.
func wall() int64 { return time.Now().UnixNano() }

// monotonic stands in for the clock_monotonic host function.
func monotonic() int64 { return int64(time.Since(origin)) }
