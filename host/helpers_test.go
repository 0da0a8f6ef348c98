package host

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// Plugins built from source for the tests, by package folder.
const (
	srcBasics       = "plugins-src/go/basics"
	srcBasicsExtism = "plugins-src/go/basics-extism"
	srcKVCounter    = "plugins-src/go/kvcounter"
)

// newHost returns a started Host on a fresh plugin folder holding the
// plugins built from srcs, with cfg's other settings. It is closed when the
// test ends.
func newHost(t testing.TB, cfg Config, srcs ...string) *Host {
	t.Helper()
	files := make([]string, len(srcs))
	for i, src := range srcs {
		files[i] = wasmbuild.Go(t, src)
	}
	return newHostWasm(t, cfg, files...)
}

// newHostWasm is newHost for prebuilt plugin files, named like the files of
// wasmbuild: NAME-<12 hex digits>.wasm.
func newHostWasm(t testing.TB, cfg Config, files ...string) *Host {
	t.Helper()
	cfg.PluginDir = t.TempDir()
	for _, f := range files {
		copyPlugin(t, f, cfg.PluginDir)
	}
	return startHost(t, cfg)
}

// startHost returns a started Host on cfg's plugin folder, as it is, with
// the test compilation cache and a silent log unless cfg sets them. It is
// closed when the test ends.
func startHost(t testing.TB, cfg Config) *Host {
	t.Helper()
	if cfg.CacheDir == "" {
		cfg.CacheDir = wasmbuild.CacheDir(t, "wazero")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h
}

// copyPlugin copies the wasm file into dir under its own name, which
// wasmbuild gives after the plugin.
func copyPlugin(t testing.TB, wasm, dir string) string {
	t.Helper()
	b, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(wasm))
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// status returns the status of the plugin file named base in h.
func status(t testing.TB, h *Host, base string) PluginStatus {
	t.Helper()
	for _, p := range h.Plugins() {
		if filepath.Base(p.File) == base {
			return p
		}
	}
	t.Fatalf("no plugin file %s in %+v", base, h.Plugins())
	return PluginStatus{}
}
