// Package http makes outbound HTTP requests through the Gatehouse host's
// http capability, to the hosts the grant allows. A plugin that imports
// this package must declare abi.CapHTTP with pdk.Require.
//
// Outside GOOS=wasip1 Do fails with code unavailable.
package http

import (
	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/internal/hostcall"
)

// Do sends req and returns the response. A response with any status is a
// success; failures to send are *abi.Error values.
func Do(req abi.HTTPRequest) (abi.HTTPResponse, error) {
	return hostcall.RoundTrip[abi.HTTPRequest, abi.HTTPResponse](httpRequest, &req)
}
