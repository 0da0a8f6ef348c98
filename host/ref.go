package host

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/abi"
)

// Ref is a reference to a component, written [KIND:][PLUGIN/]NAME
// (docs/plugins.md, "Naming a component"): the component's name, after
// the name of the plugin that provides it when several do, after its kind
// when components of several kinds share the name:
//
//	weekday                  the only component named weekday
//	basics/echo              the component echo of the plugin basics
//	environment:echo         the environment component echo
//	environment:basics/echo  all three
//
// Where a call fixes the kind, such as an OpenC2 actuator or an obligation,
// a kind given must be that one. Every reference a user writes, in
// flags, configuration and requests, is read by ParseRef.
type Ref struct {
	Kind   abi.Kind // "" when not given
	Plugin string   // "" when not given
	Name   string
}

// ParseRef reads a reference [KIND:][PLUGIN/]NAME. Its errors name the
// reference and what is wrong. The form KIND/NAME, which reads as a plugin
// named like a kind, is refused with the form to write instead.
func ParseRef(s string) (Ref, error) {
	var r Ref
	rest := s
	if kind, after, ok := strings.Cut(s, ":"); ok {
		r.Kind, rest = abi.Kind(kind), after
		if !r.Kind.Valid() {
			return Ref{}, refErrorf(s, "unknown kind %q; the kinds are %s", kind, kinds())
		}
	}
	if plugin, name, ok := strings.Cut(rest, "/"); ok {
		r.Plugin, r.Name = plugin, name
		if r.Plugin == "" {
			return Ref{}, refErrorf(s, "the plugin before / is empty")
		}
		if r.Kind == "" && abi.Kind(r.Plugin).Valid() {
			return Ref{}, refErrorf(s, "%s is a kind, written before a colon: %s:%s; a plugin named %s is written KIND:%s", r.Plugin, r.Plugin, name, r.Plugin, s)
		}
	} else {
		r.Name = rest
	}
	switch {
	case r.Name == "":
		return Ref{}, refErrorf(s, "the component name is empty")
	case strings.ContainsAny(r.Name, ":/"):
		return Ref{}, refErrorf(s, "more than one kind or plugin")
	}
	return r, nil
}

// ParseRefOf reads a reference to a component of kind, as ParseRef does,
// and refuses one that gives another kind. The Ref's Kind is kind.
func ParseRefOf(kind abi.Kind, s string) (Ref, error) {
	r, err := ParseRef(s)
	if err == nil && r.Kind != "" && r.Kind != kind {
		err = fmt.Errorf("component reference %q: names a component of kind %s, where kind %s is wanted", s, r.Kind, kind)
	}
	if err != nil {
		return Ref{}, err
	}
	r.Kind = kind
	return r, nil
}

// refErrorf returns an error about the reference s that says how
// references are written.
func refErrorf(s, format string, args ...any) error {
	return fmt.Errorf("component reference %q: %s (want [KIND:][PLUGIN/]NAME)", s, fmt.Sprintf(format, args...))
}

// kinds returns the kinds as a list for a message.
func kinds() string {
	s := make([]string, len(abi.Kinds))
	for i, k := range abi.Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// String returns r as it is written: [KIND:][PLUGIN/]NAME.
func (r Ref) String() string {
	s := r.Name
	if r.Plugin != "" {
		s = r.Plugin + "/" + s
	}
	if r.Kind != "" {
		s = string(r.Kind) + ":" + s
	}
	return s
}

// Matches reports whether r names the component c.
func (r Ref) Matches(c ComponentInfo) bool {
	return c.Component.Name == r.Name && (r.Kind == "" || r.Kind == c.Component.Kind) && (r.Plugin == "" || r.Plugin == c.Plugin)
}

// Find returns the components h serves now that r names, in the order of
// abi.Kinds and then of Components.
func (h *Host) Find(r Ref) []ComponentInfo {
	var out []ComponentInfo
	for _, k := range abi.Kinds {
		if r.Kind != "" && r.Kind != k {
			continue
		}
		for _, c := range h.Components(k) {
			if r.Matches(c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// Resolve returns the one component that ref, [KIND:][PLUGIN/]NAME, names
// among the components h serves, of any kind. It serves tools that load
// one plugin, where a component is named by its kind rather than its
// plugin; its errors list the components to choose from.
func (h *Host) Resolve(ref string) (ComponentInfo, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return ComponentInfo{}, err
	}
	found := h.Find(r)
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		var all []ComponentInfo
		for _, k := range abi.Kinds {
			all = append(all, h.Components(k)...)
		}
		if len(all) == 0 {
			return ComponentInfo{}, fmt.Errorf("no component %q; no plugin is loaded", ref)
		}
		return ComponentInfo{}, fmt.Errorf("no component %q; the plugins provide %s", ref, strings.Join(kindRefs(all), ", "))
	}
	return ComponentInfo{}, fmt.Errorf("several components match %q; say which: %s", ref, strings.Join(kindRefs(found), ", "))
}

// kindRefs returns the references of cs with their kinds: KIND:NAME when
// one plugin provides them all, else KIND:PLUGIN/NAME.
func kindRefs(cs []ComponentInfo) []string {
	out := make([]string, len(cs))
	onePlugin := !slices.ContainsFunc(cs, func(c ComponentInfo) bool { return c.Plugin != cs[0].Plugin })
	for i, c := range cs {
		r := Ref{Kind: c.Component.Kind, Plugin: c.Plugin, Name: c.Component.Name}
		if onePlugin {
			r.Plugin = ""
		}
		out[i] = r.String()
	}
	return out
}
