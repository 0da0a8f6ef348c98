package attrs

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/policy"
)

// newHost returns a started host serving the C reference plugin c-basics:
// the environment component echo (attribute "echo"), the object component
// path-segments and the obligation require-reason.
func newHost(t testing.TB) *host.Host {
	t.Helper()
	wasm := wasmbuild.C.Plugin(t, "c-basics")
	dir := t.TempDir()
	b, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "c-basics.wasm"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := host.New(host.Config{PluginDir: dir, CacheDir: wasmbuild.CacheDir(t, "wazero"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h
}

// entities writes an entity file and loads it.
func entities(t testing.TB, text string) *policy.Snapshot {
	t.Helper()
	f := filepath.Join(t.TempDir(), "e.json")
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s := policy.Load(f)
	if len(s.Problems()) > 0 {
		t.Fatal(s.Problems())
	}
	return s
}

const files = `{
"s": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["p"], "Obligations": ["require-reason"]},
"p": {"Type": "Policy", "Resolver": "AND", "Rules": ["env", "obj"]},
"env": {"Type": "Rule", "Condition": "environment.echo.subject == subject.id and not exists environment.nothing", "Effect": "GRANT"},
"obj": {"Type": "Rule", "Condition": "object.resource == 'files' and 'a.txt' in object.segments", "Effect": "GRANT", "Obligations": ["obl_log"]}
}`

func TestDecideWithPlugins(t *testing.T) {
	h := newHost(t)
	e := policy.NewEngine(entities(t, files), policy.Config{
		Environment: Environment{Host: h},
		Obligations: Obligations{Host: h, Components: map[string]string{"obl_log": "c-basics/require-reason"}},
	})
	req := func(reason string) policy.Request {
		return policy.Request{
			PolicySet:     "s",
			Attributes:    policy.Attributes{Subject: map[string]any{"id": 42}, Access: map[string]any{"reason": reason}},
			Path:          "/files/a.txt",
			ObjectSetters: ObjectSetters(h, nil),
		}
	}
	d, err := e.Decide(t.Context(), req("incident 7"))
	if err != nil {
		t.Fatal(err)
	}
	want := []policy.ObligationResult{
		{Name: "obl_log", Fulfilled: true, Entities: []string{"obj"}},
		{Name: "require-reason", Fulfilled: true, Entities: []string{"s"}},
	}
	if d.Result != policy.Grant || !slices.EqualFunc(d.Obligations, want, func(a, b policy.ObligationResult) bool {
		return a.Name == b.Name && a.Fulfilled == b.Fulfilled && a.Reason == b.Reason && slices.Equal(a.Entities, b.Entities)
	}) {
		t.Errorf("decision %+v\n%s", d, d.Explain())
	}
	if len(d.Missing) > 0 {
		t.Errorf("missing %v; exists does not count as missing", d.Missing)
	}

	d, err = e.Decide(t.Context(), req(""))
	if err != nil {
		t.Fatal(err)
	}
	if d.Result != policy.Deny || d.Effect != policy.Grant || d.Obligations[0].Reason != "access.reason is empty" {
		t.Errorf("with an empty reason: %+v", d)
	}
}

func TestPluginErrors(t *testing.T) {
	h := newHost(t)
	s := entities(t, `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"], "Obligations": ["no-such-obligation"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "object.x", "Effect": "GRANT"}
}`)
	e := policy.NewEngine(s, policy.Config{Obligations: Obligations{Host: h}})
	setters := []policy.ObjectSetter{ObjectSetter{Host: h, Component: "no-such-setter"}}
	d, err := e.Decide(t.Context(), policy.Request{PolicySet: "s", ObjectSetters: setters})
	if err != nil {
		t.Fatal(err)
	}
	if d.Result != policy.Deny || !strings.Contains(d.Error, `rule "r": Condition: object.x:`) || !strings.Contains(d.Error, "no_component") {
		t.Errorf("a missing object setter: %+v", d)
	}
	d, err = e.Decide(t.Context(), policy.Request{PolicySet: "s", Attributes: policy.Attributes{Object: map[string]any{"x": true}}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Result != policy.Deny || d.Effect != policy.Grant || d.Obligations[0].Fulfilled || !strings.Contains(d.Obligations[0].Reason, "no_component") {
		t.Errorf("a missing obligation: %+v", d)
	}
}

func TestObjectSettersOrder(t *testing.T) {
	h := newHost(t)
	setters := ObjectSetters(h, map[string]map[string]any{"c-basics/path-segments": {"k": "v"}})
	if len(setters) != 1 {
		t.Fatalf("setters %+v, want path-segments", setters)
	}
	s := setters[0].(ObjectSetter)
	if s.Component != "c-basics/path-segments" || s.Priority() != 0 || s.Config["k"] != "v" {
		t.Errorf("setter %+v", s)
	}
	got, err := s.SetObject(t.Context(), map[string]any{}, "/a/b")
	if err != nil || !slices.Equal(got["segments"].([]any), []any{"a", "b"}) {
		t.Errorf("SetObject = %v, %v", got, err)
	}
}

func TestConfiguredObjectSetters(t *testing.T) {
	h := newHost(t)
	setters, err := ConfiguredObjectSetters(h, map[string]map[string]any{
		"path-segments":          {"priority": int64(7), "x": "y"},
		"c-basics/path-segments": {"enable": false},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(setters) != 1 {
		t.Fatalf("%d setters, want the enabled one", len(setters))
	}
	s := setters[0].(ObjectSetter)
	if s.Component != "c-basics/path-segments" || s.Priority() != 7 || s.Config["x"] != "y" {
		t.Errorf("setter %+v", s)
	}
	if _, err := ConfiguredObjectSetters(h, map[string]map[string]any{"nope": nil}, nil); err == nil || !strings.Contains(err.Error(), `object setter "nope"`) {
		t.Errorf("an unknown setter: %v", err)
	}
	if setters, err := ConfiguredObjectSetters(h, map[string]map[string]any{"object:path-segments": nil}, nil); err != nil || setters[0].(ObjectSetter).Component != "c-basics/path-segments" {
		t.Errorf("a setter with its kind: %v, %v", setters, err)
	}
	for ref, want := range map[string]string{
		"agent:greedy":         `object setter: component reference "agent:greedy": names a component of kind agent, where kind object is wanted`,
		"object/path-segments": `object setter: component reference "object/path-segments": object is a kind, written before a colon: object:path-segments`,
	} {
		if _, err := ConfiguredObjectSetters(h, map[string]map[string]any{ref: nil}, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("setter %s: error %v, want %s", ref, err, want)
		}
	}
}
