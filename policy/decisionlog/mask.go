package decisionlog

import (
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/abi"
)

// Masked replaces the value of each masked attribute in the log, so that
// a reader sees that the attribute was there but not its value.
const Masked = "[masked]"

// Mask hides the values of attributes at a set of paths.
type Mask struct {
	paths [][]string
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
		for _, part := range parts {
			if part == "" {
				return nil, fmt.Errorf("mask[%d] %q: an empty part", i, p)
			}
		}
		m.paths = append(m.paths, parts)
	}
	return m, nil
}

// Apply returns the attributes of c as a map of the categories present
// ("subject", "object", "environment", "access"), with the value at each
// of m's paths replaced by Masked. It does not modify c: the maps and
// lists on a masked path are copied, the rest is shared. Paths that c
// does not hold change nothing.
func (m *Mask) Apply(c abi.Context) map[string]any {
	root := map[string]any{}
	for name, cat := range map[string]map[string]any{"subject": c.Subject, "object": c.Object, "environment": c.Environment, "access": c.Access} {
		if cat != nil {
			root[name] = cat
		}
	}
	for _, p := range m.paths {
		root = mask(root, p).(map[string]any)
	}
	return root
}

// mask returns v with the value at path replaced by Masked, copying what
// it changes.
func mask(v any, path []string) any {
	if len(path) == 0 {
		return Masked
	}
	switch x := v.(type) {
	case map[string]any:
		child, ok := x[path[0]]
		if !ok {
			return v
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		out[path[0]] = mask(child, path[1:])
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = mask(e, path)
		}
		return out
	}
	return v
}
