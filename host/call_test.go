package host

import (
	"context"
	"os"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestCallAllocs checks what a call of the C plugin's echo costs in
// allocations once the pool is warm: none. The request, reply envelope
// and reply travel in a frame kept for reuse; the reply's map is shared
// by replies alike, and its keys and strings the codec interns.
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
	if allocs := testing.AllocsPerRun(200, call); allocs > 0 {
		t.Errorf("%v allocations per call, want none", allocs)
	}
}

// TestEnvironmentRepliesShared checks that an environment component's
// reply that repeats gives the value decoded before, and that a reply
// that differs never does: each call gets the value of its own reply.
func TestEnvironmentRepliesShared(t *testing.T) {
	h := newHostWasm(t, Config{}, wasmbuild.C.Plugin(t, "c-basics"))
	ctx := context.Background()
	ask := func(subject string) map[string]any {
		t.Helper()
		req := abi.EnvironmentRequest{Key: "echo", Context: abi.Context{Subject: map[string]any{"id": subject}}}
		rep, err := h.Environment(ctx, "echo", req)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := rep.Value.(map[string]any)
		if m["key"] != "echo" || m["subject"] != subject {
			t.Fatalf("asked about %s, got %v", subject, rep.Value)
		}
		return m
	}
	same := func(a, b map[string]any) bool {
		return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
	}
	first, second, third := ask("alice"), ask("alice"), ask("alice")
	if same(first, second) || !same(second, third) {
		t.Errorf("a reply given twice in a row is not shared from the third call on")
	}
	for _, subject := range []string{"bob", "alice", "carol", "carol", "carol", "alice"} {
		ask(subject)
	}
	// Raw calls get values of their own.
	raw := func() map[string]any {
		rep, err := h.CallRaw(ctx, abi.KindEnvironment, "echo", abi.ExportEnvironment, map[string]any{"key": "echo"})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	raw()
	if a, b := raw(), raw(); same(a, b) {
		t.Error("CallRaw shares its replies")
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
		if tg.name != "echo" || tg.p.Manifest.Name != "c-basics" || tg.c == nil || tg.c.metrics == nil {
			t.Errorf("lookup(%q) = %q of %s, state %v", ref, tg.name, tg.p.Manifest.Name, tg.c)
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
