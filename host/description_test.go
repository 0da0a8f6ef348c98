package host

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestDescribeOnlyNeedsNoCompiling loads a plugin to serve it, which keeps
// its description in the cache folder, removes the compiled code, and
// checks that a host that only describes plugins reports it as the serving
// host did, without compiling it, and refuses calls.
func TestDescribeOnlyNeedsNoCompiling(t *testing.T) {
	cache := t.TempDir()
	serve := newHostWasm(t, Config{CacheDir: cache}, wasmbuild.C.Plugin(t, "c-basics"))
	want := status(t, serve, "c-basics.wasm")
	if want.Status != StatusOK {
		t.Fatalf("serving host: %+v", want)
	}
	removeCompiledCode(t, cache, want.SHA256)

	list := startHost(t, Config{CacheDir: cache, PluginDir: serve.cfg.PluginDir, DescribeOnly: true})
	got := status(t, list, "c-basics.wasm")
	if got.Status != StatusOK || got.Name != want.Name || got.Binding != want.Binding || !reflect.DeepEqual(got.Components, want.Components) {
		t.Errorf("described from the cache:\n got %+v\nwant %+v", got, want)
	}
	if compiledCode(t, cache, want.SHA256) {
		t.Error("the host that only describes compiled a plugin whose description is kept")
	}
	_, err := list.Actuate(context.Background(), "echo", abi.ActuateRequest{})
	if !errors.Is(err, abi.Errorf(abi.CodeUnavailable, "")) {
		t.Errorf("call to a described plugin: %v, want unavailable", err)
	}
}

// TestHostileDescriptionNotOfTheContent puts in the cache folder of a
// plugin's content descriptions that are not of it: another plugin's,
// another format's or ABI's, damaged ones. The host that only describes
// plugins must report the plugin's own manifest, compiling it, and keep
// its true description in place of the wrong one.
func TestHostileDescriptionNotOfTheContent(t *testing.T) {
	basics, other := wasmbuild.C.Plugin(t, "c-basics"), wasmbuild.C.Plugin(t, "c-kvcounter")
	otherDesc := func(t *testing.T) map[string]any {
		cache := t.TempDir()
		h := newHostWasm(t, Config{CacheDir: cache}, other)
		return readDescription(t, cache, status(t, h, "c-kvcounter.wasm").SHA256)
	}
	cases := []struct {
		name string
		edit func(d map[string]any, sum string) []byte
	}{
		{"another content's", func(d map[string]any, _ string) []byte { return marshal(t, d) }},
		{"another content's, named for this one", func(d map[string]any, sum string) []byte {
			d["sha256"] = sum
			d["format"] = descriptionFormat + 1
			return marshal(t, d)
		}},
		{"another ABI's", func(d map[string]any, sum string) []byte {
			d["sha256"], d["host_abi"] = sum, "0.9"
			return marshal(t, d)
		}},
		{"unknown field", func(d map[string]any, sum string) []byte {
			d["sha256"], d["trusted"] = sum, true
			return marshal(t, d)
		}},
		{"not JSON", func(map[string]any, string) []byte { return []byte("\x00\x01not json") }},
		{"truncated", func(d map[string]any, _ string) []byte { b := marshal(t, d); return b[:len(b)/2] }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := otherDesc(t)
			cache := t.TempDir()
			dir := t.TempDir()
			file := copyPlugin(t, basics, dir)
			sum := sha256Hex(readFile(t, file))
			if err := os.MkdirAll(filepath.Join(cache, sum), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(cache, sum, descriptionFile), c.edit(d, sum), 0o644); err != nil {
				t.Fatal(err)
			}
			h := startHost(t, Config{CacheDir: cache, PluginDir: dir, DescribeOnly: true})
			st := status(t, h, "c-basics.wasm")
			if st.Status != StatusOK || st.Name != "c-basics" {
				t.Fatalf("plugin reported as %+v, want c-basics serving", st)
			}
			if !compiledCode(t, cache, sum) {
				t.Error("the host did not compile the plugin")
			}
			if got := readDescription(t, cache, sum); got["sha256"] != sum {
				t.Errorf("kept description is of %v, want %s", got["sha256"], sum)
			}
		})
	}
}

// removeCompiledCode removes from the cache folder of the content sum all
// but its description.
func removeCompiledCode(t *testing.T, cache, sum string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(cache, sum))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != descriptionFile {
			if err := os.RemoveAll(filepath.Join(cache, sum, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// compiledCode reports whether the cache folder of the content sum holds
// compiled code.
func compiledCode(t *testing.T, cache, sum string) bool {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(cache, sum))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "wazero-") {
			continue
		}
		code, err := os.ReadDir(filepath.Join(cache, sum, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if len(code) > 0 {
			return true
		}
	}
	return false
}

// readDescription returns the description kept for the content sum.
func readDescription(t *testing.T, cache, sum string) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(readFile(t, filepath.Join(cache, sum, descriptionFile)), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
