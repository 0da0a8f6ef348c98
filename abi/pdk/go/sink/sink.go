// Package sink writes records to the destinations that the Gatehouse
// host's sink capability grants the plugin: a file, the system log or
// mail, each named in the host configuration under
// plugins.<plugin>.grants.sink. A plugin that imports this package must
// declare abi.CapSink with pdk.Require.
//
// Failures are *abi.Error values: capability_denied for a sink the grant
// does not name, invalid_request for a record over the host's limit,
// timeout or unavailable for a destination that does not take it. Outside
// GOOS=wasip1 Write fails with code unavailable.
package sink

import (
	"github.com/gatehouse/gatehouse/abi/pdk/go/internal/hostcall"
)

// Write writes message as one record, at level (abi.LogDebug to
// abi.LogError), to the destination the grant names sink. It returns when
// the destination has taken the record, or with an error.
func Write(sink string, level int32, message string) error {
	sp, sl := hostcall.String(sink)
	mp, ml := hostcall.String(message)
	_, err := hostcall.Result(sinkWrite(sp, sl, level, mp, ml))
	return err
}
