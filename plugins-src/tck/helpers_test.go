package tck_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/plugins-src/tck"
)

// newHost returns a started host on a fresh plugin folder holding the
// plugin files, with cfg's other settings, and the test compilation cache
// and a silent log unless cfg sets them. It is closed when the test ends.
func newHost(t testing.TB, cfg host.Config, files ...string) *host.Host {
	t.Helper()
	cfg.PluginDir = t.TempDir()
	for _, f := range files {
		copyPlugin(t, f, cfg.PluginDir)
	}
	if cfg.CacheDir == "" {
		cfg.CacheDir = wasmbuild.CacheDir(t, "wazero")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h, err := host.New(cfg, nil)
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
func copyPlugin(t testing.TB, wasm, dir string) {
	t.Helper()
	b, err := os.ReadFile(wasm)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, filepath.Base(wasm)), b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// status returns the status of the plugin file named base in h.
func status(t testing.TB, h *host.Host, base string) host.PluginStatus {
	t.Helper()
	for _, p := range h.Plugins() {
		if filepath.Base(p.File) == base {
			return p
		}
	}
	t.Fatalf("no plugin file %s in %+v", base, h.Plugins())
	return host.PluginStatus{}
}

// mustLoad fails the test unless the plugin named plugin loaded.
func mustLoad(t testing.TB, h *host.Host, plugin string) {
	t.Helper()
	if st := status(t, h, plugin+".wasm"); st.Status != host.StatusOK {
		t.Fatalf("%s: status %s: %s", plugin, st.Status, st.Message)
	}
}

// basicsPlugins returns the plugins of the basics suite: those that pass it
// whole, or with partial those with some of its components only.
func basicsPlugins(t testing.TB, partial bool) []tck.Plugin {
	t.Helper()
	var out []tck.Plugin
	for _, p := range tck.Load(t, tck.BasicsSuite).Plugins {
		if p.Partial == partial {
			out = append(out, p)
		}
	}
	return out
}

// normalize turns the integer types msgpack picks for small numbers into
// int64, and structs into maps of their fields, so replies compare by
// value.
func normalize(v any) any {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int, reflect.Int64:
		return rv.Int()
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint, reflect.Uint64:
		return int64(rv.Uint())
	case reflect.Map:
		out := map[any]any{}
		for _, k := range rv.MapKeys() {
			out[k.Interface()] = normalize(rv.MapIndex(k).Interface())
		}
		return out
	case reflect.Slice:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalize(rv.Index(i).Interface())
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		for i := 0; i < rv.NumField(); i++ {
			out[rv.Type().Field(i).Name] = normalize(rv.Field(i).Interface())
		}
		return out
	}
	return v
}

// callOutcome is a reply or the plugin error of one call, for comparing a
// component with its Go twin.
type callOutcome struct {
	Reply any
	Code  abi.Code
	Msg   string
}

func outcome(t *testing.T, rep any, err error) callOutcome {
	t.Helper()
	if err == nil {
		return callOutcome{Reply: normalize(rep)}
	}
	var ce *host.CallError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *host.CallError", err)
	}
	var e *abi.Error
	if !errors.As(ce.Err, &e) {
		t.Fatalf("error %v carries no *abi.Error", err)
	}
	return callOutcome{Code: e.Code, Msg: e.Message}
}

// lockedWriter serializes the writes of the host's goroutines to w.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
