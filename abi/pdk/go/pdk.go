// Package pdk is the Go plugin development kit for Gatehouse ABI v1, native
// binding. A plugin is a package main built as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o NAME.wasm .
//
// It registers its components in init, since a reactor runs init but not
// main:
//
//	func init() {
//		pdk.Plugin("hello", "1.0.0", "says hello")
//		pdk.Environment(abi.Component{Name: "greeting", Attributes: []string{"greeting"}},
//			func(req abi.EnvironmentRequest) (any, error) { return "hello", nil })
//	}
//
//	func main() {}
//
// Importing the package adds, under GOOS=wasip1, the exports of the native
// binding: the marker abi.Marker, gatehouse_alloc and gatehouse_free, and
// every call export, which answer from Default. gatehouse_describe returns
// the manifest built from the registrations; gatehouse_start runs the
// function given to OnStart, if any.
//
// A handler may keep the strings of its request, and anything it copies
// out of it, but not the request's maps and slices: each call decodes into
// those of the last call again (see registry.Registry.AppendCall). Clone
// what must outlive the call, as slices.Clone(req.Goals).
//
// Host capabilities live in the subpackages log, clock, kv, http and exec,
// so that a module imports only the host functions of the capabilities it
// uses. Declare those with Require.
//
// On other platforms the package builds without the exports, so a plugin
// can be tested with go test through Call.
package pdk

import (
	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
)

// Default is the registry the package-level functions register into and
// the exports answer from.
var Default = registry.New()

// Plugin sets the plugin's name, version and description in the manifest.
func Plugin(name, version, description string) { Default.Plugin(name, version, description) }

// Require declares capabilities the plugin uses; they must match the
// capability packages it imports.
func Require(caps ...abi.Capability) { Default.Require(caps...) }

// Actuator registers an actuator; it sets c.Kind and panics on a duplicate
// name or a nil handler, as do the other registration functions.
func Actuator(c abi.Component, h registry.ActuatorFunc) { Default.Actuator(c, h) }

// Obligation registers an obligation.
func Obligation(c abi.Component, h registry.ObligationFunc) { Default.Obligation(c, h) }

// Environment registers an environment setter that returns the value of
// the attribute the request asks for, or nil when it does not know it.
func Environment(c abi.Component, h registry.EnvironmentFunc) { Default.Environment(c, h) }

// Object registers an object setter that returns the attributes to merge.
func Object(c abi.Component, h registry.ObjectFunc) { Default.Object(c, h) }

// Agent registers an agent with its reset and act handlers.
func Agent(c abi.Component, reset registry.AgentResetFunc, act registry.AgentActFunc) {
	Default.Agent(c, reset, act)
}

// OnStart registers the function gatehouse_start runs: once per loaded
// version of the plugin, with its capabilities, before any component is
// called. An error fails the load, and a version already serving keeps
// serving. Use it to bring state outside the plugin in line with what kv
// holds.
func OnStart(f registry.StartFunc) { Default.OnStart(f) }

// Call answers the call export named export for a msgpack request as the
// plugin's export would, returning the msgpack reply. It is meant for tests.
func Call(export string, request []byte) []byte { return Default.Call(export, request) }
