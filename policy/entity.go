package policy

import (
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/policy/expr"
)

// Entity is a policy set, a policy or a rule as its file defines it.
type Entity struct {
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// File and Line say where the entity is defined.
	File        string `json:"file"`
	Line        int    `json:"line"`
	Description string `json:"description,omitempty"`
	// Target decides whether the entity applies; "True" when the file
	// gives none.
	Target string `json:"target"`
	// Condition and Effect (Grant or Deny) are a rule's.
	Condition string `json:"condition,omitempty"`
	Effect    Result `json:"effect,omitempty"`
	// Resolver is a policy set's or a policy's. A policy set contains
	// PolicySets and Policies, evaluated in that order; a policy contains
	// Rules.
	Resolver   Resolver `json:"resolver,omitempty"`
	PolicySets []string `json:"policy_sets,omitempty"`
	Policies   []string `json:"policies,omitempty"`
	Rules      []string `json:"rules,omitempty"`
	// Obligations name the obligations to run when the entity applies.
	Obligations []string `json:"obligations,omitempty"`
}

// entity is a loaded entity with its expressions parsed and its references
// linked.
type entity struct {
	Entity
	index     int // in Snapshot.entities
	target    *expr.Expr
	condition *expr.Expr
	children  []child        // policy sets, then policies; or rules
	lines     map[string]int // the line of each key of the definition
	// reach is the number of entities a decision from this one may
	// evaluate, itself included, and reachKids the number of their
	// references: what a decision allocates for its explanation.
	reach, reachKids int
}

// child is a reference from a policy set or a policy to an entity it
// contains; e is nil when no such entity is loaded.
type child struct {
	kind Kind
	id   string
	e    *entity
}

// Problem is something wrong in the entity files: a file or an entity that
// was refused, a reference to an entity that is not loaded, or a warning.
// Error gives it on one line, naming the file, the entity and, within a
// Target or Condition, the column.
type Problem struct {
	// File is the file, as its path was given or found in a folder.
	File string `json:"file,omitempty"`
	// Line and Col locate the problem in the file (Col only for JSON
	// syntax errors); for an entity, Line is where its definition or the
	// key at fault starts.
	Line int `json:"line,omitempty"`
	Col  int `json:"col,omitempty"`
	// Entity and Kind ("PolicySet", "Policy", "Rule", or "" when unknown)
	// name the entity at fault.
	Entity string `json:"entity,omitempty"`
	Kind   string `json:"kind,omitempty"`
	// Field is the key of the entity at fault: "Target", "Rules", ...
	Field string `json:"field,omitempty"`
	// Column is the column in the Target or Condition, in characters from 1.
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
	// Warning is set for a problem that refuses nothing and changes no
	// meaning, such as and and or mixed without parentheses. Every other
	// problem is an error: a refused file or entity, or a reference to an
	// entity that is not loaded.
	Warning bool `json:"warning,omitempty"`
	// firstFile and firstLine are, for a definition refused because its
	// id was defined before, where the definition kept is.
	firstFile string
	firstLine int
}

// Error returns the problem on one line:
//
//	rules.json:12: rule "r1": Condition, column 9: unexpected end of expression
func (p Problem) Error() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
			if p.Col > 0 {
				fmt.Fprintf(&b, ":%d", p.Col)
			}
		}
		b.WriteString(": ")
	}
	if p.Entity != "" {
		fmt.Fprintf(&b, "%s %q: ", kindWord(p.Kind), p.Entity)
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		if p.Column > 0 {
			fmt.Fprintf(&b, ", column %d", p.Column)
		}
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// kindWord returns the word for a kind named as the files do, "entity"
// when it is not known.
func kindWord(kind string) string {
	for k, n := range kindNames {
		if n == kind {
			return Kind(k).word()
		}
	}
	return "entity"
}
