package decisionlog

import (
	"fmt"
	"maps"
	"strings"

	"github.com/gatehouse/gatehouse/policy"
)

// Masked replaces the value of each masked attribute in the log, so that
// a reader sees that the attribute was there but not its value.
const Masked = "[masked]"

// Mask hides the values of attributes at a set of paths.
type Mask struct {
	root maskNode
}

// maskNode is a part of the masked paths: the value there is masked
// (leaf), or the values at the paths of its children below it.
type maskNode struct {
	leaf     bool
	children map[string]*maskNode
}

// NewMask returns a Mask of paths, each dotted and starting with the
// category of the attribute: "subject.email",
// "access.headers.authorization". A path runs through nested maps; where
// it meets a list it applies to each element, so "subject.accounts.token"
// masks the token of every account. It fails for a path that does not
// start with subject, object, environment or access, or that has an empty
// part, naming it by its index.
func NewMask(paths []string) (*Mask, error) {
	m := &Mask{}
	for i, p := range paths {
		parts := strings.Split(p, ".")
		switch parts[0] {
		case "subject", "object", "environment", "access":
		default:
			return nil, fmt.Errorf("mask[%d] %q: start with subject, object, environment or access", i, p)
		}
		n := &m.root
		for _, part := range parts {
			if part == "" {
				return nil, fmt.Errorf("mask[%d] %q: an empty part", i, p)
			}
			if n.children[part] == nil {
				if n.children == nil {
					n.children = map[string]*maskNode{}
				}
				n.children[part] = &maskNode{}
			}
			n = n.children[part]
		}
		n.leaf = true
	}
	return m, nil
}

// Apply returns the attributes of c as a map of the categories present
// ("subject", "object", "environment", "access"), with the value at each
// of m's paths replaced by Masked. It does not modify c: the maps and
// lists on a masked path are copied, the rest is shared. Paths that c
// does not hold change nothing.
func (m *Mask) Apply(c policy.Attributes) map[string]any {
	root := make(map[string]any, 4)
	put := func(name string, cat map[string]any) {
		if cat != nil {
			root[name] = cat
		}
	}
	put("subject", c.Subject)
	put("object", c.Object)
	put("environment", c.Environment)
	put("access", c.Access)
	if m.root.children == nil {
		return root
	}
	for name, n := range m.root.children {
		if v, ok := root[name]; ok {
			root[name] = n.apply(v)
		}
	}
	return root
}

// apply returns v with the values at n's paths masked, copying the maps
// and lists it changes.
func (n *maskNode) apply(v any) any {
	if n.leaf {
		return Masked
	}
	switch x := v.(type) {
	case map[string]any:
		var out map[string]any
		for k, child := range n.children {
			if e, ok := x[k]; ok {
				if out == nil {
					out = maps.Clone(x)
				}
				out[k] = child.apply(e)
			}
		}
		if out == nil {
			return v
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = n.apply(e)
		}
		return out
	}
	return v
}

// child returns the node of the paths through n and then k, nil when there
// is none or n is nil.
func (n *maskNode) child(k string) *maskNode {
	if n == nil {
		return nil
	}
	return n.children[k]
}
