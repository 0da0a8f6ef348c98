package cli_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestPluginCallExtism calls plain Extism plugins, built with the official
// Go and AssemblyScript PDKs, as `extism call` does, and serves an export
// as a component through the configuration.
func TestPluginCallExtism(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	dir := t.TempDir()
	goWasm := copyFile(t, wasmbuild.Go(t, "host/testdata/extism/go-quickstart"), filepath.Join(dir, "go-quickstart.wasm"))
	asWasm := copyFile(t, wasmbuild.AssemblyScript.Dir(t, "host/testdata/extism/as-quickstart"), filepath.Join(dir, "as-quickstart.wasm"))
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"go greet", []string{goWasm, "--export", "greet", "--input", "Benjamin", "--wasi"}, "Hello, Benjamin!"},
		{"go greet configured", []string{goWasm, "--export", "greet", "--wasi", "--config", "user=Ann"}, "Hello, Ann!"},
		{"as count_vowels", []string{asWasm, "--export", "count_vowels", "--input", "-", "--config", "thing=x"},
			`{"count": 3, "config": "x", "a": "this is var a"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, "Hello World", append([]string{"plugin", "call", "--config", fx.noGrants}, tt.args...)...)
			r.check(t, cli.ExitOK)
			if r.stdout != tt.want {
				t.Errorf("stdout = %q, want %q", r.stdout, tt.want)
			}
		})
	}
	t.Run("failing export", func(t *testing.T) {
		t.Parallel()
		r := run(t, "", "plugin", "call", goWasm, "--export", "greet", "--wasi", "--config", fx.noGrants)
		r.check(t, cli.ExitFinding, "internal: no one to greet")
	})
	t.Run("component", func(t *testing.T) {
		t.Parallel()
		config := writeFile(t, t.TempDir(), "extism.yaml", `plugins:
  go-quickstart:
    extism:
      wasi: true
      exports:
        name_vowels: {kind: environment, name: vowels, attributes: [vowels]}
`)
		r := run(t, "", "plugin", "call", goWasm, "vowels", "--input", `{"key":"vowels","context":{"subject":{"name":"Benjamin"}}}`, "--config", config)
		r.check(t, cli.ExitOK)
		if r.stdout != "{\n  \"value\": 3\n}\n" {
			t.Errorf("stdout = %q", r.stdout)
		}
	})
}

// copyFile copies src to dst and returns dst.
func copyFile(t *testing.T, src, dst string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err == nil {
		err = os.WriteFile(dst, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dst
}
