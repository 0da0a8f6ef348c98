package app

import (
	"cmp"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/config"
	"github.com/gatehouse/gatehouse/host"
)

// engineKeys are the keys of an object setter's configuration that the
// policy engine reads itself.
var engineKeys = []string{"enable", "priority"}

// unreadKey is a configured key that the component it configures does not
// read.
type unreadKey struct {
	key       string   // the dotted path in the configuration file
	component string   // PLUGIN/NAME
	reads     []string // the keys the component reads
}

// unreadKeys returns the keys of f's obligation and object setter
// configurations that the components of m they configure do not read, by
// the keys each component declares (abi.Component.ConfigKeys), sorted by
// key. A component that declares none is not checked.
func unreadKeys(f *config.File, m abi.Manifest) []unreadKey {
	var out []unreadKey
	check := func(path string, kind abi.Kind, configs map[string]map[string]any) {
		for name, conf := range configs {
			ref := name
			if c, ok := f.Policy.Obligations[name]; ok && kind == abi.KindObligation {
				ref = c
			}
			r, err := host.ParseRefOf(kind, ref)
			if err != nil {
				continue
			}
			for _, c := range m.Components {
				if c.Kind != kind || len(c.ConfigKeys) == 0 || !r.Matches(host.ComponentInfo{Plugin: m.Name, Component: c}) {
					continue
				}
				for key := range conf {
					if !slices.Contains(c.ConfigKeys, key) && (kind != abi.KindObject || !slices.Contains(engineKeys, key)) {
						out = append(out, unreadKey{path + "." + name + "." + key, m.Name + "/" + c.Name, c.ConfigKeys})
					}
				}
			}
		}
	}
	api := f.Policy.DecisionAPI
	check("policy.decision_api.obligations", abi.KindObligation, api.Obligations)
	check("policy.decision_api.object_setters", abi.KindObject, api.ObjectSetters)
	for _, name := range slices.Sorted(maps.Keys(f.Proxy.Services)) {
		s := f.Proxy.Services[name]
		check("proxy.services."+name+".obligations", abi.KindObligation, s.Obligations)
		check("proxy.services."+name+".objectsetters", abi.KindObject, s.ObjectSetters)
	}
	slices.SortFunc(out, func(a, b unreadKey) int { return cmp.Compare(a.key, b.key) })
	return out
}

// keyChecker warns of configured keys that nothing reads, for each plugin
// version that loads, against the configuration in effect.
type keyChecker struct {
	cfg    atomic.Pointer[config.File]
	logger *slog.Logger
}

// loaded warns of the keys that the components of m leave unread.
func (k *keyChecker) loaded(m abi.Manifest) {
	for _, u := range unreadKeys(k.cfg.Load(), m) {
		args := []any{"key", u.key, "component", u.component, "reads", strings.Join(u.reads, ", ")}
		if strings.HasSuffix(u.key, ".logger_cfg") {
			args = append(args, "hint", "ARPOC's Python logging configuration; give the line a destination with sink: NAME, a sink of plugins."+m.Name+".grants.sink")
		}
		k.logger.Warn("configuration key that nothing reads", args...)
	}
}

// recheck checks the configuration in effect against the manifests of
// the plugins h serves.
func (k *keyChecker) recheck(h *host.Host) {
	for _, st := range h.Plugins() {
		if st.Status != host.StatusError && st.Name != "" {
			k.loaded(abi.Manifest{Name: st.Name, Components: st.Components})
		}
	}
}
