package host

import (
	"context"
	"os"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestCallAllocs checks what a call of the C plugin's echo costs in
// allocations once the pool is warm: the request, reply envelope and
// reply in one, and the reply's map, whose keys and strings the codec
// interns.
func TestCallAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector adds allocations")
	}
	h := newHostWasm(t, Config{}, wasmbuild.C.Plugin(t, "c-basics"))
	ctx := context.Background()
	call := func() {
		rep, err := h.Environment(ctx, "echo", benchRequest)
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := rep.Value.(map[string]any); m["key"] != "echo" || m["subject"] != "alice@example.org" {
			t.Fatalf("reply %v", rep.Value)
		}
	}
	call()
	// The frame (1) and the map (a map and its group of slots: 2).
	if allocs := testing.AllocsPerRun(200, call); allocs > 3 {
		t.Errorf("%v allocations per call, want at most 3", allocs)
	}
}

// TestComponentsListedOnce checks that Components lists the components
// once for each change of the plugins, not on every call, and that a
// change lists them again.
func TestComponentsListedOnce(t *testing.T) {
	h := newHostWasm(t, Config{}, wasmbuild.C.Plugin(t, "c-basics"))
	cs := h.Components(abi.KindEnvironment)
	if len(cs) == 0 || cs[0].Plugin != "c-basics" {
		t.Fatalf("environment components %+v", cs)
	}
	if allocs := testing.AllocsPerRun(100, func() { h.Components(abi.KindEnvironment) }); allocs != 0 {
		t.Errorf("%v allocations per Components", allocs)
	}
	// A caller's append leaves the host's list alone.
	_ = append(cs, ComponentInfo{Plugin: "other"})
	if again := h.Components(abi.KindEnvironment); len(again) != len(cs) || again[len(again)-1].Plugin != "c-basics" {
		t.Errorf("after an append to the list: %+v", again)
	}
	entries, err := os.ReadDir(h.cfg.PluginDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.Remove(h.cfg.PluginDir + "/" + e.Name()); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.LoadDir(context.Background()); err != nil {
		t.Fatal(err)
	}
	if cs := h.Components(abi.KindEnvironment); len(cs) != 0 {
		t.Errorf("after the plugin was removed: %+v", cs)
	}
}

// TestLookupTargets checks that every form of reference to a component
// reaches it, with its metrics, without parsing or building a string on
// the way: the registry resolves the forms when it is published, and a
// listed component's Ref is the string made then.
func TestLookupTargets(t *testing.T) {
	h := newHostWasm(t, Config{}, wasmbuild.C.Plugin(t, "c-basics"))
	for _, ref := range []string{"echo", "c-basics/echo", "environment:echo", "environment:c-basics/echo"} {
		tg, err := h.lookup(abi.KindEnvironment, ref)
		if err != nil {
			t.Fatalf("lookup(%q): %v", ref, err)
		}
		tg.p.release()
		if tg.name != "echo" || tg.p.Manifest.Name != "c-basics" || tg.m == nil {
			t.Errorf("lookup(%q) = %q of %s, metrics %v", ref, tg.name, tg.p.Manifest.Name, tg.m)
		}
	}
	if _, err := h.lookup(abi.KindObject, "echo"); err == nil {
		t.Error("lookup of echo as an object component succeeded")
	}
	cs := h.Components(abi.KindEnvironment)
	if len(cs) == 0 || cs[0].Ref() != "c-basics/"+cs[0].Component.Name {
		t.Fatalf("environment components %+v", cs)
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = cs[0].Ref() }); allocs != 0 {
		t.Errorf("%v allocations per Ref of a listed component", allocs)
	}
	// A copy changed by its holder gives its own reference.
	c := cs[0]
	c.Plugin = "other"
	if got := c.Ref(); got != "other/"+c.Component.Name {
		t.Errorf("Ref of a changed copy = %q", got)
	}
}
