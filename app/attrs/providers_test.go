package attrs

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/policy"
)

// aclHost returns a host of the access-control reference plugins acl-basics
// of Go, C and Rust, which all provide urlmap and obl_log.
func aclHost(t *testing.T) *host.Host {
	t.Helper()
	dir := t.TempDir()
	plugins := map[string]host.PluginConfig{}
	for _, name := range []string{"acl-basics", "c-acl-basics", "rs-acl-basics"} {
		plugins[name] = host.PluginConfig{Grants: host.Grants{Log: true, Clock: true, Sink: host.SinkGrant{}}}
		src, _ := wasmbuild.Reference(t, name)
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".wasm"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h, err := host.New(host.Config{PluginDir: dir, CacheDir: wasmbuild.CacheDir(t, "wazero"),
		Plugins: plugins,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestProvidersResolve checks how a name that several plugins provide
// resolves: to the plugin policy.providers chooses, by kind first, and
// otherwise to an error that lists the references to write.
func TestProvidersResolve(t *testing.T) {
	t.Parallel()
	h := aclHost(t)
	for _, tt := range []struct {
		name      string
		providers Providers
		ref       string
		want      string // the plugin, or the start of the error
	}{
		{"no preference", nil, "urlmap", `object urlmap: no_component: provided by acl-basics/urlmap, c-acl-basics/urlmap, rs-acl-basics/urlmap; choose one in policy.providers (urlmap: acl-basics), or name one as acl-basics/urlmap or c-acl-basics/urlmap or rs-acl-basics/urlmap`},
		{"preferred", Providers{"urlmap": "c-acl-basics"}, "urlmap", "c-acl-basics"},
		{"preferred by kind", Providers{"urlmap": "c-acl-basics", "object:urlmap": "rs-acl-basics"}, "urlmap", "rs-acl-basics"},
		{"preferred for another kind", Providers{"obligation:urlmap": "c-acl-basics"}, "urlmap", "object urlmap: no_component: provided by"},
		{"a plugin named", Providers{"urlmap": "c-acl-basics"}, "rs-acl-basics/urlmap", "rs-acl-basics"},
		{"a preference that provides none", Providers{"urlmap": "acl-jsonsetter"}, "urlmap", "object urlmap: no_component: provided by acl-basics/urlmap, c-acl-basics/urlmap, rs-acl-basics/urlmap; policy.providers chooses acl-jsonsetter, which does not"},
		{"none", Providers{"nope": "acl-basics"}, "nope", "object nope: no_component: no plugin provides it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.providers.Resolve(h, abi.KindObject, tt.ref)
			got := c.Plugin
			if err != nil {
				got = err.Error()
			}
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("Resolve(%q) = %s, want %s", tt.ref, got, tt.want)
			}
		})
	}

	// Obligations and object setters of a decision resolve alike.
	e := policy.NewEngine(entities(t, `{
"s": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["p"], "Obligations": ["obl_log"]},
"p": {"Type": "Policy", "Resolver": "AND", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "object.path == 'admin/x'", "Effect": "GRANT"}
}`), policy.Config{Obligations: Obligations{Host: h, Providers: Providers{"obl_log": "rs-acl-basics"}}})
	setters, err := ConfiguredObjectSetters(h, map[string]map[string]any{"urlmap": {"mappings": []any{"(?P<path>admin/.*)"}}}, Providers{"urlmap": "c-acl-basics"})
	if err != nil || setters[0].(ObjectSetter).Component != "c-acl-basics/urlmap" {
		t.Fatalf("setters %v, %v", setters, err)
	}
	d, err := e.Decide(t.Context(), policy.Request{PolicySet: "s", Path: "/admin/x", ObjectSetters: setters})
	if err != nil || d.Result != policy.Grant {
		t.Errorf("decision %+v, %v", d, err)
	}
	e = policy.NewEngine(e.Snapshot(), policy.Config{Obligations: Obligations{Host: h}})
	d, err = e.Decide(t.Context(), policy.Request{PolicySet: "s", ObjectSetters: setters, Path: "/admin/x"})
	if err != nil || d.Result != policy.Deny || !strings.Contains(d.Obligations[0].Reason, "provided by acl-basics/obl_log, c-acl-basics/obl_log, rs-acl-basics/obl_log; choose one in policy.providers") {
		t.Errorf("decision without a preference %+v, %v", d, err)
	}
}
