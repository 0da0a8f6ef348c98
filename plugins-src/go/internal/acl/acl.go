// Package acl holds the components of the reference plugin acl-basics: the
// obligations, environment setters and object setter that ARPOC ships, under
// ARPOC's names, so that ARPOC policies and service configurations use them
// unchanged (docs/access-control-plugins.md):
//
//   - obligations obl_log, obl_log_successful and obl_log_failed write the
//     decision and its context to the host log, or to a sink the host
//     grants;
//   - environment setters time, datetime, time_hour, time_minute and
//     time_second read the host's clock, in UTC;
//   - object setter urlmap sets object attributes from named groups of
//     regular expressions matched against the request path.
//
// The components take their outside world as functions (a log, a clock), so
// that they are tested natively; Register wires the host's capabilities.
package acl

import (
	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/clock"
	"github.com/gatehouse/gatehouse/abi/pdk/go/log"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
	"github.com/gatehouse/gatehouse/abi/pdk/go/sink"
)

// Name, Version and Description are the plugin's.
const (
	Name        = "acl-basics"
	Version     = "1.0.0"
	Description = "ARPOC's log obligations, time environment setters and urlmap object setter"
)

// Register declares the plugin and registers its components: the
// obligations write to the host log or a sink, the environment setters
// read the host's clock.
func Register(r *registry.Registry) {
	r.Plugin(Name, Version, Description)
	r.Require(abi.CapLog, abi.CapClock, abi.CapSink)
	write := func(to, line string) error {
		if to == "" {
			log.Info(line)
			return nil
		}
		return sink.Write(to, abi.LogInfo, line)
	}
	for _, o := range Obligations {
		r.Obligation(abi.Component{Name: o.Name, Description: o.Description, ConfigKeys: ConfigKeys}, o.handler(write))
	}
	for _, a := range TimeAttributes {
		r.Environment(abi.Component{Name: a.Key, Description: a.Description, Attributes: []string{a.Key}}, a.handler(clock.Now))
	}
	r.Object(abi.Component{Name: "urlmap", Description: urlmapDescription, Priority: objectPriority, ConfigKeys: urlmapConfigKeys}, new(urlmap).set)
}

// objectPriority is the priority of the object setter, ARPOC's default.
const objectPriority = 100
