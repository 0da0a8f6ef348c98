package abi

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// DescribeRequest is what the host passes to gatehouse_describe.
type DescribeRequest struct {
	// HostABI is the ABI version of the host, "MAJOR.MINOR".
	HostABI string `msgpack:"host_abi" json:"host_abi"`
}

// Manifest is what a plugin says of itself in reply to gatehouse_describe.
type Manifest struct {
	// ABI is the ABI version the plugin was built for, "MAJOR.MINOR".
	ABI         string `msgpack:"abi" json:"abi"`
	Name        string `msgpack:"name" json:"name"`
	Version     string `msgpack:"version" json:"version"`
	Description string `msgpack:"description,omitempty" json:"description,omitempty"`
	// Components are the components the plugin provides; at least one.
	Components []Component `msgpack:"components" json:"components"`
	// Capabilities are the host capabilities the plugin asks for. They must
	// match the capabilities the module imports.
	Capabilities []Capability `msgpack:"capabilities,omitempty" json:"capabilities,omitempty"`
}

// Component is one component of a plugin. The fields after Description
// apply to one kind each and are ignored for the others.
type Component struct {
	Kind        Kind   `msgpack:"kind" json:"kind"`
	Name        string `msgpack:"name" json:"name"`
	Description string `msgpack:"description,omitempty" json:"description,omitempty"`

	// Profiles are the OpenC2 actuator profiles an actuator implements, by
	// namespace identifier ("slpf").
	Profiles []string `msgpack:"profiles,omitempty" json:"profiles,omitempty"`
	// Pairs maps each OpenC2 action an actuator supports to its targets.
	Pairs map[string][]string `msgpack:"pairs,omitempty" json:"pairs,omitempty"`
	// Attributes are the environment attribute keys an environment setter
	// provides.
	Attributes []string `msgpack:"attributes,omitempty" json:"attributes,omitempty"`
	// Priority orders object setters: lower runs first.
	Priority int `msgpack:"priority,omitempty" json:"priority,omitempty"`
	// Options are the settings an agent accepts at reset.
	Options []Option `msgpack:"options,omitempty" json:"options,omitempty"`
	// ConfigKeys are the keys of its configuration that an obligation or
	// object setter reads (ABI 1.2): the host warns, naming it, of each
	// other key configured for the component. Empty declares nothing and
	// warns of nothing.
	ConfigKeys []string `msgpack:"config_keys,omitempty" json:"config_keys,omitempty"`
}

// Option is a setting an agent accepts.
type Option struct {
	Name        string `msgpack:"name" json:"name"`
	Description string `msgpack:"description,omitempty" json:"description,omitempty"`
	Default     string `msgpack:"default,omitempty" json:"default,omitempty"`
}

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

var versionPattern = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$`)

// ParseVersion parses an ABI version "MAJOR.MINOR": two decimal numbers
// without sign or leading zeros.
func ParseVersion(v string) (major, minor int, err error) {
	m := versionPattern.FindStringSubmatch(v)
	if m == nil {
		return 0, 0, fmt.Errorf("abi version %q is not MAJOR.MINOR", v)
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor, nil
}

// Validate checks a manifest against this ABI: a supported major version,
// well-formed names, known kinds and capabilities, unique component names per
// kind. It reports every problem it finds, joined. Components of unknown
// kinds are problems unless the manifest's minor version is newer than this
// package's: SkipUnknownKinds drops those first.
func (m *Manifest) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if major, _, err := ParseVersion(m.ABI); err != nil {
		bad("%v", err)
	} else if major != Major {
		bad("plugin is built for ABI v%d; this host speaks ABI v%d", major, Major)
	}
	if !namePattern.MatchString(m.Name) {
		bad("plugin name %q must be 1-64 of a-z 0-9 . _ - and start with a letter or digit", m.Name)
	}
	if m.Version == "" {
		bad("plugin version is empty")
	}
	if len(m.Components) == 0 {
		bad("plugin declares no component")
	}
	seen := make(map[string]bool, len(m.Components))
	for i, c := range m.Components {
		if !c.Kind.Valid() {
			bad("component %d (%q): unknown kind %q", i, c.Name, c.Kind)
		}
		if !namePattern.MatchString(c.Name) {
			bad("component %d: name %q must be 1-64 of a-z 0-9 . _ - and start with a letter or digit", i, c.Name)
		}
		key := string(c.Kind) + "/" + c.Name
		if seen[key] {
			bad("component %d: duplicate %s %q", i, c.Kind, c.Name)
		}
		seen[key] = true
	}
	for _, c := range m.Capabilities {
		if !c.Valid() {
			bad("unknown capability %q", c)
		}
	}
	return errors.Join(errs...)
}

// SkipUnknownKinds removes the components of kinds this ABI does not know
// when the manifest is for a newer minor version of the same major, which
// may add kinds, and returns what it removed.
func (m *Manifest) SkipUnknownKinds() []Component {
	major, minor, err := ParseVersion(m.ABI)
	if err != nil || major != Major || minor <= Minor {
		return nil
	}
	var kept, skipped []Component
	for _, c := range m.Components {
		if c.Kind.Valid() {
			kept = append(kept, c)
		} else {
			skipped = append(skipped, c)
		}
	}
	m.Components = kept
	return skipped
}

// Kinds returns the distinct kinds of m's components, in the order of Kinds.
func (m *Manifest) Kinds() []Kind {
	var out []Kind
	for _, k := range Kinds {
		for _, c := range m.Components {
			if c.Kind == k {
				out = append(out, k)
				break
			}
		}
	}
	return out
}
