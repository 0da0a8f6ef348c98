// Package abi defines version 1 of the Gatehouse plugin ABI: the names a
// plugin exports and imports, the msgpack messages that cross the Wasm
// boundary, the error codes and the capabilities.
//
// The package is the leaf that the host, plugins and the adapters between
// the host and the domains share; the domains (policy, sim) decide and
// simulate over their own types, which the adapters convert. It depends
// only on msgpack and the standard library and builds for GOOS=wasip1, so
// plugins written in Go use the very same types as the host.
// abi/README.md is the normative specification.
package abi

import "strconv"

// Major and Minor are the ABI version this package implements. A plugin
// built for another major version is refused; a plugin built for another
// minor version of the same major is accepted (see abi/README.md,
// "Compatible evolution").
const (
	Major = 1
	Minor = 3
)

// Version is the ABI version as written in manifests: "MAJOR.MINOR".
var Version = strconv.Itoa(Major) + "." + strconv.Itoa(Minor)

// MarkerPrefix starts the name of the export that declares a module's ABI
// major version; Marker is the one for this version. The host looks for it
// in the module's export section before running any plugin code.
const (
	MarkerPrefix = "gatehouse_abi_v"
	Marker       = "gatehouse_abi_v1"
)

// Exports a plugin provides. Every call export except the native-binding
// allocator pair takes a msgpack request and returns a msgpack reply.
// ExportStart is optional (ABI 1.1): the host calls it once per loaded
// version of a plugin that has it, before the version serves.
const (
	ExportDescribe    = "gatehouse_describe"
	ExportStart       = "gatehouse_start"
	ExportAlloc       = "gatehouse_alloc"
	ExportFree        = "gatehouse_free"
	ExportActuate     = "gatehouse_actuate"
	ExportOblige      = "gatehouse_oblige"
	ExportEnvironment = "gatehouse_environment"
	ExportObject      = "gatehouse_object"
	ExportAgentReset  = "gatehouse_agent_reset"
	ExportAgentAct    = "gatehouse_agent_act"
)

// Kind is the kind of a component: what the host asks of it.
type Kind string

// The five component kinds of ABI v1.
const (
	KindActuator    Kind = "actuator"
	KindObligation  Kind = "obligation"
	KindEnvironment Kind = "environment"
	KindObject      Kind = "object"
	KindAgent       Kind = "agent"
)

// Kinds lists every kind in a fixed order.
var Kinds = []Kind{KindActuator, KindObligation, KindEnvironment, KindObject, KindAgent}

// Exports returns the call exports a plugin must provide for a component of
// kind k, or nil when k is not a kind of this ABI.
func (k Kind) Exports() []string {
	switch k {
	case KindActuator:
		return []string{ExportActuate}
	case KindObligation:
		return []string{ExportOblige}
	case KindEnvironment:
		return []string{ExportEnvironment}
	case KindObject:
		return []string{ExportObject}
	case KindAgent:
		return []string{ExportAgentReset, ExportAgentAct}
	}
	return nil
}

// Valid reports whether k is a kind of this ABI.
func (k Kind) Valid() bool { return k.Exports() != nil }

// PackReply packs a reply's address and length into the u64 a native-binding
// call export returns: the pointer in the high 32 bits, the length in the low.
func PackReply(ptr, length uint32) uint64 { return uint64(ptr)<<32 | uint64(length) }

// UnpackReply is the inverse of PackReply.
func UnpackReply(packed uint64) (ptr, length uint32) {
	return uint32(packed >> 32), uint32(packed)
}
