package host

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// Plain Extism plugins written with the official PDKs as their quick starts
// do, kept as test data.
const (
	srcGoQuickstart = "host/testdata/extism/go-quickstart"
	srcASQuickstart = "host/testdata/extism/as-quickstart"
)

// extismQuickstarts builds the plain Extism plugins of the Go and the
// AssemblyScript PDK.
func extismQuickstarts(t *testing.T) (goWasm, asWasm string) {
	t.Helper()
	return wasmbuild.Go(t, srcGoQuickstart), wasmbuild.AssemblyScript.Dir(t, srcASQuickstart)
}

// quickstartConfig maps an export of each quick start to a component.
func quickstartConfig() map[string]PluginConfig {
	return map[string]PluginConfig{
		"go-quickstart": {Extism: &ExtismConfig{WASI: true, Version: "1.1.3", Exports: map[string]abi.Component{
			"name_vowels": {Kind: abi.KindEnvironment, Name: "vowels", Attributes: []string{"vowels"}},
			"greet":       {Kind: abi.KindObject, Name: "greet"},
		}}},
		"as-quickstart": {Extism: &ExtismConfig{Exports: map[string]abi.Component{
			"audit": {Kind: abi.KindObligation, Name: "audit"},
		}}},
	}
}

// TestExtismExports serves exports of plain Extism plugins, built with the
// official Go and AssemblyScript PDKs, as components: the request goes in
// as JSON and the JSON output is the reply.
func TestExtismExports(t *testing.T) {
	t.Parallel()
	goWasm, asWasm := extismQuickstarts(t)
	h := newHostWasm(t, Config{Plugins: quickstartConfig()}, goWasm, asWasm)
	for _, file := range []string{"go-quickstart.wasm", "as-quickstart.wasm"} {
		if s := status(t, h, file); s.Status != StatusOK || s.Binding != BindingExtism {
			t.Fatalf("%s: %+v", file, s)
		}
	}
	if v := status(t, h, "go-quickstart.wasm").Version; v != "1.1.3" {
		t.Errorf("version %q, want the configured 1.1.3", v)
	}
	ctx := context.Background()
	env, err := h.Environment(ctx, "vowels", abi.EnvironmentRequest{Key: "vowels",
		Context: abi.Context{Subject: map[string]any{"name": "Benjamin"}}})
	if err != nil || env.Value != int64(3) {
		t.Errorf("vowels of Benjamin = %#v, %v; want 3", env.Value, err)
	}
	env, err = h.Environment(ctx, "vowels", abi.EnvironmentRequest{Key: "vowels"})
	if err != nil || env.Value != nil {
		t.Errorf("vowels without a name = %#v, %v; want unknown", env.Value, err)
	}
	for decision, want := range map[abi.Decision]abi.ObligeReply{
		abi.DecisionGrant: {Fulfilled: true},
		abi.DecisionDeny:  {Reason: "not granted"},
	} {
		got, err := h.Oblige(ctx, "audit", abi.ObligeRequest{Decision: decision})
		if err != nil || got != want {
			t.Errorf("audit of %s = %+v, %v; want %+v", decision, got, err, want)
		}
	}
}

// TestExtismExportsRefused checks that a plain Extism plugin is refused,
// saying why, when nothing maps its exports or the mapping is wrong.
func TestExtismExportsRefused(t *testing.T) {
	t.Parallel()
	goWasm, _ := extismQuickstarts(t)
	for _, tt := range []struct {
		name    string
		extism  *ExtismConfig
		code    abi.Code
		message string
	}{
		{"no mapping", nil, abi.CodeABIMismatch,
			"no gatehouse_abi_v1 export: not a Gatehouse plugin; a plain Extism plugin is served once its exports are mapped to components under plugins.go-quickstart.extism.exports"},
		{"no such export", &ExtismConfig{WASI: true, Exports: map[string]abi.Component{"nope": {Kind: abi.KindObject, Name: "x"}}},
			abi.CodeABIMismatch, "plugins.go-quickstart.extism.exports: the module has no export nope"},
		{"a bad name", &ExtismConfig{WASI: true, Exports: map[string]abi.Component{"greet": {Kind: abi.KindObject, Name: "Bad Name"}}},
			abi.CodeBadManifest, "Bad Name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHostWasm(t, Config{Plugins: map[string]PluginConfig{"go-quickstart": {Extism: tt.extism}}}, goWasm)
			s := status(t, h, "go-quickstart.wasm")
			if s.Status != StatusError || !strings.HasPrefix(s.Message, string(tt.code)+": ") || !strings.Contains(s.Message, tt.message) {
				t.Errorf("status %s: %s; want %s containing %q", s.Status, s.Message, tt.code, tt.message)
			}
		})
	}
}

// TestExtismConfigRefused checks that the host refuses a mapping that
// cannot describe a plugin before loading any.
func TestExtismConfigRefused(t *testing.T) {
	t.Parallel()
	x := &ExtismConfig{Exports: map[string]abi.Component{"greet": {Kind: abi.KindAgent, Name: "x"}, "a": {Kind: abi.KindObject}}}
	_, err := New(Config{Plugins: map[string]PluginConfig{"p": {Extism: x}}}, nil)
	for _, want := range []string{"plugins.p.extism.exports.greet.kind: an agent needs two exports", "plugins.p.extism.exports.a.name: the component needs a name"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New: %v; want an error containing %q", err, want)
		}
	}
}

// TestHostileExtismExportOutput checks that an Extism export whose output
// is not a JSON object fails the call as a malformed reply, and that a
// failing export's error reaches the caller.
func TestHostileExtismExportOutput(t *testing.T) {
	t.Parallel()
	goWasm, asWasm := extismQuickstarts(t)
	h := newHostWasm(t, Config{Plugins: quickstartConfig()}, goWasm, asWasm)
	ctx := context.Background()
	var e *abi.Error
	// greet outputs "Hello, ...!", which is not JSON.
	_, err := h.Object(ctx, "greet", abi.ObjectRequest{})
	if !errors.As(err, &e) || e.Code != abi.CodeMalformedReply || !strings.Contains(e.Message, "output of the Extism export greet") {
		t.Errorf("greet as an object setter: %v; want malformed_reply", err)
	}
}

// TestCallExtism calls the exports of the quick starts as `extism call`
// does: raw input and output, Extism configuration and variables, WASI on
// demand.
func TestCallExtism(t *testing.T) {
	t.Parallel()
	goWasm, asWasm := extismQuickstarts(t)
	h := startHost(t, Config{})
	ctx := context.Background()
	wasi := ExtismConfig{WASI: true}
	for _, tt := range []struct {
		name, file, export, input string
		x                         ExtismConfig
		want                      string
	}{
		{"go greet", goWasm, "greet", "Benjamin", wasi, "Hello, Benjamin!"},
		{"go greet configured", goWasm, "greet", "", ExtismConfig{WASI: true, Config: map[string]string{"user": "Ann"}}, "Hello, Ann!"},
		{"go count_vowels", goWasm, "count_vowels", "Hello World", wasi, `{"count": 3}`},
		{"as count_vowels", asWasm, "count_vowels", "Hello World", ExtismConfig{Config: map[string]string{"thing": "x"}},
			`{"count": 3, "config": "x", "a": "this is var a"}`},
		{"as greet", asWasm, "greet", "Ann", ExtismConfig{}, "Hello, Ann!"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := h.CallExtism(ctx, tt.file, tt.export, []byte(tt.input), tt.x, Grants{})
			if err != nil || string(out) != tt.want {
				t.Errorf("%s(%q) = %q, %v; want %q", tt.export, tt.input, out, err, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		name, export, message string
		x                     ExtismConfig
	}{
		{"no such export", "nope", "module does not export nope", wasi},
		{"the plugin's error", "greet", "no one to greet", wasi},
		{"standard Go without WASI", "greet", "wasi_snapshot_preview1", ExtismConfig{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := h.CallExtism(ctx, goWasm, tt.export, nil, tt.x, Grants{})
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("err = %v; want one containing %q", err, tt.message)
			}
		})
	}
}
