// Command acl-basics is the reference plugin of the access-control
// components ARPOC ships, written with the Go PDK: the log obligations
// (obl_log, obl_log_successful, obl_log_failed), the time environment
// setters (time, datetime, time_hour, time_minute, time_second) and the
// object setter urlmap, from package acl. Grant it log and clock.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugins/acl-basics.wasm ./plugins-src/go/acl-basics
package main

import (
	pdk "github.com/gatehouse/gatehouse/abi/pdk/go"
	"github.com/gatehouse/gatehouse/plugins-src/go/internal/acl"
)

func init() { acl.Register(pdk.Default) }

func main() {}
