package policy

import (
	"fmt"
	"strings"
)

// Node is an entity in the explanation of a decision: what it yielded,
// why, and the nodes of the entities it contains that were evaluated, in
// order. An entity contained twice is evaluated once, and its node appears
// under both.
type Node struct {
	ID     string `json:"id"`
	Kind   Kind   `json:"kind"`
	Result Result `json:"result"`
	// Incomplete is set when an attribute or an entity the entity needed
	// was missing: Result is then what ARPOC gives in that case, or, under
	// an XACML resolver, a deny in place of XACML's Indeterminate.
	Incomplete bool   `json:"incomplete,omitempty"`
	Reason     Reason `json:"reason"`
	// Detail is the missing attribute, the missing entity or the failure.
	Detail string `json:"detail,omitempty"`
	// Resolver is a policy set's or a policy's.
	Resolver Resolver `json:"resolver,omitempty"`
	Children []*Node  `json:"children,omitempty"`

	entity int32 // the entity's index in its snapshot
}

// Reason says how an entity came to its result.
type Reason uint8

// The reasons.
const (
	// ReasonTargetFalse: the target is false; the entity does not apply.
	ReasonTargetFalse Reason = iota + 1
	// ReasonTargetMissing: the target needs a missing attribute; the
	// entity does not apply.
	ReasonTargetMissing
	// ReasonConditionTrue: a rule's condition is true; it yields its effect.
	ReasonConditionTrue
	// ReasonConditionFalse: a rule's condition is false; it yields the
	// opposite of its effect.
	ReasonConditionFalse
	// ReasonConditionMissing: a rule's condition needs a missing
	// attribute; it denies.
	ReasonConditionMissing
	// ReasonCombined: the resolver combined the results of the contained
	// entities.
	ReasonCombined
	// ReasonMissingReference: the entity contains one that is not loaded;
	// it does not apply.
	ReasonMissingReference
	// ReasonFailed: an expression failed, in this entity or in one it
	// contains; the entity and the decision deny.
	ReasonFailed
)

var reasonNames = [...]string{"", "target-false", "target-missing", "condition-true", "condition-false",
	"condition-missing", "combined", "missing-reference", "failed"}

var reasonTexts = [...]string{"", "target is false", "target needs", "condition is true", "condition is false",
	"condition needs", "", "", "failed"}

// String returns the reason's name: "target-false", "combined", ...
func (r Reason) String() string { return reasonNames[r] }

// MarshalText returns the reason's name.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Explain returns the explanation of d as text, one line per entity,
// indented by depth:
//
//	policy set ps: GRANT (AND)
//	  policy p1: GRANT (ANY)
//	    rule r1: GRANT (condition is true)
//	  policy p2: NOT_APPLICABLE (target is false)
func (d *Decision) Explain() string {
	var b strings.Builder
	if d.Explanation != nil {
		d.Explanation.write(&b, 0)
	}
	return b.String()
}

// write writes n and its children at depth.
func (n *Node) write(b *strings.Builder, depth int) {
	fmt.Fprintf(b, "%s%s %s: %s", strings.Repeat("  ", depth), n.Kind.word(), n.ID, n.Result)
	if n.Incomplete {
		b.WriteString(", incomplete")
	}
	var why []string
	if n.Resolver != 0 && (n.Reason == ReasonCombined || n.Reason == ReasonFailed) {
		why = append(why, n.Resolver.String())
	}
	if t := reasonTexts[n.Reason]; t != "" {
		why = append(why, t)
	}
	if n.Detail != "" {
		if n.Reason == ReasonFailed {
			why[len(why)-1] += ":"
		}
		why = append(why, n.Detail)
	}
	if len(why) > 0 {
		fmt.Fprintf(b, " (%s)", strings.Join(why, " "))
	}
	b.WriteByte('\n')
	for _, c := range n.Children {
		c.write(b, depth+1)
	}
}
