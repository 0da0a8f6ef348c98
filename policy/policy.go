// Package policy decides access requests with attribute-based access
// control rules compatible with ARPOC: policy sets, policies and rules
// loaded from JSON entity files, whose Target and Condition expressions
// (package policy/expr) test the attributes of the subject, the object, the
// environment and the access.
//
// Load reads entity files into an immutable Snapshot, reporting every
// broken file or entity while the rest loads; Watch reloads it when the
// files change. An Engine holds the snapshot in use and answers Decide:
// it evaluates a policy set, fetching environment attributes and running
// object setters only when an expression needs them, runs the obligations
// of the entities that applied, and explains what each entity yielded.
// Requests carry Attributes, the package's own type, never the plugin
// ABI's. Plugins take part through three small interfaces,
// EnvironmentSource, ObjectSetter and ObligationRunner; package app/attrs
// implements them over the plugin host, converting the attributes to the
// ABI's context.
//
// docs/policy-language.md describes the language and the evaluation,
// and every difference from ARPOC.
package policy

import (
	"fmt"
)

// Result is the outcome of an entity, or of a whole decision.
type Result uint8

// The results. The zero Result is NotApplicable.
const (
	NotApplicable Result = iota
	Grant
	Deny
)

var resultNames = [...]string{"NOT_APPLICABLE", "GRANT", "DENY"}

// String returns "GRANT", "DENY" or "NOT_APPLICABLE".
func (r Result) String() string {
	if int(r) < len(resultNames) {
		return resultNames[r]
	}
	return fmt.Sprintf("Result(%d)", r)
}

// MarshalText returns the result's name.
func (r Result) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a result's name.
func (r *Result) UnmarshalText(b []byte) error {
	for i, n := range resultNames {
		if string(b) == n {
			*r = Result(i)
			return nil
		}
	}
	return fmt.Errorf("%q is not GRANT, DENY or NOT_APPLICABLE", b)
}

// inverse returns Deny for Grant and Grant for Deny.
func (r Result) inverse() Result {
	if r == Grant {
		return Deny
	}
	return Grant
}

// Kind is the type of an entity.
type Kind uint8

// The kinds of entities, from the top of the hierarchy down.
const (
	KindPolicySet Kind = iota
	KindPolicy
	KindRule
)

var kindNames = [...]string{"PolicySet", "Policy", "Rule"}

var kindWords = [...]string{"policy set", "policy", "rule"}

// String returns the kind as the entity files write it: "PolicySet",
// "Policy" or "Rule".
func (k Kind) String() string { return kindNames[k] }

// word returns the kind for messages: "policy set", "policy", "rule".
func (k Kind) word() string { return kindWords[k] }

// MarshalText returns the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Resolver is a combining algorithm: how a policy set or a policy turns the
// results of the entities it contains into its own.
type Resolver uint8

// The resolvers. Any and And are ARPOC's; the others are XACML's
// algorithms of the same names. docs/policy-language.md gives each one's
// table. The zero Resolver is none, a rule's.
const (
	// Any grants as soon as a contained entity grants; else it denies if one
	// denied; else it does not apply. ARPOC's "ANY".
	Any Resolver = iota + 1
	// And denies as soon as a contained entity denies; else it grants if one
	// granted; else it does not apply. ARPOC's "AND".
	And
	// DenyOverrides denies as soon as a contained entity denies; else it
	// denies if one was incomplete (an attribute or an entity was missing);
	// else it grants if one granted; else it does not apply.
	DenyOverrides
	// PermitOverrides grants as soon as a contained entity grants; else it
	// denies if one was incomplete or denied; else it does not apply.
	PermitOverrides
	// FirstApplicable takes the result of the first contained entity that
	// grants or denies, and denies at the first that is incomplete.
	FirstApplicable
)

var resolverNames = [...]string{"", "ANY", "AND", "deny-overrides", "permit-overrides", "first-applicable"}

// String returns the resolver as the entity files write it, or "" for
// none.
func (r Resolver) String() string { return resolverNames[r] }

// MarshalText returns the resolver's name.
func (r Resolver) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// parseResolver returns the resolver named s.
func parseResolver(s string) (Resolver, bool) {
	for i, n := range resolverNames {
		if s == n && i > 0 {
			return Resolver(i), true
		}
	}
	return 0, false
}
