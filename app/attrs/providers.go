package attrs

import (
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
)

// Providers chooses among the plugins that provide a component of the
// same name, as policy.providers configures it: by [KIND:]NAME (a key
// with the kind wins over one without), the plugin whose component a bare
// NAME means when several plugins provide it.
type Providers map[string]string

// Resolve returns the component of kind that ref, [KIND:][PLUGIN/]NAME,
// names among those h serves now: the one that matches, or among several
// the one of the plugin p prefers. It fails, with a *host.CallError of
// code no_component, when none matches, or when several do and p prefers
// none of them, naming the references to write instead.
func (p Providers) Resolve(h *host.Host, kind abi.Kind, ref string) (host.ComponentInfo, error) {
	r, err := host.ParseRefOf(kind, ref)
	if err != nil {
		return host.ComponentInfo{}, err
	}
	fail := func(format string, args ...any) error {
		return &host.CallError{Kind: kind, Component: ref, Err: abi.Errorf(abi.CodeNoComponent, format, args...)}
	}
	found := h.Find(r)
	switch len(found) {
	case 0:
		return host.ComponentInfo{}, fail("no plugin provides it")
	case 1:
		return found[0], nil
	}
	plugin, preferred := p[string(kind)+":"+r.Name]
	if !preferred {
		plugin, preferred = p[r.Name]
	}
	refs := make([]string, len(found))
	for i, c := range found {
		if preferred && c.Plugin == plugin {
			return c, nil
		}
		refs[i] = c.Ref()
	}
	why := "choose one in policy.providers"
	if preferred {
		why = fmt.Sprintf("policy.providers chooses %s, which does not; choose another there", plugin)
	}
	return host.ComponentInfo{}, fail("provided by %s; %s (%s: %s), or name one as %s",
		strings.Join(refs, ", "), why, r.Name, found[0].Plugin, strings.Join(refs, " or "))
}
