// Package basics holds the components of the reference plugins basics
// (native binding) and basics-extism (Extism binding): one or more of each
// kind, with simple, deterministic behaviour. Both plugins register them
// with Register, so the two bindings answer alike.
package basics

import (
	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
)

// Version and Description are the plugin's, whichever binding it uses.
const (
	Version     = "1.0.0"
	Description = "reference components, one or more of each kind"
)

// Register declares the plugin under name and registers its components.
func Register(r *registry.Registry, name string) {
	r.Plugin(name, Version, Description)
	r.Actuator(abi.Component{
		Name:        "echo",
		Description: "answers query features and echoes the other commands it supports",
		Profiles:    echoProfiles,
		Pairs:       echoPairs,
	}, Echo)
	r.Obligation(abi.Component{
		Name:        "require-reason",
		Description: "fulfilled only when access.reason is a non-empty string",
	}, RequireReason)
	r.Environment(abi.Component{
		Name:        "weekday",
		Description: "the weekday of environment.time (RFC 3339)",
		Attributes:  []string{"weekday"},
	}, Weekday)
	r.Environment(abi.Component{
		Name:        "echo",
		Description: "returns the key asked for and subject.id, for benchmarks",
		Attributes:  []string{"echo"},
	}, EchoEnvironment)
	r.Object(abi.Component{
		Name:        "path-segments",
		Description: "sets segments to the path's segments and resource to the first",
	}, PathSegments)
	r.Agent(abi.Component{
		Name:        "greedy",
		Description: "reaches for a goal, plans moves over the edges, else takes the least risk",
	}, greedy.reset, greedy.act)
	r.Agent(abi.Component{
		Name:        "random-walk",
		Description: "takes a goal when offered, else a pseudo-random choice from the seed, location and tick",
		Options: []abi.Option{{
			Name:        "goal-bias",
			Description: "take a choice that reaches a goal when one is offered",
			Default:     "true",
		}},
	}, randomWalk.reset, randomWalk.act)
}
